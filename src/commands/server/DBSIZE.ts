// DBSIZE: the registry's keys are its workers and hives (worker:<id>, hive:<id>), as SCAN walks them.

import { defineCommand } from '../spec.js';
import { keyCount } from '../keyspace/keys.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'DBSIZE',
  summary: 'Returns the number of keys: workers plus hives.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(1)',
  arity: 1,
  flags: ['readonly', 'fast'],
  aclCategories: ['keyspace', 'read', 'fast'],
  replyShape: shape.integer(),
  reply: 'Integer: WORKER.COUNT + HIVE.COUNT, the number of keys SCAN returns (`worker:<worker_id>`, `hive:<hive_id>`).',
  handler(client) {
    return keyCount(client.server.registry);
  },
});
