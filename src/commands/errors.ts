// Errors a handler may throw; the dispatcher turns them into `-CODE message` replies. Redis' wording is kept
// where Redis has one, since clients match on it.

import { ErrorReply } from '../resp/reply.js';

/** A complete error line: `message` starts with the code, e.g. `ERR syntax error`, `NOPROTO …`. */
export class CommandError extends Error {}

export const syntaxError = () => new CommandError('ERR syntax error');

export function wrongArity(fullName: string): ErrorReply {
  return new ErrorReply(`ERR wrong number of arguments for '${fullName.toLowerCase()}' command`);
}

/** `ERR unknown command 'x', with args beginning with: 'a' 'b' ` (Redis' exact text, trailing space included). */
export function unknownCommand(argv: readonly string[]): ErrorReply {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${argv[i]!.slice(0, 128 - args.length)}' `;
  return new ErrorReply(`ERR unknown command '${argv[0]!.slice(0, 128)}', with args beginning with: ${args}`);
}

/** `ERR unknown subcommand 'x'. Try CLIENT HELP.` */
export function unknownSubcommand(container: string, sub: string): ErrorReply {
  return new ErrorReply(`ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`);
}

export const notInteger = () => new CommandError('ERR value is not an integer or out of range');

/** Redis' integer argument parsing (string2ll): optional '-', digits, no leading zeros, no spaces. */
export function parseInteger(value: string): number {
  if (!/^(0|-?[1-9][0-9]*)$/.test(value)) throw notInteger();
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw notInteger();
  return n;
}
