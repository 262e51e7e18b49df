// Hash reads over the registry keys: HGETALL, HGET, HMGET, HLEN, HKEYS, HVALS, HEXISTS, HSTRLEN, HSCAN.
// A worker's fields are WORKER.GET's, a hive's HIVE.GET's but its worker list; values are strings.

import { MapReply } from '../../resp/reply.js';
import type { ClientState } from '../context.js';
import { globMatch } from '../glob.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { hashFields, lookupKey } from './keys.js';
import { parseCursor, parseScanOptions } from './scan.js';
import { shape } from '../reply-shape.js';

/** The key's fields, or null when no worker or hive has that name. */
function fieldsOf(client: ClientState, key: string): Array<[string, string]> | null {
  const registry = client.server.registry;
  const record = lookupKey(registry, key);
  return record === undefined ? null : hashFields(registry, record);
}

function find(fields: Array<[string, string]> | null, field: string): string | null {
  if (fields === null) return null;
  for (const [k, v] of fields) if (k === field) return v;
  return null;
}

const KEY = { name: 'key', type: 'key' } as const;
const FIELD = { name: 'field', type: 'string' } as const;

function hashRead(spec: Omit<CommandSpec, 'since' | 'group' | 'flags' | 'aclCategories'> & { since: string }): CommandSpec {
  return defineCommand({ group: 'hash', flags: ['readonly', 'fast'], aclCategories: ['hash', 'read', 'fast'], ...spec });
}

export const HGETALL = hashRead({
  name: 'HGETALL',
  summary: "Returns every field and value of a worker's or a hive's hash.",
  since: '2.0.0',
  complexity: 'O(N), N the fields (at most 18)',
  arguments: [KEY],
  arity: 2,
  replyShape: shape.dict(shape.bulk),
  reply: 'Map of field to value (RESP2: flat field/value array); empty when the key does not exist. Fields never reported are left out.',
  notes:
    "A worker's fields: those of WORKER.GET (`worker_id`, `hive_id`, `state`, `health`, `url`, `model_id`, …, `last_seen_ms`, `age_ms`, `online`). " +
    "A hive's: those of HIVE.GET but `workers` (HIVE.WORKERS lists them).",
  handler(client, argv) {
    return new MapReply(fieldsOf(client, argv[1]!) ?? []);
  },
});

export const HGET = hashRead({
  name: 'HGET',
  summary: 'Returns one field of a worker or a hive.',
  since: '2.0.0',
  complexity: 'O(1)',
  arity: 3,
  arguments: [KEY, FIELD],
  replyShape: shape.optional(shape.bulk),
  reply: 'Bulk string, or nil when the key or the field does not exist.',
  handler(client, argv) {
    return find(fieldsOf(client, argv[1]!), argv[2]!);
  },
});

export const HMGET = hashRead({
  name: 'HMGET',
  summary: 'Returns several fields of a worker or a hive.',
  since: '2.0.0',
  complexity: 'O(N), N the fields asked for',
  arity: -3,
  arguments: [KEY, { ...FIELD, multiple: true }],
  replyShape: shape.array(shape.optional(shape.bulk)),
  reply: 'Array of bulk strings, nil for each field (or key) that does not exist.',
  handler(client, argv) {
    const fields = fieldsOf(client, argv[1]!);
    return argv.slice(2).map((f) => find(fields, f));
  },
});

export const HLEN = hashRead({
  name: 'HLEN',
  summary: "Returns the number of fields in a worker's or a hive's hash.",
  since: '2.0.0',
  complexity: 'O(1)',
  arity: 2,
  arguments: [KEY],
  replyShape: shape.integer(),
  reply: 'Integer; 0 when the key does not exist.',
  handler(client, argv) {
    return fieldsOf(client, argv[1]!)?.length ?? 0;
  },
});

export const HKEYS = hashRead({
  name: 'HKEYS',
  summary: "Returns the field names of a worker's or a hive's hash.",
  since: '2.0.0',
  complexity: 'O(N), N the fields',
  arity: 2,
  arguments: [KEY],
  replyShape: shape.array(shape.bulk),
  reply: 'Array of bulk strings; empty when the key does not exist.',
  handler(client, argv) {
    return (fieldsOf(client, argv[1]!) ?? []).map(([k]) => k);
  },
});

export const HVALS = hashRead({
  name: 'HVALS',
  summary: "Returns the values of a worker's or a hive's hash.",
  since: '2.0.0',
  complexity: 'O(N), N the fields',
  arity: 2,
  arguments: [KEY],
  replyShape: shape.array(shape.bulk),
  reply: 'Array of bulk strings; empty when the key does not exist.',
  handler(client, argv) {
    return (fieldsOf(client, argv[1]!) ?? []).map(([, v]) => v);
  },
});

export const HEXISTS = hashRead({
  name: 'HEXISTS',
  summary: 'Tells whether a worker or a hive has a field.',
  since: '2.0.0',
  complexity: 'O(1)',
  arity: 3,
  arguments: [KEY, FIELD],
  replyShape: shape.integer(0, 1),
  reply: 'Integer: 1 if the field exists, 0 if it or the key does not.',
  handler(client, argv) {
    return find(fieldsOf(client, argv[1]!), argv[2]!) === null ? 0 : 1;
  },
});

export const HSTRLEN = hashRead({
  name: 'HSTRLEN',
  summary: "Returns the length of a field's value.",
  since: '3.2.0',
  complexity: 'O(1)',
  arity: 3,
  arguments: [KEY, FIELD],
  replyShape: shape.integer(),
  reply: "Integer: the value's length in bytes, 0 when the field or the key does not exist.",
  handler(client, argv) {
    const v = find(fieldsOf(client, argv[1]!), argv[2]!);
    return v === null ? 0 : Buffer.byteLength(v);
  },
});

export const HSCAN = defineCommand({
  name: 'HSCAN',
  summary: "Iterates over the fields of a worker's or a hive's hash.",
  since: '2.8.0',
  group: 'hash',
  complexity: 'O(N), N the fields (at most 18): the whole hash in one call, as Redis does for a small hash',
  arity: -3,
  flags: ['readonly'],
  aclCategories: ['hash', 'read', 'slow'],
  arguments: [
    KEY,
    { name: 'cursor', type: 'integer' },
    { name: 'pattern', type: 'pattern', token: 'MATCH', optional: true },
    { name: 'count', type: 'integer', token: 'COUNT', optional: true },
  ],
  replyShape: shape.tuple(shape.bulk, shape.array(shape.bulk)),
  reply: 'Array of two: the cursor "0" and a flat field/value array.',
  errors: ['`ERR invalid cursor`', '`ERR syntax error`'],
  handler(client, argv) {
    parseCursor(argv[2]!);
    const { match } = parseScanOptions(argv, 3, false);
    const out: string[] = [];
    for (const [k, v] of fieldsOf(client, argv[1]!) ?? []) if (match === null || globMatch(match, k)) out.push(k, v);
    return ['0', out];
  },
});
