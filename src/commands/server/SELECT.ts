// SELECT: the registry has one database, 0; clients that select it (ioredis `db: 0`) keep working.

import { OK } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { CommandError, parseInteger } from '../errors.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'SELECT',
  summary: 'Selects the database; only database 0 exists.',
  since: '1.0.0',
  group: 'connection',
  complexity: 'O(1)',
  arity: 2,
  flags: ['loading', 'stale', 'fast'],
  aclCategories: ['fast', 'connection'],
  arguments: [{ name: 'index', type: 'integer' }],
  replyShape: shape.simple('OK'),
  reply: 'Simple string `OK`.',
  errors: ['`ERR value is not an integer or out of range`', '`ERR DB index is out of range` for anything but 0'],
  handler(_client, argv) {
    if (parseInteger(argv[1]!) !== 0) throw new CommandError('ERR DB index is out of range');
    return OK;
  },
});
