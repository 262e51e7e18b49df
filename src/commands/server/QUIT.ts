// QUIT: close the connection after the reply.

import { OK } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'QUIT',
  summary: 'Closes the connection.',
  since: '1.0.0',
  group: 'connection',
  complexity: 'O(1)',
  arity: -1,
  flags: ['no-auth', 'fast', 'stale', 'loading', 'noscript', 'allow-busy'],
  aclCategories: ['fast', 'connection'],
  replyShape: shape.simple('OK'),
  reply: 'Simple string `OK`; then the server closes the connection.',
  runsInMulti: true,
  allowedInSubscribe: true,
  handler(client) {
    client.closeAfterReply();
    return OK;
  },
});
