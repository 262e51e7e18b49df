// CLIENT: connection introspection and naming (ID, SETNAME, GETNAME, SETINFO, INFO, LIST, KILL, HELP).

import { asciiUpper, asciiLower } from '../../settings/values.js';
import { OK, VerbatimReply } from '../../resp/reply.js';
import { isSubscribed, type ClientState } from '../context.js';
import { defineCommand, type CommandSpec } from '../spec.js';
import { CommandError, parseInteger } from '../errors.js';
import { helpSubcommand } from './help.js';
import { shape } from '../reply-shape.js';

/** Redis refuses names with spaces, newlines or characters outside '!'..'~'. */
export function validClientName(name: string): boolean {
  return /^[!-~]*$/.test(name);
}

/** Bytes of the commands queued since MULTI (Redis' `multi-mem`). */
function multiBytes(c: ClientState): number {
  let n = 0;
  for (const q of c.multi ?? []) for (const a of q.argv) n += a.length;
  return n;
}

/**
 * One line of CLIENT LIST / CLIENT INFO, in Redis' field order (fields we have no notion of are 0 or empty).
 * `fd` is the socket's descriptor (-1 where the platform does not expose it); `qbuf` the unparsed request
 * bytes held, `omem` the reply bytes not yet taken by the kernel, `tot-mem` the two plus `multi-mem`.
 */
