// COMMAND: introspection of the command table (COUNT, INFO, DOCS, LIST, GETKEYS, HELP). redis-cli reads
// COMMAND DOCS for its interactive hints, client libraries read COMMAND INFO.

import { asciiUpper, asciiLower } from '../../settings/values.js';
import { MapReply, type Reply } from '../../resp/reply.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { CommandError } from '../errors.js';
import { commandDocs, commandInfo } from '../docs.js';
import { globMatch } from '../glob.js';
import { commandKeys } from '../keys.js';
import type { ClientState } from '../context.js';
import type { ResolvedCommand } from '../table.js';
import { helpSubcommand } from './help.js';
import { shape } from '../reply-shape.js';

/** Finds `name` or `container|sub`, ASCII case-insensitively; anything deeper (`config|get|key`) is unknown, as in Redis. */
function find(client: ClientState, name: string): ResolvedCommand | undefined {
  const parts = asciiLower(name).split('|');
  if (parts.length > 2) return undefined;
  const [top, sub] = parts;
  const cmd = client.server.commands.lookup(top!);
  if (sub === undefined || cmd === undefined) return cmd;
  return cmd.subcommands?.get(sub);
}

const subcommands: CommandSpec[] = [
  {
    name: 'COUNT',
    summary: 'Returns a count of commands.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(1)',
    arity: 2,
    flags: ['loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    replyShape: shape.integer(),
    reply: 'Integer: the number of top-level commands.',
    handler: (client) => client.server.commands.size,
  },
  {
    name: 'INFO',
    summary: 'Returns information about one, multiple or all commands.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(N) where N is the number of commands to look up',
    arity: -2,
    flags: ['loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    arguments: [{ name: 'command-name', type: 'string', optional: true, multiple: true }],
    replyShape: shape.array(shape.optional(shape.array(shape.any))),
    reply: "Array of COMMAND INFO entries (nil for an unknown name), in Redis' shape.",
    handler(client, argv) {
      if (argv.length === 2) return [...client.server.commands.entries()].map(commandInfo);
      return argv.slice(2).map((n) => {
        const cmd = find(client, n);
        return cmd === undefined ? null : commandInfo(cmd);
      });
    },
  },
  {
    name: 'DOCS',
    summary: 'Returns documentary information about one, multiple or all commands.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(N) where N is the number of commands to look up',
    arity: -2,
    flags: ['loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    arguments: [{ name: 'command-name', type: 'string', optional: true, multiple: true }],
    replyShape: shape.dict(shape.any),
    reply: 'Map of command name to its docs (summary, since, group, complexity, arguments, subcommands); unknown names are left out.',
    handler(client, argv) {
      const cmds = argv.length === 2 ? [...client.server.commands.entries()] : argv.slice(2).map((n) => find(client, n));
      const entries: Array<[Reply, Reply]> = [];
      for (const cmd of cmds) if (cmd !== undefined) entries.push([cmd.fullName, commandDocs(cmd)]);
      return new MapReply(entries);
    },
  },
  {
    name: 'LIST',
    summary: 'Returns a list of command names.',
    since: '7.0.0',
    group: 'server',
    complexity: 'O(N) where N is the total number of commands',
    arity: -2,
    flags: ['loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    arguments: [
      {
        name: 'filterby',
        type: 'oneof',
        token: 'FILTERBY',
        optional: true,
        arguments: [
          { name: 'module-name', type: 'string', token: 'MODULE' },
          { name: 'category', type: 'string', token: 'ACLCAT' },
          { name: 'pattern', type: 'pattern', token: 'PATTERN' },
        ],
      },
    ],
    replyShape: shape.array(shape.bulk),
    reply: 'Array of command names (subcommands as `container|sub`).',
    errors: ['`ERR syntax error`'],
    handler(client, argv) {
      const names = client.server.commands.allNames();
      if (argv.length === 2) return names;
      if (argv.length !== 5 || asciiUpper(argv[2]!) !== 'FILTERBY') throw new CommandError('ERR syntax error');
      const kind = asciiUpper(argv[3]!);
      const value = argv[4]!;
      if (kind === 'MODULE') return [];
      if (kind === 'PATTERN') return names.filter((n) => globMatch(value, n, true));
      if (kind === 'ACLCAT') {
        const cat = asciiLower(value).replace(/^@/, '');
        return names.filter((n) => find(client, n)!.spec.aclCategories.includes(cat));
      }
      throw new CommandError('ERR syntax error');
    },
  },
  {
    name: 'GETKEYS',
    summary: 'Extracts the key names from an arbitrary command.',
    since: '2.8.13',
    group: 'server',
    complexity: 'O(N) where N is the number of arguments to the command',
    arity: -3,
    flags: ['loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    arguments: [
      { name: 'command', type: 'string' },
      { name: 'arg', type: 'string', optional: true, multiple: true },
    ],
    replyShape: shape.array(shape.bulk),
    reply:
      "Array of the keys the command would touch: a registry command's worker ids as `worker:<worker_id>`, its hive " +
      'ids as `hive:<hive_id>` (the names ACL key patterns match).',
    errors: [
      '`ERR Invalid command specified`',
      '`ERR Invalid number of arguments specified for command`',
      '`ERR The command has no key arguments`',
    ],
    handler(client, argv) {
      const args = argv.slice(2);
      let cmd = client.server.commands.lookup(args[0]!);
      if (cmd !== undefined && cmd.subcommands !== null && args.length >= 2) cmd = cmd.subcommands.get(asciiLower(args[1]!));
      if (cmd === undefined) throw new CommandError('ERR Invalid command specified');
      const arity = cmd.spec.arity;
      if ((arity > 0 && args.length !== arity) || args.length < -arity)
        throw new CommandError('ERR Invalid number of arguments specified for command');
      const keys = commandKeys(cmd.spec, args.length, (i) => args[i]!);
      if (keys.length === 0) throw new CommandError('ERR The command has no key arguments');
      return keys.map((k) => k.key);
    },
  },
];

subcommands.push(helpSubcommand('COMMAND', 'server', subcommands));

export default defineCommand({
  name: 'COMMAND',
  summary: 'Returns detailed information about all commands.',
  since: '2.8.13',
  group: 'server',
  complexity: 'O(N) where N is the total number of commands',
  arity: -1,
  flags: ['loading', 'stale'],
  aclCategories: ['slow', 'connection'],
  replyShape: shape.array(shape.array(shape.any)),
  reply: 'Without a subcommand: an array of COMMAND INFO entries for every command.',
  subcommands,
  handler(client) {
    return [...client.server.commands.entries()].map(commandInfo);
  },
});
