// Errors a handler may throw; the dispatcher turns them into `-CODE message` replies. Redis' wording is kept
// where Redis has one, since clients match on it.

import { ErrorReply } from '../resp/reply.js';
import { ANY_INTEGER, integerOrNull, parseInteger as parseIntegerIn, quote, ValueError, type IntRange } from '../settings/values.js';

/** A complete error line: `message` starts with the code, e.g. `ERR syntax error`, `NOPROTO …`. */
export class CommandError extends Error {}

export const syntaxError = () => new CommandError('ERR syntax error');

export function wrongArity(fullName: string): ErrorReply {
  return new ErrorReply(`ERR wrong number of arguments for '${fullName.toLowerCase()}' command`);
}

/** `ERR unknown command 'x', with args beginning with: 'a' 'b' ` (Redis' exact text, trailing space included). */
export function unknownCommand(argv: readonly string[]): ErrorReply {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${quote(argv[i]!, 128 - args.length, '')}' `;
  return new ErrorReply(`ERR unknown command '${quote(argv[0]!, 128, '')}', with args beginning with: ${args}`);
}

/** `ERR unknown subcommand 'x'. Try CLIENT HELP.` */
export function unknownSubcommand(container: string, sub: string): ErrorReply {
  return new ErrorReply(`ERR unknown subcommand '${quote(sub, 128, '')}'. Try ${container.toUpperCase()} HELP.`);
}

export const notInteger = () => new CommandError('ERR value is not an integer or out of range');

/** An integer argument where Redis answers its generic `value is not an integer or out of range`. */
export function parseInteger(value: string): number {
  const n = integerOrNull(value);
  if (n === null) throw notInteger();
  return n;
}

/**
 * A named integer argument within its documented range: `ERR invalid BLOCK 'x': expected an integer from 0 to
 * 2147483647`. The same parser reads flags and CONFIG SET values.
 */
export function integerArg(value: string, field: string, range: IntRange = ANY_INTEGER, unit = ''): number {
  try {
    return parseIntegerIn(value, range);
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    throw new CommandError(`ERR invalid ${field} '${quote(value)}': expected ${e.expected}${unit && ` (${unit})`}`);
  }
}