export function clientInfoLine(c: ClientState, nowMs: number): string {
  const inMulti = c.multi !== null;
  const qbuf = c.queryBufferBytes();
  const omem = c.outputBufferBytes();
  const multiMem = multiBytes(c);
  // Redis' flags: P subscribed (pub/sub), x in MULTI, b blocked (EVENTS.READ BLOCK), N none.
  const flags = (isSubscribed(c) ? 'P' : '') + (inMulti ? 'x' : '') + (c.blocked ? 'b' : '') || 'N';
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name ?? ''} ` +
    `age=${Math.floor((nowMs - c.createdAtMs) / 1000)} idle=${Math.floor((nowMs - c.lastInteractionMs) / 1000)} ` +
    `flags=${flags} db=0 sub=${c.subscriptions.size} psub=${c.patterns.size} ssub=0 multi=${inMulti ? c.multi!.length : -1} ` +
    `qbuf=${qbuf} qbuf-free=0 argv-mem=0 multi-mem=${multiMem} rbs=0 rbp=0 obl=0 oll=0 omem=${omem} ` +
    `tot-mem=${qbuf + multiMem + omem} events=r cmd=${c.lastCommand} user=${c.user.name} redir=-1 resp=${c.proto} ` +
    `lib-name=${c.libName ?? ''} lib-ver=${c.libVersion ?? ''}`
  );
}

const sub = (spec: Omit<CommandSpec, 'since' | 'group'> & { since?: string }): CommandSpec => ({
  since: '2.4.0',
  group: 'connection',
  ...spec,
});

const subcommands: CommandSpec[] = [
  sub({
    name: 'ID',
    summary: 'Returns the unique client ID of the connection.',
    since: '5.0.0',
    complexity: 'O(1)',
    arity: 2,
    flags: ['noscript', 'loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    replyShape: shape.integer(),
    reply: 'Integer.',
    handler: (client) => client.id,
  }),
  sub({
    name: 'SETNAME',
    summary: 'Sets the connection name.',
    since: '2.6.9',
    complexity: 'O(1)',
    arity: 3,
    flags: ['noscript', 'loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    arguments: [{ name: 'connection-name', type: 'string' }],
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`. An empty name clears it.',
    errors: ['`ERR Client names cannot contain spaces, newlines or special characters.`'],
    handler(client, argv) {
      const name = argv[2]!;
      if (!validClientName(name)) throw new CommandError('ERR Client names cannot contain spaces, newlines or special characters.');
      client.name = name === '' ? null : name;
      return OK;
    },
  }),
  sub({
    name: 'GETNAME',
    summary: 'Returns the name of the connection.',
    since: '2.6.9',
    complexity: 'O(1)',
    arity: 2,
    flags: ['noscript', 'loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    replyShape: shape.optional(shape.bulk),
    reply: 'Bulk string, or nil when no name is set.',
    handler: (client) => client.name,
  }),
  sub({
    name: 'SETINFO',
    summary: 'Sets information about the client library (LIB-NAME, LIB-VER).',
    since: '7.2.0',
    complexity: 'O(1)',
    arity: 4,
    flags: ['noscript', 'loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    arguments: [
      {
        name: 'attr',
        type: 'oneof',
        arguments: [
          { name: 'libname', type: 'string', token: 'LIB-NAME' },
          { name: 'libver', type: 'string', token: 'LIB-VER' },
        ],
      },
    ],
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`.',
    errors: ["`ERR Unrecognized option 'x'`", '`ERR lib-name cannot contain spaces, newlines or special characters.`'],
    handler(client, argv) {
      const attr = asciiLower(argv[2]!);
      const value = argv[3]!;
      if (attr !== 'lib-name' && attr !== 'lib-ver') throw new CommandError(`ERR Unrecognized option '${argv[2]}'`);
      if (!validClientName(value)) throw new CommandError(`ERR ${attr} cannot contain spaces, newlines or special characters.`);
      if (attr === 'lib-name') client.libName = value === '' ? null : value;
      else client.libVersion = value === '' ? null : value;
      return OK;
    },
  }),
  sub({
    name: 'INFO',
    summary: 'Returns information about the connection.',
    since: '6.2.0',
    complexity: 'O(1)',
    arity: 2,
    flags: ['noscript', 'loading', 'stale'],
    aclCategories: ['slow', 'connection'],
    replyShape: shape.oneOf(shape.bulk, shape.verbatim),
    reply: 'Bulk string (RESP3: verbatim string): one line in the CLIENT LIST format.',
    handler: (client) => new VerbatimReply(clientInfoLine(client, Date.now()) + '\n'),
  }),
  sub({
    name: 'LIST',
    summary: 'Lists open connections.',
    since: '2.4.0',
    complexity: 'O(N), N the connections',
    arity: -2,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    aclCategories: ['admin', 'slow', 'dangerous', 'connection'],
    arguments: [
      {
        name: 'client-type',
        type: 'oneof',
        token: 'TYPE',
        optional: true,
        arguments: [
          { name: 'normal', type: 'pure-token', token: 'NORMAL' },
          { name: 'master', type: 'pure-token', token: 'MASTER' },
          { name: 'replica', type: 'pure-token', token: 'REPLICA' },
          { name: 'pubsub', type: 'pure-token', token: 'PUBSUB' },
        ],
      },
      { name: 'client-id', type: 'integer', token: 'ID', optional: true, multiple: true },
    ],
    replyShape: shape.oneOf(shape.bulk, shape.verbatim),
    reply: 'Bulk string (RESP3: verbatim string): one line per connection.',
    errors: ["`ERR Unknown client type 'x'`", '`ERR Invalid client ID`', '`ERR syntax error`'],
    handler(client, argv) {
      let ids: Set<number> | null = null;
      let type: string | null = null;
      if (argv.length > 2) {
        const opt = asciiUpper(argv[2]!);
        if (opt === 'TYPE' && argv.length === 4) {
          type = asciiLower(argv[3]!);
          if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type))
            throw new CommandError(`ERR Unknown client type '${argv[3]}'`);
        } else if (opt === 'ID' && argv.length > 3) {
          ids = new Set();
          for (const s of argv.slice(3)) {
            if (!/^[1-9][0-9]*$/.test(s)) throw new CommandError('ERR Invalid client ID');
            ids.add(Number(s));
          }
        } else throw new CommandError('ERR syntax error');
      }
      const now = Date.now();
      let out = '';
      for (const c of client.server.clients()) {
        if (ids !== null && !ids.has(c.id)) continue;
        // No replicas here: every client is `normal` or, while subscribed, `pubsub`.
        if (type !== null && type !== (isSubscribed(c) ? 'pubsub' : 'normal')) continue;
        out += clientInfoLine(c, now) + '\n';
      }
      return new VerbatimReply(out);
    },
  }),
  sub({
    name: 'KILL',
    summary: 'Closes connections by ID or address.',
    complexity: 'O(N), N the connections',
    arity: -3,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    aclCategories: ['admin', 'slow', 'dangerous', 'connection'],
    arguments: [
      {
        name: 'filter',
        type: 'oneof',
        arguments: [
          { name: 'ip:port', type: 'string' },
          {
            name: 'new-format',
            type: 'block',
            multiple: true,
            arguments: [
              { name: 'client-id', type: 'integer', token: 'ID', optional: true },
              { name: 'ip:port', type: 'string', token: 'ADDR', optional: true },
              {
                name: 'skipme',
                type: 'oneof',
                token: 'SKIPME',
                optional: true,
                arguments: [
                  { name: 'yes', type: 'pure-token', token: 'YES' },
                  { name: 'no', type: 'pure-token', token: 'NO' },
                ],
              },
            ],
          },
        ],
      },
    ],
    replyShape: shape.oneOf(shape.simple('OK'), shape.integer()),
    reply:
      'Simple string `OK` for the old `CLIENT KILL ip:port` form; otherwise the number of connections closed. ' +
      'The filter forms skip the calling connection unless `SKIPME no`.',
    errors: ['`ERR No such client`', '`ERR syntax error`', '`ERR client-id should be greater than 0`'],
    handler(client, argv) {
      const all = [...client.server.clients()];
      if (argv.length === 3) {
        const target = all.find((c) => c.addr === argv[2]);
        if (target === undefined) throw new CommandError('ERR No such client');
        if (target === client) target.closeAfterReply();
        else target.kill();
        return OK;
      }
      if (argv.length % 2 !== 0) throw new CommandError('ERR syntax error');
      let id: number | null = null;
      let addr: string | null = null;
      let skipMe = true;
      for (let i = 2; i < argv.length; i += 2) {
        const filter = asciiUpper(argv[i]!);
        const value = argv[i + 1]!;
        if (filter === 'ID') {
          if (!/^-?[0-9]+$/.test(value) || Number(value) <= 0) throw new CommandError('ERR client-id should be greater than 0');
          id = parseInteger(value);
        } else if (filter === 'ADDR') addr = value;
        else if (filter === 'SKIPME') {
          const v = asciiLower(value);
          if (v !== 'yes' && v !== 'no') throw new CommandError('ERR syntax error');
          skipMe = v === 'yes';
        } else throw new CommandError('ERR syntax error');
      }
      const victims = all.filter((c) => (id === null || c.id === id) && (addr === null || c.addr === addr) && !(skipMe && c === client));
      // Redis frees another client at once (it leaves CLIENT LIST now); the caller gets this reply first.
      for (const v of victims)
        if (v === client) v.closeAfterReply();
        else v.kill();
      return victims.length;
    },
  }),
  onOffSub(
    'NO-EVICT',
    '7.0.0',
    'Accepted for tools that set it: no client is ever evicted for memory here (only the output-buffer limits close clients).',
  ),
  onOffSub('NO-TOUCH', '7.2.0', 'Accepted for tools that set it: keys have no access time to touch.'),
];

// CLIENT PAUSE is left out on purpose: holding heartbeats while the liveness clock runs on would turn a pause
// into a fleet going offline; Redis pauses expiry during a pause, and the registry's deadlines cannot wait.
function onOffSub(name: string, since: string, notes: string): CommandSpec {
  return sub({
    name,
    summary: `Sets the ${name.toLowerCase()} mode of the connection (ON or OFF): a no-op here.`,
    since,
    complexity: 'O(1)',
    arity: 3,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    aclCategories: ['admin', 'slow', 'dangerous', 'connection'],
    arguments: [
      {
        name: 'enabled',
        type: 'oneof',
        arguments: [
          { name: 'on', type: 'pure-token', token: 'ON' },
          { name: 'off', type: 'pure-token', token: 'OFF' },
        ],
      },
    ],
    replyShape: shape.simple('OK'),
    reply: 'Simple string `OK`.',
    errors: ['`ERR syntax error` for anything but ON or OFF'],
    notes,
    handler(_client, argv) {
      const v = asciiLower(argv[2]!);
      if (v !== 'on' && v !== 'off') throw new CommandError('ERR syntax error');
      return OK;
    },
  });
}

subcommands.push(helpSubcommand('CLIENT', 'connection', subcommands));

export default defineCommand({
  name: 'CLIENT',
  summary: 'A container for client connection commands.',
  since: '2.4.0',
  group: 'connection',
  complexity: 'Depends on subcommand.',
  arity: -2,
  flags: [],
  aclCategories: ['slow'],
  reply: 'Depends on subcommand.',
  subcommands,
});
