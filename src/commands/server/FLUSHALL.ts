// FLUSHALL / FLUSHDB: forget every hive and worker (test rigs and staging fleets reset this way). Each removal
// is published like HIVE.DEL, so watchers see it.

import { asciiUpper } from '../../settings/values.js';
import { OK } from '../../resp/reply.js';
import type { ClientState } from '../context.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { syntaxError } from '../errors.js';

function flush(client: ClientState, argv: string[]) {
  if (argv.length > 2 || (argv.length === 2 && !['ASYNC', 'SYNC'].includes(asciiUpper(argv[1]!)))) throw syntaxError();
  const registry = client.server.registry;
  for (const hive of registry.listHives()) registry.removeHive(hive.hiveId);
  return OK;
}

function flushCommand(name: string, summary: string): CommandSpec {
  return defineCommand({
    name,
    summary,
    since: '1.0.0',
    group: 'server',
    complexity: 'O(N) where N is the number of workers',
    arity: -1,
    flags: ['write'],
    aclCategories: ['keyspace', 'write', 'slow', 'dangerous'],
    arguments: [
      {
        name: 'flush-type',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'async', type: 'pure-token', token: 'ASYNC' },
          { name: 'sync', type: 'pure-token', token: 'SYNC' },
        ],
      },
    ],
    reply: 'Simple string `OK`. ASYNC and SYNC are accepted and mean the same: the registry is emptied before the reply.',
    notes: 'Every worker gets a `worker.removed` event and every hive a `hive.removed` event, as with HIVE.DEL.',
    handler: flush,
  });
}

export const FLUSHALL = flushCommand('FLUSHALL', 'Removes every hive and worker.');
export const FLUSHDB = flushCommand('FLUSHDB', 'Removes every hive and worker (there is one database).');
