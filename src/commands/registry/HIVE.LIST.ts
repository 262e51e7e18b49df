// HIVE.LIST: every known hive (list_all_hives).

import { defineCommand } from '../spec.js';
import { parseTokens } from '../options.js';
import { PAGING_ARGS, PAGING_ERRORS, pageReply, pagingNotes, parsePaging, tooManyRecords } from './paging.js';
import { shape } from '../reply-shape.js';
import { idListReply } from './id-list.js';

export default defineCommand({
  name: 'HIVE.LIST',
  summary: 'Lists the ids of all known hives, online or not.',
  since: '0.1.0',
  group: 'registry',
  complexity:
    'O(H), H the hives (kept in id order), O(1) while no hive came or went (the last list and its bytes are kept); with CURSOR, O(COUNT)',
  arity: -1,
  flags: ['readonly'],
  aclCategories: ['registry', 'read', 'slow'],
  arguments: PAGING_ARGS,
  replyShape: shape.oneOf(shape.array(shape.bulk), shape.tuple(shape.bulk, shape.array(shape.bulk))),
  reply: 'Array of hive ids, sorted. With CURSOR: an array of the next cursor and a page of hive ids.',
  errors: ["`ERR syntax error, unknown option 'x'`", ...PAGING_ERRORS],
  notes: pagingNotes('hives'),
  seed: ['list_all_hives'],
  handler(client, argv) {
    const registry = client.server.registry;
    const page = parsePaging(client, parseTokens(argv, 1, PAGING_ARGS));
    if (page !== null) {
      const { cursor, items } = registry.scanHives(page.cursor, page.count);
      return pageReply(
        cursor,
        items.map((h) => h.hiveId),
      );
    }
    if (registry.hiveCount() > client.server.settings.get('reply-max-records')) throw tooManyRecords(client, 'HIVE.LIST', 'hives');
    return idListReply(registry.listHiveIds());
  },
});
