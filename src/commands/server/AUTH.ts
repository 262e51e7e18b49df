// AUTH / HELLO / RESET: connection set-up. Every client library of today opens with HELLO 3.

import { asciiUpper } from '../../settings/values.js';
import { MapReply, OK, SimpleString, type Reply } from '../../resp/reply.js';
import type { ClientState } from '../context.js';
import { defineCommand } from '../spec.js';
import { CommandError } from '../errors.js';
import { clientInfoLine, validClientName } from './CLIENT.js';
import { shape } from '../reply-shape.js';

/** The Redis version whose protocol and client-facing behaviour this server follows. */
export const REDIS_COMPAT_VERSION = '7.2.0';

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/**
 * Logs the connection in as `username`; a failure is counted and logged (ACL LOG reason `auth`) as in Redis, whose
 * entry's object is the command name as the client typed it (`auth`, `HELLO`).
 */
function authenticate(client: ClientState, typed: string, username: string, password: string): void {
  const acl = client.server.acl;
  const user = acl.authenticate(username, password);
  if (user === null) {
    acl.recordDenial('auth', client.multi !== null ? 'multi' : 'toplevel', typed, username, clientInfoLine(client, Date.now()));
    throw new CommandError(WRONGPASS);
  }
  client.user = user;
  client.authenticated = true;
}

export const AUTH = defineCommand({
  name: 'AUTH',
  summary: 'Authenticates the connection.',
  since: '1.0.0',
  group: 'connection',
  complexity: 'O(N) where N is the number of passwords defined for the user',
  arity: -2,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'allow-busy'],
  aclCategories: ['fast', 'connection'],
  arguments: [
    { name: 'username', type: 'string', optional: true },
    { name: 'password', type: 'string' },
  ],
  replyShape: shape.simple('OK'),
  reply: 'Simple string `OK`.',
  errors: [
    '`WRONGPASS invalid username-password pair or user is disabled.`',
    '`ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?`',
  ],
  notes:
    'With one argument, logs in as `default` (its password is set with `--requirepass`, REGISTRY_PASSWORD or ' +
    '`CONFIG SET requirepass`); with two, as the named ACL user. Passwords are kept only as SHA-256 digests and ' +
    'compared in constant time. A failure is counted in INFO `acl_access_denied_auth` and logged in ACL LOG.',
  handler(client, argv) {
    if (argv.length > 3) throw new CommandError('ERR syntax error');
    if (argv.length === 2 && client.server.acl.defaultUser.nopass) {
      throw new CommandError(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    }
    const [username, password] = argv.length === 3 ? [argv[1]!, argv[2]!] : ['default', argv[1]!];
    authenticate(client, argv[0]!, username, password);
    return OK;
  },
});

export function helloReply(client: ClientState): Reply {
  const server = client.server;
  return new MapReply([
    ['server', 'rbee-registry'],
    ['version', REDIS_COMPAT_VERSION],
    ['proto', client.proto],
    ['id', client.id],
    ['mode', 'standalone'],
    ['role', 'master'],
    ['modules', []],
    ['registry_version', server.version],
  ]);
}

export const HELLO = defineCommand({
  name: 'HELLO',
  summary: 'Handshakes with the server: selects RESP2 or RESP3, optionally authenticates and names the connection.',
  since: '6.0.0',
  group: 'connection',
  complexity: 'O(1)',
  arity: -1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'allow-busy'],
  aclCategories: ['fast', 'connection'],
  arguments: [
    {
      name: 'arguments',
      type: 'block',
      optional: true,
      arguments: [
        { name: 'protover', type: 'integer' },
        {
          name: 'auth',
          type: 'block',
          token: 'AUTH',
          optional: true,
          arguments: [
            { name: 'username', type: 'string' },
            { name: 'password', type: 'string' },
          ],
        },
        { name: 'clientname', type: 'string', token: 'SETNAME', optional: true },
      ],
    },
  ],
  replyShape: shape.map({
    server: shape.bulk,
    version: shape.bulk,
    proto: shape.integer(2, 3),
    id: shape.integer(),
    mode: shape.bulk,
    role: shape.bulk,
    modules: shape.array(shape.any),
    registry_version: shape.bulk,
  }),
  reply:
    'Map (RESP2: flat array), in the newly selected protocol: `server` (rbee-registry), `version` (the Redis version ' +
    'whose behaviour is followed, 7.2.0), `proto` (integer), `id` (integer), `mode` (standalone), `role` (master), ' +
    '`modules` (empty array), `registry_version`.',
  errors: [
    '`NOPROTO unsupported protocol version`',
    '`ERR Protocol version is not an integer or out of range`',
    "`ERR Syntax error in HELLO option 'x'`",
    '`WRONGPASS invalid username-password pair or user is disabled.`',
  ],
  handler(client, argv) {
    let proto = client.proto;
    let auth: [string, string] | null = null;
    let name: string | null = null;
    if (argv.length >= 2) {
      if (!/^-?[0-9]+$/.test(argv[1]!)) throw new CommandError('ERR Protocol version is not an integer or out of range');
      const v = Number(argv[1]);
      if (v !== 2 && v !== 3) throw new CommandError('NOPROTO unsupported protocol version');
      proto = v;
      for (let i = 2; i < argv.length; i++) {
        const opt = asciiUpper(argv[i]!);
        const more = argv.length - i - 1;
        if (opt === 'AUTH' && more >= 2) {
          auth = [argv[i + 1]!, argv[i + 2]!];
          i += 2;
        } else if (opt === 'SETNAME' && more >= 1) {
          name = argv[i + 1]!;
          if (!validClientName(name)) throw new CommandError('ERR Client names cannot contain spaces, newlines or special characters.');
          i += 1;
        } else {
          throw new CommandError(`ERR Syntax error in HELLO option '${argv[i]}'`);
        }
      }
    }
    if (auth !== null) authenticate(client, argv[0]!, auth[0], auth[1]);
    else if (!client.authenticated) {
      throw new CommandError(
        'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      );
    }
    if (name !== null) client.name = name === '' ? null : name;
    client.proto = proto;
    return helloReply(client);
  },
});

export const RESET = defineCommand({
  name: 'RESET',
  summary: 'Resets the connection: ends a transaction and subscriptions, forgets name and authentication, returns to RESP2.',
  since: '6.2.0',
  group: 'connection',
  complexity: 'O(1)',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth', 'allow-busy'],
  aclCategories: ['fast', 'connection'],
  replyShape: shape.simple('RESET'),
  reply: 'Simple string `RESET`.',
  runsInMulti: true,
  allowedInSubscribe: true,
  handler(client) {
    client.multi = null;
    client.multiDirty = false;
    client.name = null;
    client.proto = 2;
    client.user = client.server.acl.defaultUser;
    client.authenticated = client.server.acl.defaultLogsIn;
    for (const ch of [...client.subscriptions]) client.server.pubsub.unsubscribe(client, ch);
    for (const p of [...client.patterns]) client.server.pubsub.punsubscribe(client, p);
    return new SimpleString('RESET');
  },
});
