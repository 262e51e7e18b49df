// EXISTS, TYPE, TTL, PTTL and GET over the registry keys: what tools ask of any key before reading it.

import { ErrorReply, SimpleString } from '../../resp/reply.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { lookupKey } from './keys.js';
import { shape } from '../reply-shape.js';

const WRONGTYPE = new ErrorReply('WRONGTYPE Operation against a key holding the wrong kind of value');

export const EXISTS = defineCommand({
  name: 'EXISTS',
  summary: 'Counts how many of the given keys name a worker or a hive.',
  since: '1.0.0',
  group: 'generic',
  complexity: 'O(N), N the number of keys given',
  arity: -2,
  flags: ['readonly', 'fast'],
  aclCategories: ['keyspace', 'read', 'fast'],
  arguments: [{ name: 'key', type: 'key', multiple: true }],
  replyShape: shape.integer(),
  reply: 'Integer: the number of keys that exist (a key given twice counts twice).',
  handler(client, argv) {
    const registry = client.server.registry;
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (lookupKey(registry, argv[i]!) !== undefined) n++;
    return n;
  },
});

export const TYPE = defineCommand({
  name: 'TYPE',
  summary: 'Returns the type of a key: hash for a worker or a hive, none otherwise.',
  since: '1.0.0',
  group: 'generic',
  complexity: 'O(1)',
  arity: 2,
  flags: ['readonly', 'fast'],
  aclCategories: ['keyspace', 'read', 'fast'],
  arguments: [{ name: 'key', type: 'key' }],
  replyShape: shape.simple(),
  reply: 'Simple string: `hash` or `none`.',
  handler(client, argv) {
    return new SimpleString(lookupKey(client.server.registry, argv[1]!) === undefined ? 'none' : 'hash');
  },
});

function ttlCommand(name: string, unit: string): CommandSpec {
  return defineCommand({
    name,
    summary: `Returns the time to live of a key in ${unit}: registry keys have none.`,
    since: name === 'TTL' ? '1.0.0' : '2.6.0',
    group: 'generic',
    complexity: 'O(1)',
    arity: 2,
    flags: ['readonly', 'fast'],
    aclCategories: ['keyspace', 'read', 'fast'],
    arguments: [{ name: 'key', type: 'key' }],
    replyShape: shape.integer(-1, -2),
    reply: 'Integer: -1 for a worker or hive (they leave by liveness, not by a TTL), -2 when the key does not exist.',
    handler(client, argv) {
      return lookupKey(client.server.registry, argv[1]!) === undefined ? -2 : -1;
    },
  });
}

export const TTL = ttlCommand('TTL', 'seconds');
export const PTTL = ttlCommand('PTTL', 'milliseconds');

export const GET = defineCommand({
  name: 'GET',
  summary: 'Reads a string key: the registry has none, so nil, or WRONGTYPE for a worker or hive hash.',
  since: '1.0.0',
  group: 'string',
  complexity: 'O(1)',
  arity: 2,
  flags: ['readonly', 'fast'],
  aclCategories: ['string', 'read', 'fast'],
  arguments: [{ name: 'key', type: 'key' }],
  replyShape: shape.nil,
  reply: 'Nil.',
  errors: ['`WRONGTYPE Operation against a key holding the wrong kind of value` for `worker:…` and `hive:…` keys'],
  handler(client, argv) {
    return lookupKey(client.server.registry, argv[1]!) === undefined ? null : WRONGTYPE;
  },
});

export { WRONGTYPE };
