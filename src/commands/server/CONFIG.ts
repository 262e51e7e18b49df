// CONFIG GET / SET / RESETSTAT: server settings. redis-benchmark asks for `save` and `appendonly` at start.

import { MapReply, OK, type Reply } from '../../resp/reply.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { CommandError } from '../errors.js';
import { checkGlobPattern, globMatch } from '../glob.js';
import { helpSubcommand } from './help.js';
import { SETTINGS, SettingError, settingByName } from '../../settings/settings.js';
import { asciiLower, quote } from '../../settings/values.js';
import { shape } from '../reply-shape.js';

const subcommands: CommandSpec[] = [
  {
    name: 'GET',
    summary: 'Returns the effective values of configuration parameters.',
    since: '2.0.0',
    group: 'server',
    complexity: 'O(N) when N is the number of configuration parameters provided',
    arity: -3,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    aclCategories: ['admin', 'slow', 'dangerous'],
    arguments: [{ name: 'parameter', type: 'string', multiple: true }],
    replyShape: shape.dict(shape.bulk),
    reply: 'Map (RESP2: flat array) of every parameter matching any of the glob patterns to its value.',
    handler(client, argv) {
      const entries: Array<[Reply, Reply]> = [];
      const seen = new Set<string>();
      const settings = client.server.settings;
      for (const pattern of argv.slice(2)) checkGlobPattern(pattern);
      for (const pattern of argv.slice(2)) {
        for (const s of SETTINGS) {
          if (s.config !== false && !seen.has(s.name) && globMatch(pattern, s.name, true)) {
            seen.add(s.name);
            entries.push([s.name, settings.text(s.name)]);
          }
        }
      }
      return new MapReply(entries);
    },
  },
  {
    name: 'SET',
    summary: 'Sets configuration parameters at run time.',
    since: '2.0.0',
    group: 'server',
    complexity: 'O(N) when N is the number of configuration parameters provided',
    arity: -4,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    aclCategories: ['admin', 'slow', 'dangerous'],
    arguments: [
      {
        name: 'data',
        type: 'block',
        multiple: true,
        arguments: [
          { name: 'parameter', type: 'string' },
          { name: 'value', type: 'string' },
        ],
      },
    ],
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`. All values are checked before any is applied.',
    errors: [
      "`ERR Unknown option or number of arguments for CONFIG SET - 'x'`",
      "`ERR CONFIG SET failed (possibly related to argument 'x') - can't set immutable config`",
      "`ERR CONFIG SET failed (possibly related to argument 'x') - duplicate parameter`",
      "`ERR CONFIG SET failed (possibly related to argument 'x') - <why>`: `argument couldn't be parsed into an integer`, " +
        '`argument must be between MIN and MAX inclusive`, `argument must be a memory value`, ' +
        '`argument must be one of the following: …`; the ranges are in the settings table below',
    ],
    handler(client, argv) {
      if ((argv.length - 2) % 2 !== 0) throw new CommandError("ERR wrong number of arguments for 'config|set' command");
      const changes: Array<[string, string]> = [];
      for (let i = 2; i < argv.length; i += 2) {
        const name = asciiLower(argv[i]!);
        const setting = settingByName(name);
        const related = `ERR CONFIG SET failed (possibly related to argument '${quote(argv[i]!)}')`;
        if (setting === undefined || setting.config === false) {
          throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${quote(argv[i]!)}'`);
        }
        if (changes.some(([n]) => n === name)) throw new CommandError(`${related} - duplicate parameter`);
        if (!setting.mutable) throw new CommandError(`${related} - can't set immutable config`);
        changes.push([name, argv[i + 1]!]);
      }
      try {
        client.server.settings.setTexts(changes);
      } catch (e) {
        if (!(e instanceof SettingError)) throw e;
        throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${e.setting}') - ${e.reason}`);
      }
      return OK;
    },
  },
  {
    name: 'RESETSTAT',
    summary: 'Resets the server statistics reported by INFO.',
    since: '2.0.0',
    group: 'server',
    complexity: 'O(1)',
    arity: 2,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    aclCategories: ['admin', 'slow', 'dangerous'],
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`.',
    handler(client) {
      const stats = client.server.stats;
      stats.totalCommandsProcessed = 0;
      stats.totalConnectionsReceived = 0;
      stats.rejectedConnections = 0;
      stats.protocolErrors = 0;
      // Redis' RESETSTAT also clears commandstats, errorstats and latencystats.
      for (const command of client.server.commands.allResolved()) command.stats.reset();
      client.server.ops.errors.reset();
      const denied = client.server.acl.denied;
      denied.auth = denied.command = denied.key = denied.channel = 0;
      return OK;
    },
  },
];

subcommands.push(helpSubcommand('CONFIG', 'server', subcommands));

export default defineCommand({
  name: 'CONFIG',
  summary: 'A container for server configuration commands.',
  since: '2.0.0',
  group: 'server',
  complexity: 'Depends on subcommand.',
  arity: -2,
  flags: [],
  aclCategories: ['slow'],
  reply: 'Depends on subcommand.',
  subcommands,
});
