// ACL: users and their rights, in Redis' commands and wording (SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI,
// CAT, GENPASS, DRYRUN, LOG, SAVE, LOAD, HELP). The model lives in src/acl; this is its command surface.

import { randomBytes } from 'node:crypto';
import { DoubleReply, MapReply, OK, type Reply } from '../../resp/reply.js';
import { ACL_CATEGORIES } from '../../acl/catalog.js';
import { checkAccess, denialVerbose } from '../../acl/check.js';
import { AclFileError } from '../../acl/store.js';
import { RuleFailure, validUsername } from '../../acl/user.js';
import type { ClientState } from '../context.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { CommandError, notInteger } from '../errors.js';
import { helpSubcommand } from './help.js';
import { asciiLower, asciiUpper } from '../../settings/values.js';
import { shape } from '../reply-shape.js';

const admin = { flags: ['admin', 'noscript', 'loading', 'stale'], aclCategories: ['admin', 'slow', 'dangerous'] };
const sub = (spec: Omit<CommandSpec, 'since' | 'group' | 'flags' | 'aclCategories'> & Partial<CommandSpec>): CommandSpec => ({
  since: '6.0.0',
  group: 'server',
  ...admin,
  ...spec,
});

const NO_FILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER ' +
  'command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

/** Closes the connections logged in as users that no longer exist (after their replies). */
function disconnectUsers(client: ClientState, names: readonly string[]): void {
  if (names.length === 0) return;
  for (const c of client.server.clients())
    if (names.includes(c.user.name) && client.server.acl.get(c.user.name) !== c.user) c.closeAfterReply();
}

