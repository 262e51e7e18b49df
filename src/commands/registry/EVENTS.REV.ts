// EVENTS.REV: where the event feed stands, to resume after a full read.

import { MapReply } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'EVENTS.REV',
  summary: "Returns the event log's current revision, its oldest kept revision and its size.",
  since: '0.2.0',
  group: 'registry',
  complexity: 'O(1)',
  arity: 1,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  replyShape: shape.map({ rev: shape.integer(), oldest_rev: shape.integer(), length: shape.integer(), capacity: shape.integer() }),
  reply: 'Map (RESP2: flat array): `rev` (the newest revision, 0 before any event), `oldest_rev` (the oldest kept), `length`, `capacity`.',
  notes: 'Run it in the same MULTI as a full read (WORKER.LIST, HIVE.LIST) and then EVENTS.READ SINCE that `rev`.',
  handler(client) {
    const registry = client.server.registry;
    registry.sync();
    const log = registry.events;
    return new MapReply([
      ['rev', log.lastRev],
      ['oldest_rev', log.oldestRev],
      ['length', log.length],
      ['capacity', log.capacity],
    ]);
  },
});
