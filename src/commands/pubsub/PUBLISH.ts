// PUBLISH: clients' own channels. The `registry:` prefix is reserved for the registry's events.

import { defineCommand } from '../spec.js';
import { CommandError } from '../errors.js';
import { shape } from '../reply-shape.js';

export const RESERVED_PREFIX = 'registry:';

export default defineCommand({
  name: 'PUBLISH',
  summary: 'Posts a message to a channel.',
  since: '2.0.0',
  group: 'pubsub',
  complexity: 'O(N+M) where N is the number of clients subscribed to the channel and M the number of patterns',
  bytesFrom: 2,
  arity: 3,
  flags: ['pubsub', 'loading', 'stale', 'fast'],
  aclCategories: ['pubsub', 'fast'],
  channels: { index: 1, multiple: false, pattern: false },
  arguments: [
    { name: 'channel', type: 'string' },
    { name: 'message', type: 'string' },
  ],
  replyShape: shape.integer(),
  reply: 'Integer: the number of clients that received the message.',
  errors: ["`ERR channels starting with 'registry:' are reserved for registry events`"],
  handler(client, argv, raw) {
    if (argv[1]!.startsWith(RESERVED_PREFIX))
      throw new CommandError(`ERR channels starting with '${RESERVED_PREFIX}' are reserved for registry events`);
    return client.server.pubsub.publish(argv[1]!, raw[2]!);
  },
});
