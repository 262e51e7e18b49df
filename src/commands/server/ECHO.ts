// ECHO: returns its argument, byte for byte.

import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'ECHO',
  summary: 'Returns the given string.',
  since: '1.0.0',
  group: 'connection',
  complexity: 'O(1)',
  bytesFrom: 1,
  arity: 2,
  flags: ['fast', 'stale', 'loading'],
  aclCategories: ['fast', 'connection'],
  arguments: [{ name: 'message', type: 'string' }],
  replyShape: shape.bulk,
  reply: 'Bulk string: the message.',
  handler(_client, _argv, raw) {
    return raw[1]!;
  },
});
