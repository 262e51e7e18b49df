// SCAN and KEYS over the registry's keys (worker:<id>, hive:<id>). SCAN's cursor is a slot in the registry's
// slot index, so each call costs O(COUNT) however many workers there are.

import { asciiUpper, asciiLower } from '../../settings/values.js';
import { CommandError, parseInteger, syntaxError } from '../errors.js';
import { checkGlobPattern, globMatch } from '../glob.js';
import { defineCommand } from '../spec.js';
import { hiveKey, workerKey } from './keys.js';
import { shape } from '../reply-shape.js';

/** Redis' cursor: an unsigned 64-bit integer in decimal. Past our slots it just ends the walk. */
function parseCursor(text: string): number {
  if (!/^[0-9]+$/.test(text) || BigInt(text) > 0xffffffffffffffffn) throw new CommandError('ERR invalid cursor');
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : Number.MAX_SAFE_INTEGER;
}

export interface ScanOptions {
  match: string | null;
  count: number;
  type: string | null;
}

/** Parses `[MATCH pattern] [COUNT count] [TYPE type]` from argv[from] on (SCAN; HSCAN takes no TYPE). */
export function parseScanOptions(argv: readonly string[], from: number, allowType: boolean): ScanOptions {
  const options: ScanOptions = { match: null, count: 10, type: null };
  for (let i = from; i < argv.length; i += 2) {
    const word = asciiUpper(argv[i]!);
    if (i + 1 >= argv.length) throw syntaxError();
    const value = argv[i + 1]!;
    if (word === 'COUNT') {
      options.count = parseInteger(value);
      if (options.count < 1) throw syntaxError();
    } else if (word === 'MATCH') {
      checkGlobPattern(value);
      options.match = value === '*' ? null : value;
    } else if (word === 'TYPE' && allowType) options.type = asciiLower(value);
    else throw syntaxError();
  }
  return options;
}

export { parseCursor };

export const SCAN = defineCommand({
  name: 'SCAN',
  summary: 'Iterates over the registry keys: worker:<worker_id> and hive:<hive_id>.',
  since: '2.8.0',
  group: 'generic',
  complexity: 'O(1) for every call. O(N) for a complete iteration, N the number of workers and hives.',
  arity: -2,
  flags: ['readonly'],
  aclCategories: ['keyspace', 'read', 'slow'],
  arguments: [
    { name: 'cursor', type: 'integer' },
    { name: 'pattern', type: 'pattern', token: 'MATCH', optional: true },
    { name: 'count', type: 'integer', token: 'COUNT', optional: true },
    { name: 'type', type: 'string', token: 'TYPE', optional: true },
  ],
  replyShape: shape.tuple(shape.bulk, shape.array(shape.bulk)),
  reply: 'Array of two: the next cursor (bulk string; "0" when the iteration is complete) and an array of key names.',
  errors: ['`ERR invalid cursor`', '`ERR syntax error` (unknown option, COUNT below 1)'],
  notes:
    'Each worker is a hash at `worker:<worker_id>`, each hive a hash at `hive:<hive_id>`. Every key present for a whole ' +
    'iteration is returned once; keys added or removed meanwhile may or may not be. COUNT (default 10) bounds the work ' +
    'of one call (up to COUNT keys, at most 10 × COUNT slots looked at). `TYPE hash` matches every key, any other type none.',
  handler(client, argv) {
    const cursor = parseCursor(argv[1]!);
    const { match, count, type } = parseScanOptions(argv, 2, true);
    const keys: string[] = [];
    const typeMatches = type === null || type === 'hash';
    const take = (key: string) => {
      if (typeMatches && (match === null || globMatch(match, key))) keys.push(key);
    };
    const next = client.server.registry.scanSlots(
      cursor,
      count,
      (w) => take(workerKey(w)),
      (h) => take(hiveKey(h)),
    );
    return [String(next), keys];
  },
});

export const KEYS = defineCommand({
  name: 'KEYS',
  summary: 'Returns every registry key matching a pattern.',
  since: '1.0.0',
  group: 'generic',
  complexity: 'O(N), N the number of workers and hives',
  arity: 2,
  flags: ['readonly'],
  aclCategories: ['keyspace', 'read', 'slow', 'dangerous'],
  arguments: [{ name: 'pattern', type: 'pattern' }],
  replyShape: shape.array(shape.bulk),
  reply: 'Array of key names (`worker:<worker_id>`, `hive:<hive_id>`), in slot order.',
  notes: 'Walks the whole registry in one call, as Redis does: prefer SCAN on a large fleet.',
  handler(client, argv) {
    const pattern = argv[1]!;
    checkGlobPattern(pattern);
    const all = pattern === '*';
    const keys: string[] = [];
    const take = (key: string) => {
      if (all || globMatch(pattern, key)) keys.push(key);
    };
    const registry = client.server.registry;
    let cursor = 0;
    do
      cursor = registry.scanSlots(
        cursor,
        1_000_000,
        (w) => take(workerKey(w)),
        (h) => take(hiveKey(h)),
      );
    while (cursor !== 0);
    return keys;
  },
});
