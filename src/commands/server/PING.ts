// PING: liveness of the connection.

import { PONG } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { wrongArity } from '../errors.js';

export default defineCommand({
  name: 'PING',
  summary: 'Returns the server\'s liveness response.',
  since: '1.0.0',
  group: 'connection',
  complexity: 'O(1)',
  arity: -1,
  flags: ['fast', 'stale', 'loading'],
  aclCategories: ['fast', 'connection'],
  arguments: [{ name: 'message', type: 'string', optional: true }],
  reply: 'Simple string `PONG`, or the message as a bulk string when one is given.',
  handler(_client, argv, raw) {
    if (argv.length > 2) return wrongArity('ping');
    return argv.length === 1 ? PONG : raw[1]!;
  },
});
