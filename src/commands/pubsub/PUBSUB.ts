// PUBSUB CHANNELS / NUMSUB / NUMPAT: introspection of the pub/sub state.

import { checkGlobPattern } from '../glob.js';
import type { Reply } from '../../resp/reply.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { syntaxError } from '../errors.js';
import { helpSubcommand } from '../server/help.js';
import { shape } from '../reply-shape.js';

const base = { since: '2.8.0', group: 'pubsub', flags: ['pubsub', 'loading', 'stale'], aclCategories: ['pubsub', 'slow'] };

const subcommands: CommandSpec[] = [
  {
    ...base,
    name: 'CHANNELS',
    summary: 'Returns the active channels.',
    complexity: 'O(N) where N is the number of active channels',
    arity: -2,
    arguments: [{ name: 'pattern', type: 'pattern', optional: true }],
    replyShape: shape.array(shape.bulk),
    reply: 'Array of channels with at least one subscriber (pattern subscriptions not counted), sorted.',
    handler(client, argv) {
      if (argv.length > 3) throw syntaxError();
      if (argv[2] !== undefined) checkGlobPattern(argv[2]);
      return client.server.pubsub.channels(argv[2] ?? null);
    },
  },
  {
    ...base,
    name: 'NUMSUB',
    summary: 'Returns a count of subscribers to channels.',
    complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
    arity: -2,
    arguments: [{ name: 'channel', type: 'string', optional: true, multiple: true }],
    // A flat array in RESP3 too, as Redis sends it: clients (node-redis) pair the elements up themselves.
    replyShape: shape.array(shape.oneOf(shape.bulk, shape.integer())),
    reply: 'Flat array, in RESP3 too (as in Redis): each channel followed by its number of subscribers.',
    handler(client, argv) {
      return argv.slice(2).flatMap((ch): Reply[] => [ch, client.server.pubsub.numsub(ch)]);
    },
  },
  {
    ...base,
    name: 'NUMPAT',
    summary: 'Returns a count of unique pattern subscriptions.',
    complexity: 'O(1)',
    arity: 2,
    replyShape: shape.integer(),
    reply: 'Integer.',
    handler: (client) => client.server.pubsub.numpat(),
  },
];
subcommands.push(helpSubcommand('PUBSUB', 'pubsub', subcommands));

export default defineCommand({
  name: 'PUBSUB',
  summary: 'A container for pub/sub introspection commands.',
  since: '2.8.0',
  group: 'pubsub',
  complexity: 'Depends on subcommand.',
  arity: -2,
  flags: [],
  aclCategories: ['slow'],
  reply: 'Depends on subcommand.',
  subcommands,
});
