// Redis write commands refused: the keys are views of the registry, which changes only through its own
// commands. Each refusal names the command to use instead, so someone trying `DEL worker:x` learns WORKER.DEL.

import { CommandError } from '../errors.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { HIVE_PREFIX, WORKER_PREFIX } from './keys.js';
import { shape } from '../reply-shape.js';

type WriteKind = 'delete' | 'expire' | 'change';

// [name, arity, group, kind, since]; the first key is argv[1] for every one of them.
const WRITES: Array<[string, number, string, WriteKind, string]> = [
  ['DEL', -2, 'generic', 'delete', '1.0.0'],
  ['UNLINK', -2, 'generic', 'delete', '4.0.0'],
  ['GETDEL', 2, 'string', 'delete', '6.2.0'],
  ['EXPIRE', -3, 'generic', 'expire', '1.0.0'],
  ['PEXPIRE', -3, 'generic', 'expire', '2.6.0'],
  ['EXPIREAT', -3, 'generic', 'expire', '1.2.0'],
  ['PEXPIREAT', -3, 'generic', 'expire', '2.6.0'],
  ['PERSIST', 2, 'generic', 'expire', '2.2.0'],
  ['GETEX', -2, 'string', 'expire', '6.2.0'],
  ['HSET', -4, 'hash', 'change', '2.0.0'],
  ['HSETNX', 4, 'hash', 'change', '2.0.0'],
  ['HMSET', -4, 'hash', 'change', '2.0.0'],
  ['HDEL', -3, 'hash', 'change', '2.0.0'],
  ['HINCRBY', 4, 'hash', 'change', '2.0.0'],
  ['HINCRBYFLOAT', 4, 'hash', 'change', '2.6.0'],
  ['SET', -3, 'string', 'change', '1.0.0'],
  ['SETNX', 3, 'string', 'change', '1.0.0'],
  ['SETEX', 4, 'string', 'change', '2.0.0'],
  ['PSETEX', 4, 'string', 'change', '2.6.0'],
  ['MSET', -3, 'string', 'change', '1.0.1'],
  ['MSETNX', -3, 'string', 'change', '1.0.1'],
  ['GETSET', 3, 'string', 'change', '1.0.0'],
  ['APPEND', 3, 'string', 'change', '2.0.0'],
  ['SETRANGE', 4, 'string', 'change', '2.2.0'],
  ['INCR', 2, 'string', 'change', '1.0.0'],
  ['INCRBY', 3, 'string', 'change', '1.0.0'],
  ['INCRBYFLOAT', 3, 'string', 'change', '2.6.0'],
  ['DECR', 2, 'string', 'change', '1.0.0'],
  ['DECRBY', 3, 'string', 'change', '1.0.0'],
  ['RENAME', 3, 'generic', 'change', '1.0.0'],
  ['RENAMENX', 3, 'generic', 'change', '1.0.0'],
  ['COPY', -3, 'generic', 'change', '6.2.0'],
  ['MOVE', 3, 'generic', 'change', '1.0.0'],
  ['LPUSH', -3, 'list', 'change', '1.0.0'],
  ['RPUSH', -3, 'list', 'change', '1.0.0'],
  ['SADD', -3, 'set', 'change', '1.0.0'],
  ['ZADD', -4, 'sorted-set', 'change', '1.2.0'],
  ['XADD', -5, 'stream', 'change', '5.0.0'],
];

const clip = (s: string) => s.slice(0, 128);

/** The refusal for `command` on `key`: names the registry command that does what was meant. */
export function refusal(command: string, kind: WriteKind, key: string): string {
  if (key.startsWith(WORKER_PREFIX)) {
    const id = clip(key.slice(WORKER_PREFIX.length));
    const view = `ERR ${command} refused: '${clip(key)}' is a read-only view of worker '${id}'`;
    if (kind === 'delete') return `${view}; remove it with WORKER.DEL ${id}`;
    if (kind === 'expire') return `${view}; workers expire by liveness (offline-after, evict-after); remove it now with WORKER.DEL ${id}`;
    return `${view}; the worker reports its state with HBEAT ${id} <hive_id> [STATE ...] [MODEL ...] ...`;
  }
  if (key.startsWith(HIVE_PREFIX)) {
    const id = clip(key.slice(HIVE_PREFIX.length));
    const view = `ERR ${command} refused: '${clip(key)}' is a read-only view of hive '${id}'`;
    if (kind === 'change') return `${view}; a hive changes through its workers' HBEAT; remove it with HIVE.DEL ${id}`;
    return `${view}; remove it with HIVE.DEL ${id}`;
  }
  return (
    `ERR ${command} refused: the registry stores no keys of its own; worker:<worker_id> and hive:<hive_id> are read-only ` +
    'views; use HBEAT to register or update a worker, WORKER.DEL or HIVE.DEL to remove one'
  );
}

function refusedWrite([name, arity, group, kind, since]: (typeof WRITES)[number]): CommandSpec {
  const what = kind === 'delete' ? 'WORKER.DEL or HIVE.DEL' : kind === 'expire' ? 'liveness settings or WORKER.DEL' : 'HBEAT';
  return defineCommand({
    name,
    summary: `Refused: registry keys are read-only views (use ${what}).`,
    since,
    group,
    complexity: 'O(1)',
    arity,
    flags: ['write'],
    aclCategories: [group === 'sorted-set' ? 'sortedset' : group === 'generic' ? 'keyspace' : group, 'write', 'slow'],
    arguments: [
      { name: 'key', type: 'key' },
      { name: 'arg', type: 'string', optional: true, multiple: true },
    ],
    replyShape: shape.error,
    reply: 'Always an error naming the registry command to use.',
    errors: [
      kind === 'delete'
        ? "`ERR … read-only view of worker 'x'; remove it with WORKER.DEL x` (HIVE.DEL for `hive:…`)"
        : kind === 'expire'
          ? '`ERR … workers expire by liveness (offline-after, evict-after); remove it now with WORKER.DEL x`'
          : '`ERR … the worker reports its state with HBEAT x <hive_id> …`',
    ],
    handler(_client, argv) {
      throw new CommandError(refusal(name, kind, argv[1]!));
    },
  });
}

export const REFUSED_WRITES: CommandSpec[] = WRITES.map(refusedWrite);
