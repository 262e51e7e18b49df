// FLUSHALL / FLUSHDB: forget every hive and worker (test rigs and staging fleets reset this way) in O(1): the
// registry swaps its parts and the collector frees the old records in the background.

import { asciiUpper } from '../../settings/values.js';
import { OK } from '../../resp/reply.js';
import type { ClientState } from '../context.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { syntaxError } from '../errors.js';
import { shape } from '../reply-shape.js';

function flush(client: ClientState, argv: string[]) {
  if (argv.length > 2 || (argv.length === 2 && !['ASYNC', 'SYNC'].includes(asciiUpper(argv[1]!)))) throw syntaxError();
  client.server.registry.flush();
  return OK;
}

function flushCommand(name: string, summary: string): CommandSpec {
  return defineCommand({
    name,
    summary,
    since: '1.0.0',
    group: 'server',
    complexity: 'O(1): the old records are freed in the background by the garbage collector',
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
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`. ASYNC and SYNC are accepted and mean the same: the registry is emptied before the reply.',
    notes:
      'One `registry.flushed` event (`workers` and `hives`: how many were removed) stands for all the removals, on ' +
      'the channel `registry:registry.flushed` and in the event log; a watcher treats it as the removal of everything ' +
      'it knew (at a million workers, one event per removal would be a million events). The guard mode set by ' +
      'REGISTRY.GUARD and the event revision carry on.',
    handler: flush,
  });
}

export const FLUSHALL = flushCommand('FLUSHALL', 'Removes every hive and worker.');
export const FLUSHDB = flushCommand('FLUSHDB', 'Removes every hive and worker (there is one database).');
