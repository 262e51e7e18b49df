// SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE. Registry events arrive on `registry:<type>`
// (`PSUBSCRIBE registry:*` gets them all). RESP3 clients get push messages and may keep running commands;
// RESP2 clients enter subscribe mode, as in Redis.

import { checkGlobPattern } from '../glob.js';
import { PushReply, ReplySequence, type Reply } from '../../resp/reply.js';
import type { ClientState } from '../context.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { shape } from '../reply-shape.js';

const count = (c: ClientState) => c.subscriptions.size + c.patterns.size;

function subscribeFamily(name: string, summary: string, kind: 'channel' | 'pattern', action: 'subscribe' | 'unsubscribe'): CommandSpec {
  const word = `${kind === 'pattern' ? 'p' : ''}${action}`;
  const unsubscribe = action === 'unsubscribe';
  return defineCommand({
    name,
    summary,
    since: kind === 'pattern' ? '2.0.0' : '2.0.0',
    group: 'pubsub',
    complexity: 'O(N) where N is the number of channels or patterns given',
    arity: unsubscribe ? -1 : -2,
    flags: ['pubsub', 'noscript', 'loading', 'stale'],
    aclCategories: ['pubsub', 'slow'],
    arguments: [{ name: kind, type: kind === 'pattern' ? 'pattern' : 'string', optional: unsubscribe, multiple: true }],
    replyShape: shape.sequence(shape.push(shape.bulk, shape.optional(shape.bulk), shape.integer())),
    reply:
      `One push per ${kind} (an array in RESP2): \`${word}\`, the ${kind}, and the number of channels and patterns the ` +
      `connection is now subscribed to.${unsubscribe ? ` Without arguments: every ${kind} the connection has; with none, one reply with a nil ${kind} and 0.` : ''}`,
    notes:
      kind === 'pattern' && !unsubscribe
        ? 'Registry events are published on `registry:<type>`: `PSUBSCRIBE registry:*` receives them all. Messages arrive as `pmessage`, pattern, channel, event JSON.'
        : undefined,
    allowedInSubscribe: true,
    channels: unsubscribe ? undefined : { index: 1, multiple: true, pattern: kind === 'pattern' },
    handler(client, argv) {
      const hub = client.server.pubsub;
      const set = kind === 'pattern' ? client.patterns : client.subscriptions;
      let targets = argv.slice(1);
      if (unsubscribe && targets.length === 0) {
        targets = [...set];
        if (targets.length === 0) return new PushReply([word, null, count(client)]);
      }
      // A pattern is matched on every PUBLISH: refuse one too long before subscribing to any.
      if (kind === 'pattern' && !unsubscribe) for (const t of targets) checkGlobPattern(t);
      const replies: Reply[] = [];
      for (const t of targets) {
        if (kind === 'channel') {
          if (unsubscribe) hub.unsubscribe(client, t);
          else hub.subscribe(client, t);
        } else if (unsubscribe) hub.punsubscribe(client, t);
        else hub.psubscribe(client, t);
        replies.push(new PushReply([word, t, count(client)]));
      }
      return new ReplySequence(replies);
    },
  });
}

export const SUBSCRIBE = subscribeFamily('SUBSCRIBE', 'Listens for messages published to channels.', 'channel', 'subscribe');
export const UNSUBSCRIBE = subscribeFamily('UNSUBSCRIBE', 'Stops listening to messages posted to channels.', 'channel', 'unsubscribe');
export const PSUBSCRIBE = subscribeFamily(
  'PSUBSCRIBE',
  'Listens for messages published to channels that match one or more glob patterns.',
  'pattern',
  'subscribe',
);
export const PUNSUBSCRIBE = subscribeFamily(
  'PUNSUBSCRIBE',
  'Stops listening to messages published to channels that match glob patterns.',
  'pattern',
  'unsubscribe',
);
