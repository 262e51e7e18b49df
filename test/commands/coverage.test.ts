// Every command spec declares its reply shape, and every command has its in-process test file here: one per
// command (`WORKER.BEST.test.ts`), or a file named for a family whose commands are tested together (GROUPED).

import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { ALL_COMMANDS } from '../../src/commands/index.js';
import { REFUSED_WRITES } from '../../src/commands/keyspace/writes.js';
import type { CommandSpec } from '../../src/commands/spec.js';

/** Commands tested together in one file (named here without `.test.ts`), and why they share it. */
const GROUPED: Record<string, string> = {
  // Transactions: each is only meaningful with the others.
  EXEC: 'MULTI',
  DISCARD: 'MULTI',
  WATCH: 'MULTI',
  UNWATCH: 'MULTI',
  // The connection's small commands.
  ECHO: 'connection',
  PING: 'connection',
  TIME: 'connection',
  QUIT: 'connection',
  SELECT: 'connection',
  AUTH: 'HELLO',
  RESET: 'HELLO',
  // Saves.
  BGSAVE: 'SAVE',
  LASTSAVE: 'SAVE',
  FLUSHDB: 'FLUSHALL',
  // Pub/sub.
  SUBSCRIBE: 'pubsub',
  UNSUBSCRIBE: 'pubsub',
  PSUBSCRIBE: 'pubsub',
  PUNSUBSCRIBE: 'pubsub',
  PUBLISH: 'pubsub',
  PUBSUB: 'pubsub',
  // The keyspace views of workers and hives, read as Redis keys.
  SCAN: 'keyspace',
  KEYS: 'keyspace',
  EXISTS: 'keyspace',
  TYPE: 'keyspace',
  TTL: 'keyspace',
  PTTL: 'keyspace',
  GET: 'keyspace',
  DBSIZE: 'keyspace',
  HGETALL: 'hash',
  HGET: 'hash',
  HMGET: 'hash',
  HLEN: 'hash',
  HKEYS: 'hash',
  HVALS: 'hash',
  HEXISTS: 'hash',
  HSTRLEN: 'hash',
  HSCAN: 'hash',
  MEMORY: 'OBJECT',
  ROLE: 'MONITOR',
};

/** The write commands Redis has and the registry refuses (keyspace/writes.ts): one file for all of them. */
const REFUSED_WRITES_FILE = 'writes';

function leaves(spec: CommandSpec, prefix = ''): Array<[string, CommandSpec]> {
  const name = prefix + spec.name;
  const out: Array<[string, CommandSpec]> = spec.handler === undefined ? [] : [[name, spec]];
  for (const sub of spec.subcommands ?? []) out.push(...leaves(sub, name + ' '));
  return out;
}

describe('command coverage', () => {
  it('every command and subcommand spec with a handler declares a replyShape', () => {
    const missing = ALL_COMMANDS.flatMap((c) => leaves(c))
      .filter(([, s]) => s.replyShape === undefined)
      .map(([n]) => n);
    expect(missing, 'specs without replyShape').to.deep.equal([]);
  });

  it('every command has a test file in test/commands (its own, or its family file in GROUPED)', () => {
    const missing: string[] = [];
    for (const c of ALL_COMMANDS) {
      const refused = REFUSED_WRITES.includes(c);
      const file = refused ? REFUSED_WRITES_FILE : (GROUPED[c.name] ?? c.name);
      if (!existsSync(new URL(`./${file}.test.js`, import.meta.url))) missing.push(`${c.name} (${file}.test.ts)`);
    }
    expect(missing, 'commands without a test file').to.deep.equal([]);
  });

  it('a grouping entry names a command that exists (no stale entries)', () => {
    const names = new Set(ALL_COMMANDS.map((c) => c.name));
    expect(Object.keys(GROUPED).filter((n) => !names.has(n))).to.deep.equal([]);
  });
});