const subcommands: CommandSpec[] = [
  sub({
    name: 'SETUSER',
    summary: 'Creates and modifies an ACL user and its rules.',
    complexity: 'O(N). Where N is the number of rules provided.',
    arity: -3,
    arguments: [
      { name: 'username', type: 'string' },
      { name: 'rule', type: 'string', optional: true, multiple: true },
    ],
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`. The rules apply left to right and all together or not at all; connections of that user follow at once.',
    errors: [
      "`ERR Error in ACL SETUSER modifier 'x': Syntax error` (likewise `Unknown command or category name in ACL` and Redis' other reasons)",
      "`ERR Usernames can't contain spaces or null characters`",
      "`ERR Error in ACL SETUSER modifier '~…': The pattern is too long: N bytes, at most 1024` (key and channel patterns; Redis has no limit, ours bounds the cost of matching one)",
    ],
    notes:
      'Rules: `on`, `off`, `>pass`, `<pass`, `#<sha256-hex>`, `!<sha256-hex>`, `nopass`, `resetpass`, `reset`, `+cmd`, `-cmd`, ' +
      '`+cmd|sub`, `-cmd|sub`, `+@category`, `-@category`, `allcommands` (`+@all`), `nocommands` (`-@all`), `~pattern`, ' +
      '`%R~pattern`, `%W~pattern`, `allkeys` (`~*`), `resetkeys`, `&pattern`, `allchannels` (`&*`), `resetchannels`. ' +
      "The registry's keys are `worker:<worker_id>` and `hive:<hive_id>`. Keywords, categories and command names " +
      'ignore ASCII case only, as in Redis. Selectors (`(...)`) are not supported.',
    handler(client, argv) {
      const name = argv[2]!;
      if (!validUsername(name)) throw new CommandError("ERR Usernames can't contain spaces or null characters");
      try {
        client.server.acl.setUser(name, argv.slice(3));
      } catch (e) {
        if (e instanceof RuleFailure) throw new CommandError(`ERR ${e.message}`);
        throw e;
      }
      return OK;
    },
  }),
  sub({
    name: 'GETUSER',
    summary: 'Lists the ACL rules of a user.',
    complexity: 'O(N). Where N is the number of password, command and pattern rules that the user has.',
    arity: 3,
    arguments: [{ name: 'username', type: 'string' }],
    replyShape: shape.optional(
      shape.map({
        flags: shape.array(shape.bulk),
        passwords: shape.array(shape.bulk),
        commands: shape.bulk,
        keys: shape.bulk,
        channels: shape.bulk,
        selectors: shape.array(shape.any),
      }),
    ),
    reply:
      'Map: `flags` (array), `passwords` (SHA-256 hex digests), `commands`, `keys`, `channels` (strings), `selectors` (empty array). Nil for an unknown user.',
    handler(client, argv) {
      const u = client.server.acl.get(argv[2]!);
      if (u === undefined) return null;
      return new MapReply([
        ['flags', u.flags()],
        ['passwords', [...u.passwords]],
        ['commands', u.describeCommands()],
        ['keys', u.describeKeys()],
        ['channels', u.describeChannels()],
        ['selectors', []],
      ]);
    },
  }),
  sub({
    name: 'DELUSER',
    summary: 'Deletes ACL users, and terminates their connections.',
    complexity: 'O(1) amortized time considering the typical user.',
    arity: -3,
    arguments: [{ name: 'username', type: 'string', multiple: true }],
    replyShape: shape.integer(),
    reply: 'Integer: the number of users deleted. Their connections are closed.',
    errors: ["`ERR The 'default' user cannot be removed`"],
    handler(client, argv) {
      const acl = client.server.acl;
      const names = argv.slice(2);
      if (names.includes('default')) throw new CommandError("ERR The 'default' user cannot be removed");
      const removed = names.filter((n) => acl.deleteUser(n));
      disconnectUsers(client, removed);
      return removed.length;
    },
  }),
  sub({
    name: 'LIST',
    summary: 'Dumps the effective rules in ACL file format.',
    complexity: 'O(N). Where N is the number of configured users.',
    arity: 2,
    replyShape: shape.array(shape.bulk),
    reply: 'Array of strings: one `user <name> <rules…>` line per user, by name.',
    handler: (client) => client.server.acl.sortedUsers().map((u) => u.describe()),
  }),
  sub({
    name: 'USERS',
    summary: 'Lists all ACL users.',
    complexity: 'O(N). Where N is the number of configured users.',
    arity: 2,
    replyShape: shape.array(shape.bulk),
    reply: 'Array of user names, sorted.',
    handler: (client) => client.server.acl.sortedUsers().map((u) => u.name),
  }),
  sub({
    name: 'WHOAMI',
    summary: 'Returns the authenticated username of the current connection.',
    complexity: 'O(1)',
    arity: 2,
    flags: ['noscript', 'loading', 'stale'],
    aclCategories: ['slow'],
    replyShape: shape.bulk,
    reply: 'Bulk string: the user name.',
    handler: (client) => client.user.name,
  }),
  sub({
    name: 'CAT',
    summary: 'Lists the ACL categories, or the commands inside a category.',
    complexity: 'O(1) since the categories and commands are a fixed set.',
    arity: -2,
    flags: ['noscript', 'loading', 'stale'],
    aclCategories: ['slow'],
    arguments: [{ name: 'category', type: 'string', optional: true }],
    replyShape: shape.array(shape.bulk),
    reply: "Array: the categories (Redis' and `registry`, `heartbeat`), or the commands (`container|sub` for subcommands) in one.",
    errors: ["`ERR Unknown category 'x'`"],
    handler(client, argv) {
      if (argv.length === 2) return [...ACL_CATEGORIES];
      if (argv.length > 3) throw new CommandError('ERR syntax error');
      const catalog = client.server.acl.catalog;
      const ids = catalog.category(argv[2]!);
      if (ids === undefined) throw new CommandError(`ERR Unknown category '${argv[2]}'`);
      return ids.map((id) => catalog.table.byId[id]!.fullName);
    },
  }),
  sub({
    name: 'GENPASS',
    summary: 'Generates a pseudorandom, secure password that can be used to identify ACL users.',
    complexity: 'O(N)',
    arity: -2,
    flags: ['noscript', 'loading', 'stale'],
    aclCategories: ['slow'],
    arguments: [{ name: 'bits', type: 'integer', optional: true }],
    replyShape: shape.bulk,
    reply: 'Bulk string: hex digits from the system CSPRNG, 256 bits (64 digits) unless `bits` says otherwise.',
    errors: ['`ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096`'],
    handler(_client, argv) {
      let bits = 256;
      if (argv.length === 3) {
        bits = /^-?[0-9]+$/.test(argv[2]!) ? Number(argv[2]) : NaN;
        if (!Number.isInteger(bits)) throw notInteger();
        if (bits <= 0 || bits > 4096) {
          throw new CommandError(
            'ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096',
          );
        }
      } else if (argv.length > 3) throw new CommandError('ERR syntax error');
      const chars = Math.ceil(bits / 4);
      return randomBytes(Math.ceil(chars / 2))
        .toString('hex')
        .slice(0, chars);
    },
  }),
  sub({
    name: 'DRYRUN',
    summary: 'Simulates the execution of a command by a user, without executing the command.',
    since: '7.0.0',
    complexity: 'O(1).',
    arity: -4,
    arguments: [
      { name: 'username', type: 'string' },
      { name: 'command', type: 'string' },
      { name: 'arg', type: 'string', optional: true, multiple: true },
    ],
    replyShape: shape.oneOf(shape.simple('OK'), shape.bulk),
    reply:
      "Simple string `OK` when the user may run it, else a bulk string saying why: `User <u> has no permissions to run the '<cmd>' command`, `... to access the '<key>' key`, `... the '<channel>' channel`.",
    errors: ["`ERR User 'x' not found`", "`ERR Command 'x' not found`", "`ERR wrong number of arguments for 'x' command`"],
    handler(client, argv) {
      const user = client.server.acl.get(argv[2]!);
      if (user === undefined) throw new CommandError(`ERR User '${argv[2]}' not found`);
      const args = argv.slice(3);
      const table = client.server.commands;
      let cmd = table.lookup(args[0]!);
      if (cmd !== undefined && cmd.subcommands !== null && args.length >= 2) cmd = cmd.subcommands.get(asciiLower(args[1]!));
      if (cmd === undefined) throw new CommandError(`ERR Command '${args[0]}' not found`);
      const arity = cmd.spec.arity;
      if ((arity > 0 && args.length !== arity) || args.length < -arity)
        throw new CommandError(`ERR wrong number of arguments for '${cmd.fullName}' command`);
      const d = checkAccess(user, cmd, args.length, (i) => args[i]!);
      return d === null ? OK : denialVerbose(user, cmd, d);
    },
  }),
  sub({
    name: 'LOG',
    summary: 'Lists recent security events generated due to commands rejected by ACL rules.',
    complexity: 'O(N) with N being the number of entries shown.',
    arity: -2,
    arguments: [
      {
        name: 'operation',
        type: 'oneof',
        optional: true,
        arguments: [
          { name: 'count', type: 'integer' },
          { name: 'reset', type: 'pure-token', token: 'RESET' },
        ],
      },
    ],
    replyShape: shape.oneOf(shape.simple('OK'), shape.array(shape.dict(shape.any))),
    reply:
      'Array of maps, newest first (10 unless `count`): `count`, `reason` (auth, command, key, channel), `context` ' +
      '(toplevel, multi), `object`, `username`, `age-seconds` (double), `client-info`, `entry-id`, `timestamp-created`, ' +
      '`timestamp-last-updated`. Equal denials within 60 s share one entry. `RESET`: `OK`.',
    errors: ['`ERR value is out of range, must be positive`'],
    handler(client, argv) {
      const acl = client.server.acl;
      let count = 10;
      if (argv.length === 3) {
        if (asciiUpper(argv[2]!) === 'RESET') {
          acl.resetLog();
          return OK;
        }
        if (!/^-?[0-9]+$/.test(argv[2]!) || !Number.isSafeInteger(Number(argv[2]))) throw notInteger();
        count = Number(argv[2]);
        if (count < 0) throw new CommandError('ERR value is out of range, must be positive');
      } else if (argv.length > 3) throw new CommandError('ERR syntax error');
      const now = Date.now();
      return acl.log.slice(0, count).map(
        (e): Reply =>
          new MapReply([
            ['count', e.count],
            ['reason', e.reason],
            ['context', e.context],
            ['object', e.object],
            ['username', e.username],
            ['age-seconds', new DoubleReply((now - e.createdMs) / 1000)],
            ['client-info', e.clientInfo],
            ['entry-id', e.entryId],
            ['timestamp-created', e.createdMs],
            ['timestamp-last-updated', e.updatedMs],
          ]),
      );
    },
  }),
  sub({
    name: 'SAVE',
    summary: 'Saves the effective ACL rules in the configured ACL file.',
    complexity: 'O(N). Where N is the number of configured users.',
    arity: 2,
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`.',
    errors: ['`ERR This Redis instance is not configured to use an ACL file. …` without `--aclfile`'],
    handler(client) {
      const acl = client.server.acl;
      if (acl.aclFile === null) throw new CommandError(NO_FILE);
      try {
        acl.saveFile();
      } catch (e) {
        throw new CommandError(
          `ERR There was an error trying to save the ACLs. Please check the server logs for more information (${(e as Error).message})`,
        );
      }
      return OK;
    },
  }),
  sub({
    name: 'LOAD',
    summary: 'Reloads the rules from the configured ACL file.',
    complexity: 'O(N). Where N is the number of configured users.',
    arity: 2,
    replyShape: shape.simple('OK'),
    reply:
      'Simple string `OK`. All or nothing: with any bad line nothing changes and the error names each file:line. Connections of users no longer in the file are closed.',
    errors: [
      "`ERR <file>:<line>: Error in applying operation 'x': <reason>. … WARNING: ACL errors detected, no change to the previously active ACL rules was performed`",
    ],
    handler(client) {
      const acl = client.server.acl;
      if (acl.aclFile === null) throw new CommandError(NO_FILE);
      try {
        disconnectUsers(client, acl.loadFile());
      } catch (e) {
        if (e instanceof AclFileError) throw new CommandError(`ERR ${e.message}`);
        throw e;
      }
      return OK;
    },
  }),
];

subcommands.push(helpSubcommand('ACL', 'server', subcommands));

export default defineCommand({
  name: 'ACL',
  summary: 'A container for Access List Control commands.',
  since: '6.0.0',
  group: 'server',
  complexity: 'Depends on subcommand.',
  arity: -2,
  flags: [],
  aclCategories: ['slow'],
  reply: 'See the subcommands.',
  subcommands,
});
