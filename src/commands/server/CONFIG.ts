// CONFIG GET / SET / RESETSTAT: server settings. redis-benchmark asks for `save` and `appendonly` at start.

import { MapReply, OK, type Reply } from '../../resp/reply.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { CommandError } from '../errors.js';
import { globMatch } from '../glob.js';
import { helpSubcommand } from './help.js';

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
    reply: 'Map (RESP2: flat array) of every parameter matching any of the glob patterns to its value.',
    handler(client, argv) {
      const entries: Array<[Reply, Reply]> = [];
      const seen = new Set<string>();
      for (const pattern of argv.slice(2)) {
        for (const param of client.server.config.values()) {
          if (!seen.has(param.name) && globMatch(pattern, param.name, true)) {
            seen.add(param.name);
            entries.push([param.name, param.get()]);
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
    reply: 'Simple string `OK`. All values are checked before any is applied.',
    errors: [
      "`ERR Unknown option or number of arguments for CONFIG SET - 'x'`",
      "`ERR CONFIG SET failed (possibly related to argument 'x') - can't set immutable config`",
      "`ERR CONFIG SET failed (possibly related to argument 'x') - duplicate parameter`",
      "`ERR CONFIG SET failed (possibly related to argument 'x') - <why>`",
    ],
    handler(client, argv) {
      if ((argv.length - 2) % 2 !== 0) throw new CommandError("ERR wrong number of arguments for 'config|set' command");
      const config = client.server.config;
      const changes: Array<[string, string]> = [];
      for (let i = 2; i < argv.length; i += 2) {
        const name = argv[i]!.toLowerCase();
        const param = config.get(name);
        if (param === undefined) throw new CommandError(`ERR Unknown option or number of arguments for CONFIG SET - '${argv[i]}'`);
        if (changes.some(([n]) => n === name)) {
          throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${argv[i]}') - duplicate parameter`);
        }
        if (param.set === undefined) {
          throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${argv[i]}') - can't set immutable config`);
        }
        changes.push([name, argv[i + 1]!]);
      }
      // Apply all or none: remember old values and roll back on the first failure.
      const applied: Array<[string, string]> = [];
      for (const [name, value] of changes) {
        const param = config.get(name)!;
        const old = param.get();
        try {
          param.set!(value);
          applied.push([name, old]);
        } catch (e) {
          for (const [n, v] of applied.reverse()) config.get(n)!.set!(v);
          throw new CommandError(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${(e as Error).message}`);
        }
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
    reply: 'Simple string `OK`.',
    handler(client) {
      const stats = client.server.stats;
      stats.totalCommandsProcessed = 0;
      stats.totalConnectionsReceived = 0;
      stats.rejectedConnections = 0;
      stats.protocolErrors = 0;
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
