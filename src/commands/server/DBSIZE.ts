// DBSIZE: the registry's "keys" are its workers.

import { defineCommand } from '../spec.js';

export default defineCommand({
  name: 'DBSIZE',
  summary: 'Returns the number of workers in the registry.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(1)',
  arity: 1,
  flags: ['readonly', 'fast'],
  aclCategories: ['keyspace', 'read', 'fast'],
  reply: 'Integer: the number of known workers (the same as WORKER.COUNT).',
  handler(client) {
    return client.server.registry.workerCount();
  },
});
