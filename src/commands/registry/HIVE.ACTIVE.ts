// HIVE.ACTIVE: the hives with a recent heartbeat (list_active_hives).

import { defineCommand } from '../spec.js';
import { HiveIdsReplies } from './hive-ids.js';

const replies = new HiveIdsReplies();
import { syntaxError } from '../errors.js';
import { MAX_AGE_ARG, parseMaxAge } from './max-age.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'HIVE.ACTIVE',
  summary: 'Lists the ids of the hives that have a worker heartbeat younger than max_age_ms.',
  since: '0.1.0',
  group: 'registry',
  complexity:
    'O(A log A), A the active hives: hives are kept in heartbeat order, so stale ones are never visited, and sorted ' +
    'by integer rank (O(H) when A ≥ H/16, H all hives; the id order is rebuilt only after hives are added or removed)',
  arity: -1,
  flags: ['readonly'],
  aclCategories: ['registry', 'read'],
  arguments: [MAX_AGE_ARG],
  replyShape: shape.array(shape.bulk),
  reply: 'Array of hive ids, sorted.',
  errors: ["`ERR invalid max_age_ms 'x': expected a non-negative integer`"],
  seed: ['list_active_hives'],
  handler(client, argv) {
    if (argv.length > 2) throw syntaxError();
    return replies.reply(client.server.registry.activeHives(parseMaxAge(argv[1])));
  },
});
