// HIVE.ONLINE: is a hive alive (is_hive_online).

import { hiveKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { syntaxError } from '../errors.js';
import { MAX_AGE_ARG, parseMaxAge } from './max-age.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'HIVE.ONLINE',
  summary: 'Tells whether a hive has a worker heartbeat younger than max_age_ms.',
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(1)',
  arity: -2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  keySpecs: [hiveKey(1, ['RO', 'ACCESS'])],
  arguments: [{ name: 'hive_id', type: 'string' }, MAX_AGE_ARG],
  replyShape: shape.integer(0, 1),
  reply: 'Integer: `1` online, `0` offline or unknown.',
  errors: ["`ERR invalid max_age_ms 'x': expected a non-negative integer`"],
  seed: ['is_hive_online'],
  handler(client, argv) {
    if (argv.length > 3) throw syntaxError();
    return client.server.registry.isHiveOnline(argv[1]!, parseMaxAge(argv[2])) ? 1 : 0;
  },
});
