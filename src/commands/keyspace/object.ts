// MEMORY USAGE and OBJECT over the registry keys, as redis-cli --memkeys and key browsers ask them.

import { asciiUpper } from '../../settings/values.js';
import { CommandError, parseInteger, syntaxError } from '../errors.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { helpSubcommand } from '../server/help.js';
import { hashEncoding, hashFields, isHive, lookupKey, memoryUsage } from './keys.js';
import { shape } from '../reply-shape.js';

const KEY = { name: 'key', type: 'key' } as const;

const memorySubcommands: CommandSpec[] = [
  {
    name: 'USAGE',
    summary: 'Estimates the memory a worker or a hive takes.',
    since: '4.0.0',
    group: 'server',
    complexity: 'O(1)',
    arity: -3,
    flags: ['readonly'],
    aclCategories: ['read', 'slow'],
    arguments: [KEY, { name: 'count', type: 'integer', token: 'SAMPLES', optional: true }],
    replyShape: shape.optional(shape.integer()),
    reply: 'Integer: bytes, or nil when the key does not exist.',
    notes:
      "An estimate: the record's measured share of the heap (see the memory benchmark) plus its strings. SAMPLES is " +
      'accepted and has no effect (nothing is sampled).',
    handler(client, argv) {
      for (let i = 3; i < argv.length; i += 2) {
        if (asciiUpper(argv[i]!) !== 'SAMPLES' || i + 1 >= argv.length) throw syntaxError();
        if (parseInteger(argv[i + 1]!) < 0) throw syntaxError();
      }
      const record = lookupKey(client.server.registry, argv[2]!);
      return record === undefined ? null : memoryUsage(record);
    },
  },
];
memorySubcommands.push(helpSubcommand('MEMORY', 'server', memorySubcommands));

export const MEMORY = defineCommand({
  name: 'MEMORY',
  summary: 'A container for memory diagnostics commands.',
  since: '4.0.0',
  group: 'server',
  complexity: 'Depends on subcommand.',
  arity: -2,
  flags: [],
  aclCategories: ['slow'],
  reply: 'Depends on the subcommand.',
  subcommands: memorySubcommands,
});

const objectSub = (spec: Omit<CommandSpec, 'group' | 'flags' | 'aclCategories' | 'arity' | 'arguments'>): CommandSpec => ({
  group: 'generic',
  flags: ['readonly'],
  aclCategories: ['keyspace', 'read', 'slow'],
  arity: 3,
  arguments: [KEY],
  ...spec,
});

const objectSubcommands: CommandSpec[] = [
  objectSub({
    name: 'ENCODING',
    summary: 'Returns the encoding Redis would use for the same hash.',
    since: '2.2.3',
    complexity: 'O(1)',
    replyShape: shape.optional(shape.bulk),
    reply: 'Bulk string `listpack` (at most 128 fields of at most 64 bytes) or `hashtable`; nil when the key does not exist.',
    handler(client, argv) {
      const registry = client.server.registry;
      const record = lookupKey(registry, argv[2]!);
      return record === undefined ? null : hashEncoding(hashFields(registry, record));
    },
  }),
  objectSub({
    name: 'REFCOUNT',
    summary: 'Returns the reference count of a key: always 1.',
    since: '2.2.3',
    complexity: 'O(1)',
    replyShape: shape.optional(shape.integer(1)),
    reply: 'Integer 1, or nil when the key does not exist.',
    handler(client, argv) {
      return lookupKey(client.server.registry, argv[2]!) === undefined ? null : 1;
    },
  }),
  objectSub({
    name: 'IDLETIME',
    summary: 'Returns the seconds since the worker (or any worker of the hive) last sent a heartbeat.',
    since: '2.2.3',
    complexity: 'O(1)',
    replyShape: shape.optional(shape.integer()),
    reply: 'Integer seconds, or nil when the key does not exist.',
    handler(client, argv) {
      const registry = client.server.registry;
      const record = lookupKey(registry, argv[2]!);
      if (record === undefined) return null;
      const seen = isHive(record) ? record.lastHeartbeatMs : record.lastSeenMs;
      return Math.max(0, Math.floor(registry.ageMs(seen) / 1000));
    },
  }),
  objectSub({
    name: 'FREQ',
    summary: 'Returns the access frequency of a key: not tracked (no LFU policy), as Redis says.',
    since: '4.0.0',
    complexity: 'O(1)',
    replyShape: shape.error,
    reply: 'Always an error: the registry has no maxmemory policy.',
    handler() {
      throw new CommandError(
        'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
      );
    },
  }),
];
objectSubcommands.push(helpSubcommand('OBJECT', 'generic', objectSubcommands));

export const OBJECT = defineCommand({
  name: 'OBJECT',
  summary: 'A container for object introspection commands.',
  since: '2.2.3',
  group: 'generic',
  complexity: 'Depends on subcommand.',
  arity: -2,
  flags: [],
  aclCategories: ['slow'],
  reply: 'Depends on the subcommand.',
  subcommands: objectSubcommands,
});
