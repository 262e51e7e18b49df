// MONITOR and ROLE: the debugging stream of every command run, and the replication role (always a master).

import { OK } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export const MONITOR = defineCommand({
  name: 'MONITOR',
  summary: 'Streams every command the server runs, as Redis does.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(1)',
  arity: 1,
  flags: ['admin', 'noscript', 'loading', 'stale'],
  aclCategories: ['admin', 'slow', 'dangerous'],
  replyShape: shape.simple('OK'),
  reply:
    'Simple string `OK`, then a simple string per command run by any client: `<seconds>.<micros> [0 <addr>] "arg" …`, ' +
    'arguments quoted as Redis does (\\" \\\\ \\n, other bytes \\xHH); AUTH and HELLO AUTH passwords show as "(redacted)". ' +
    'Admin commands (CONFIG, CLIENT KILL, SAVE …) are not shown, as in Redis.',
  notes: 'Every command costs a formatted line per monitor: meant for debugging, not for a loaded fleet.',
  handler(client) {
    const monitors = client.server.ops.monitors;
    if (!monitors.has(client)) {
      monitors.add(client);
      client.onClose(() => monitors.delete(client));
    }
    return OK;
  },
});

export const ROLE = defineCommand({
  name: 'ROLE',
  summary: 'Returns the replication role: always master, with no replicas.',
  since: '2.8.12',
  group: 'server',
  complexity: 'O(1)',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast'],
  aclCategories: ['admin', 'fast', 'dangerous'],
  replyShape: shape.tuple(shape.bulk, shape.integer(), shape.array(shape.any)),
  reply: 'Array: `master`, replication offset 0, an empty array of replicas.',
  handler: () => ['master', 0, []],
});
