// HIVE.WORKERS: the workers on one hive (get_workers_on_hive, get_worker_count).

import { hiveKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { WORKER_SHAPE, workerReply } from '../records.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'HIVE.WORKERS',
  summary: 'Returns the records of the workers on a hive.',
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(W log W), W the workers on the hive',
  arity: 2,
  flags: ['readonly'],
  aclCategories: ['registry', 'read'],
  keySpecs: [hiveKey(1, ['RO', 'ACCESS'])],
  arguments: [{ name: 'hive_id', type: 'string' }],
  replyShape: shape.array(WORKER_SHAPE),
  reply: 'Array of worker records (see WORKER.GET), sorted by worker id; empty if the hive is unknown. Its length is the worker count.',
  seed: ['get_workers_on_hive', 'get_worker_count'],
  handler(client, argv) {
    const registry = client.server.registry;
    return registry.workersOnHive(argv[1]!).map((w) => workerReply(registry, w));
  },
});
