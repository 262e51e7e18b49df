// WORKER.COUNT: how many workers are known (total_worker_count).

import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'WORKER.COUNT',
  summary: 'Returns the number of known workers, online or not.',
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(1)',
  arity: 1,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  replyShape: shape.integer(),
  reply: 'Integer.',
  seed: ['total_worker_count'],
  handler(client) {
    return client.server.registry.workerCount();
  },
});
