// HIVE.ACTIVE: the hives with a recent heartbeat (list_active_hives).

import { defineCommand } from '../spec.js';
import { syntaxError } from '../errors.js';
import { MAX_AGE_ARG, parseMaxAge } from './max-age.js';
import { shape } from '../reply-shape.js';
import { idListReply } from './id-list.js';

export default defineCommand({
  name: 'HIVE.ACTIVE',
  summary: 'Lists the ids of the hives that have a worker heartbeat younger than max_age_ms.',
  since: '0.1.0',
  group: 'registry',
  complexity:
    'O(1) while the answer is unchanged: the last list and its bytes are kept (for the default window until a hive comes ' +
    'online or goes offline; for another max_age_ms until a hive comes, goes or ages out of it, or a hive outside it ' +
    'sends a heartbeat). Otherwise, for the default window, O(A), A the online hives (kept in id order as they come ' +
    'online and go offline); for another max_age_ms, O(A log A) for the A hives within it (hives are kept in ' +
    'heartbeat order, so stale ones are never visited, and sorted by integer rank, O(H) when A ≥ H/16, H all hives). ' +
    'A long reply is encoded and written in slices as the client reads it.',
  arity: -1,
  flags: ['readonly'],
  aclCategories: ['registry', 'read'],
  arguments: [MAX_AGE_ARG],
  replyShape: shape.array(shape.bulk),
  reply: 'Array of hive ids, sorted.',
  errors: ["`ERR invalid max_age_ms 'x': expected a non-negative integer`"],
  notes:
    'The list is taken at one instant, as the command runs, so it is exactly the hives active then; only writing ' +
    'it out is done in slices, between which other clients are served and the socket drains (as for every long reply), ' +
    'so later heartbeats do not change a reply already taken.',
  seed: ['list_active_hives'],
  handler(client, argv) {
    if (argv.length > 2) throw syntaxError();
    return idListReply(client.server.registry.activeHiveIds(parseMaxAge(argv[1])));
  },
});
