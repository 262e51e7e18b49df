// HIVE.LIST: every known hive (list_all_hives).

import { defineCommand } from '../spec.js';
import { HiveIdsReplies } from './hive-ids.js';

const replies = new HiveIdsReplies();

export default defineCommand({
  name: 'HIVE.LIST',
  summary: 'Lists the ids of all known hives, online or not.',
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(H log H), H the hives',
  arity: 1,
  flags: ['readonly'],
  aclCategories: ['registry', 'read', 'slow'],
  reply: 'Array of hive ids, sorted.',
  seed: ['list_all_hives'],
  handler(client) {
    return replies.reply(client.server.registry.listHives());
  },
});
