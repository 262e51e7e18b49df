// PING: liveness of the connection.

import { PONG } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { isSubscribed } from '../context.js';
import { wrongArity } from '../errors.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'PING',
  summary: "Returns the server's liveness response.",
  since: '1.0.0',
  group: 'connection',
  complexity: 'O(1)',
  bytesFrom: 1,
  arity: -1,
  allowedInSubscribe: true,
  flags: ['fast', 'stale', 'loading'],
  aclCategories: ['fast', 'connection'],
  arguments: [{ name: 'message', type: 'string', optional: true }],
  replyShape: shape.oneOf(shape.simple('PONG'), shape.bulk, shape.tuple(shape.bulk, shape.bulk)),
  reply:
    'Simple string `PONG`, or the message as a bulk string when one is given. A RESP2 client in subscribe mode gets an array: `pong` and the message (empty when none).',
  handler(client, argv, raw) {
    if (argv.length > 2) return wrongArity('ping');
    // A RESP2 client in subscribe mode gets PING's answer in the shape of a message, as in Redis.
    if (client.proto === 2 && isSubscribed(client)) return ['pong', argv.length === 1 ? '' : raw[1]!];
    return argv.length === 1 ? PONG : raw[1]!;
  },
});
