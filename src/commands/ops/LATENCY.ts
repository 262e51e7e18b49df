// LATENCY LATEST|HISTORY|RESET|DOCTOR|HELP: Redis' latency monitor, fed with the commands that took at least
// latency-monitor-threshold milliseconds (events `command` and `fast-command`).

import { VerbatimReply } from '../../resp/reply.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { helpSubcommand } from '../server/help.js';
import { shape } from '../reply-shape.js';

const sub = (spec: Omit<CommandSpec, 'group' | 'flags' | 'aclCategories'>): CommandSpec => ({
  group: 'server',
  flags: ['admin', 'noscript', 'loading', 'stale'],
  aclCategories: ['admin', 'slow', 'dangerous'],
  ...spec,
});

const subcommands: CommandSpec[] = [
  sub({
    name: 'LATEST',
    summary: 'Returns the latest latency samples for all events.',
    since: '2.8.13',
    complexity: 'O(1)',
    arity: 2,
    replyShape: shape.array(shape.tuple(shape.bulk, shape.integer(), shape.integer(), shape.integer())),
    reply: 'Array of [event, Unix time of the latest sample, latest latency (ms), highest latency (ms)].',
    handler(client) {
      const out = [];
      for (const [event, s] of client.server.ops.latency.events) {
        const last = s.samples[s.samples.length - 1]!;
        out.push([event, last[0], last[1], s.maxMs]);
      }
      return out;
    },
  }),
  sub({
    name: 'HISTORY',
    summary: 'Returns the latency samples of an event (at most 160, one per second).',
    since: '2.8.13',
    complexity: 'O(1)',
    arity: 3,
    arguments: [{ name: 'event', type: 'string' }],
    replyShape: shape.array(shape.tuple(shape.integer(), shape.integer())),
    reply: 'Array of [Unix time, latency (ms)]; empty for an event never seen.',
    notes: 'Event names are case-sensitive, as in Redis (`command`, not `COMMAND`).',
    handler(client, argv) {
      const s = client.server.ops.latency.events.get(argv[2]!);
      return s === undefined ? [] : s.samples.map(([t, ms]) => [t, ms]);
    },
  }),
  sub({
    name: 'RESET',
    summary: 'Forgets the samples of the named events, or of all.',
    since: '2.8.13',
    complexity: 'O(1)',
    arity: -2,
    arguments: [{ name: 'event', type: 'string', optional: true, multiple: true }],
    replyShape: shape.integer(),
    reply: 'Integer: the number of event series forgotten.',
    notes: 'Event names are case-sensitive, as in Redis.',
    handler: (client, argv) => client.server.ops.latency.reset(argv.slice(2)),
  }),
  sub({
    name: 'DOCTOR',
    summary: 'Returns a short human-readable report of the latency samples.',
    since: '2.8.13',
    complexity: 'O(1)',
    arity: 2,
    replyShape: shape.oneOf(shape.bulk, shape.verbatim),
    reply: 'Verbatim string (RESP2: bulk string).',
    handler(client) {
      const ops = client.server.ops;
      const threshold = client.server.settings.get('latency-monitor-threshold');
      if (threshold === 0) {
        return new VerbatimReply(
          "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use " +
            '"CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it.\n',
        );
      }
      if (ops.latency.events.size === 0)
        return new VerbatimReply(
          'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n',
        );
      const lines = ["Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?", ''];
      let i = 1;
      for (const [event, s] of ops.latency.events) {
        const avg = s.samples.reduce((a, [, ms]) => a + ms, 0) / s.samples.length;
        lines.push(`${i++}. ${event}: ${s.samples.length} latency spikes (average ${Math.round(avg)}ms, worst ${s.maxMs}ms).`);
      }
      lines.push('', 'I have a few advices for you:', '');
      lines.push(
        `- Check SLOWLOG GET for the commands over slowlog-log-slower-than; HIVE.GET, WORKER.LIST and KEYS walk many ` +
          'workers: page them, or ask for fewer. A large fleet scanned with SCAN costs little per call.',
      );
      return new VerbatimReply(lines.join('\n') + '\n');
    },
  }),
];
subcommands.push(helpSubcommand('LATENCY', 'server', subcommands));

export default defineCommand({
  name: 'LATENCY',
  summary: 'A container for latency diagnostics commands.',
  since: '2.8.13',
  group: 'server',
  complexity: 'Depends on subcommand.',
  arity: -2,
  flags: [],
  aclCategories: ['slow'],
  reply: 'Depends on subcommand.',
  notes:
    'Events: `command` and `fast-command` (commands flagged fast), recorded when a command took at least ' +
    '`latency-monitor-threshold` ms (0, the default, turns the monitor off).',
  subcommands,
});
