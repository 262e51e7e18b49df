// WORKER.DEL: a clean deregister.

import { ONE, ZERO } from '../../resp/reply.js';
import { workerKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'WORKER.DEL',
  summary: 'Removes a worker (a clean deregister); a hive left without workers is removed too.',
  since: '0.1.0',
  group: 'registry',
  complexity: "O(1) (O(W) when it held its hive's newest heartbeat, W the workers left there)",
  arity: 2,
  flags: ['write', 'fast'],
  aclCategories: ['registry', 'keyspace', 'write', 'fast', 'dangerous'],
  keySpecs: [workerKey(1, ['RW', 'DELETE'])],
  arguments: [{ name: 'worker_id', type: 'string' }],
  replyShape: shape.integer(0, 1),
  reply: 'Integer: `1` if the worker existed and was removed, `0` if it was unknown.',
  handler(client, argv) {
    return client.server.registry.removeWorker(argv[1]!) ? ONE : ZERO;
  },
});
