// HIVE.DEL: forget a hive and all its workers (remove_hive).

import { ONE, ZERO } from '../../resp/reply.js';
import { hiveKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'HIVE.DEL',
  summary: 'Removes a hive and every worker on it.',
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(W), W the workers on the hive',
  arity: 2,
  flags: ['write'],
  aclCategories: ['registry', 'keyspace', 'write', 'slow', 'dangerous'],
  keySpecs: [hiveKey(1, ['RW', 'DELETE'])],
  arguments: [{ name: 'hive_id', type: 'string' }],
  replyShape: shape.integer(0, 1),
  reply: 'Integer: `1` if the hive existed and was removed, `0` if it was unknown.',
  notes: 'A removed worker that heartbeats again is registered anew (HBEAT replies 1).',
  seed: ['remove_hive'],
  handler(client, argv) {
    return client.server.registry.removeHive(argv[1]!) ? ONE : ZERO;
  },
});
