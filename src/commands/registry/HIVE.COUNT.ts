// HIVE.COUNT: how many hives are known (hive_count).

import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'HIVE.COUNT',
  summary: 'Returns the number of known hives, online or not.',
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(1)',
  arity: 1,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  replyShape: shape.integer(),
  reply: 'Integer.',
  seed: ['hive_count'],
  handler(client) {
    return client.server.registry.hiveCount();
  },
});
