// WORKER.URL: where to send a worker inference requests (get_worker_url).

import { workerKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'WORKER.URL',
  summary: "Returns a worker's URL.",
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(1)',
  arity: 2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  keySpecs: [workerKey(1, ['RO', 'ACCESS'])],
  arguments: [{ name: 'worker_id', type: 'string' }],
  replyShape: shape.optional(shape.bulk),
  reply: 'Bulk string; nil if the worker is unknown or never sent a URL.',
  seed: ['get_worker_url'],
  handler(client, argv) {
    return client.server.registry.getWorker(argv[1]!)?.url ?? null;
  },
});
