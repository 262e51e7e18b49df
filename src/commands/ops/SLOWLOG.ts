// SLOWLOG GET|LEN|RESET|HELP: the commands that took at least slowlog-log-slower-than microseconds.

import { OK } from '../../resp/reply.js';
import { CommandError, parseInteger } from '../errors.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { helpSubcommand } from '../server/help.js';
import { shape } from '../reply-shape.js';

const sub = (spec: Omit<CommandSpec, 'group' | 'flags' | 'aclCategories'>): CommandSpec => ({
  group: 'server',
  flags: ['admin', 'loading', 'stale'],
  aclCategories: ['admin', 'slow', 'dangerous'],
  ...spec,
});

const subcommands: CommandSpec[] = [
  sub({
    name: 'GET',
    summary: "Returns the slow log's entries, newest first.",
    since: '2.2.12',
    complexity: 'O(N) where N is the number of entries returned',
    arity: -2,
    arguments: [{ name: 'count', type: 'integer', optional: true }],
    replyShape: shape.array(
      shape.tuple(shape.integer(), shape.integer(), shape.integer(), shape.array(shape.bulk), shape.bulk, shape.bulk),
    ),
    reply:
      'Array of entries, each an array: id, Unix time (seconds), duration (microseconds), the arguments (at most 32, ' +
      'each cut at 128 bytes; AUTH and HELLO AUTH passwords shown as "(redacted)"), client address, client name. ' +
      'COUNT defaults to 10; -1 returns all.',
    errors: ['`ERR count should be greater than or equal to -1`'],
    handler(client, argv) {
      let count = 10;
      if (argv.length > 2) {
        count = parseInteger(argv[2]!);
        if (count < -1) throw new CommandError('ERR count should be greater than or equal to -1');
      }
      return client.server.ops.slowlog.get(count).map((e) => [e.id, e.unixSeconds, e.durationUsec, e.argv, e.addr, e.name]);
    },
  }),
  sub({
    name: 'LEN',
    summary: 'Returns the number of entries in the slow log.',
    since: '2.2.12',
    complexity: 'O(1)',
    arity: 2,
    replyShape: shape.integer(),
    reply: 'Integer.',
    handler: (client) => client.server.ops.slowlog.length,
  }),
  sub({
    name: 'RESET',
    summary: 'Clears the slow log.',
    since: '2.2.12',
    complexity: 'O(N) where N is the number of entries in the slowlog',
    arity: 2,
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`.',
    handler(client) {
      client.server.ops.slowlog.reset();
      return OK;
    },
  }),
];
subcommands.push(helpSubcommand('SLOWLOG', 'server', subcommands));

export default defineCommand({
  name: 'SLOWLOG',
  summary: 'A container for slow log commands.',
  since: '2.2.12',
  group: 'server',
  complexity: 'Depends on subcommand.',
  arity: -2,
  flags: [],
  aclCategories: ['slow'],
  reply: 'Depends on subcommand.',
  notes:
    'A command is logged when it took at least `slowlog-log-slower-than` microseconds (CONFIG SET; 0 logs all, -1 none); ' +
    'the log keeps the newest `slowlog-max-len` entries. The time is measured from the end of the previous request on the ' +
    'connection, so it includes decoding the request.',
  subcommands,
});
