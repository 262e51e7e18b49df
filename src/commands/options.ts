// Parsing of `[TOKEN value] [FLAG]` tails, driven by the command's own argument spec so the parser and the
// docs cannot disagree.

import type { ArgSpec } from './spec.js';
import { CommandError } from './errors.js';
import { asciiUpper, quote } from '../settings/values.js';

/**
 * Reads optional token arguments from argv[from…]. Returns values by token (upper case); pure tokens map to
 * ''. Tokens are case-insensitive; a repeated token keeps its last value, as Redis options do.
 */
export function parseTokens(argv: readonly string[], from: number, specs: readonly ArgSpec[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = from; i < argv.length; i++) {
    const word = asciiUpper(argv[i]!);
    const spec = specs.find((a) => a.token === word);
    if (spec === undefined) throw new CommandError(`ERR syntax error, unknown option '${quote(argv[i]!)}'`);
    if (spec.type === 'pure-token') {
      out.set(word, '');
      continue;
    }
    if (i + 1 >= argv.length) throw new CommandError(`ERR syntax error, option ${word} needs a value`);
    out.set(word, argv[++i]!);
  }
  return out;
}
