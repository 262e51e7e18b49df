// TIME: the server's wall clock.

import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'TIME',
  summary: 'Returns the server time.',
  since: '2.6.0',
  group: 'server',
  complexity: 'O(1)',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  aclCategories: ['fast'],
  replyShape: shape.tuple(shape.bulk, shape.bulk),
  reply: 'Array of two bulk strings: Unix seconds and the microseconds within that second.',
  handler(client) {
    const us = client.server.wallClockMicros();
    return [(us / 1_000_000n).toString(), (us % 1_000_000n).toString()];
  },
});
