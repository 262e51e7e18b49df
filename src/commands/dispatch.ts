// The dispatcher: argv → command lookup, arity check, auth, MULTI queueing → handler → reply value.
// Every error a command can cause is turned into a reply here; nothing a client sends can throw past it.

import { asciiLower } from '../settings/values.js';
import { ErrorReply, QUEUED, SimpleString, type Reply } from '../resp/reply.js';
import { monitorLine, quoteArg, redactedArgs } from './ops/monitor-line.js';
import { RegistryError } from '../registry/types.js';
import { isSubscribed, type ClientState, type Log } from './context.js';
import { CommandError, unknownCommand, unknownSubcommand, wrongArity } from './errors.js';
import type { ResolvedCommand } from './table.js';
import type { RequestFrame } from '../resp/decoder.js';
import { checkAccess, denialError, frameKeysAllowed } from '../acl/check.js';
import { clientInfoLine } from './server/CLIENT.js';

const NOAUTH = new ErrorReply('NOAUTH Authentication required.');

/**
 * Finds the command (or subcommand) and checks its arity. Returns an error reply when that fails. `top` is the
 * lookup of argv[0] when the caller already made it.
 */
export function resolve(client: ClientState, argv: string[], top = client.server.commands.lookup(argv[0]!)): ResolvedCommand | ErrorReply {
  let command = top;
  if (command === undefined) return unknownCommand(argv);
  if (command.subcommands !== null && (argv.length >= 2 || command.spec.handler === undefined)) {
    if (argv.length < 2) return wrongArity(command.fullName);
    const sub = command.subcommands.get(asciiLower(argv[1]!));
    if (sub === undefined) return unknownSubcommand(command.spec.name, argv[1]!);
    command = sub;
  }
  const arity = command.spec.arity;
  if ((arity > 0 && argv.length !== arity) || argv.length < -arity) return wrongArity(command.fullName);
  return command;
}

const NO_RAW: Buffer[] = [];

/** Runs a command for a client: the whole path from the decoded request to a reply value. */
export function dispatch(client: ClientState, frame: RequestFrame): Reply | Promise<Reply> {
  const n = frame.frameLength;
  const name = frame.argString(0);
  const top = client.server.commands.lookup(name);
  if (top !== undefined) {
    const bad = frame.firstNonUtf8(Math.min(top.spec.bytesFrom ?? n, n));
    if (bad >= 0) return notUtf8(client, top, frame, bad);
  }
  // The hot path (HBEAT): a plain request outside MULTI, pub/sub mode and pending auth, read from its bytes,
  // through the same ACL check (one byte read for the command; keys only for a user without allkeys). A
  // denial takes the ordinary path below, which words and logs it.
  if (
    top?.spec.frameHandler !== undefined &&
    client.multi === null &&
    client.authenticated &&
    !isSubscribed(client) &&
    client.user.allowed[top.id] === 1 &&
    (client.user.allKeys || frameKeysAllowed(client.user, top, frame))
  ) {
    let reply: Reply | undefined;
    try {
      reply = top.spec.frameHandler(client, frame);
    } catch (e) {
      // The fast path declines what it cannot judge, but a check deeper down (the registry's) may still refuse.
      reply = toErrorReply(e);
    }
    if (reply !== undefined) {
      client.lastCommand = top.fullName;
      client.current = top;
      client.server.stats.totalCommandsProcessed++;
      const stats = top.stats;
      stats.calls++;
      if (reply instanceof ErrorReply) stats.failedCalls++;
      if (client.server.ops.monitors.size > 0) feedMonitors(client, frame.frameLength, (i) => frame.argBuffer(i));
      return reply;
    }
  }
  const argv = new Array<string>(n);
  argv[0] = name;
  for (let i = 1; i < n; i++) argv[i] = frame.argString(i);
  const command = resolve(client, argv, top);
  if (command instanceof ErrorReply) {
    // Redis counts a known command refused for its arity as a rejected call of it.
    return reject(client, top === undefined ? undefined : (top.subcommands?.get(asciiLower(argv[1] ?? '')) ?? top), command);
  }
  const spec = command.spec;
  let raw = NO_RAW;
  if (spec.bytesFrom !== undefined) {
    raw = new Array<Buffer>(n);
    for (let i = 0; i < n; i++) raw[i] = frame.argBuffer(i);
  }
  if (!client.authenticated && !spec.flags.includes('no-auth')) return reject(client, command, NOAUTH);
  const denied = aclDenied(client, command, argv, 'toplevel');
  if (denied !== null) return reject(client, command, denied);
  if (client.proto === 2 && !spec.allowedInSubscribe && isSubscribed(client)) {
    return reject(
      client,
      command,
      new ErrorReply(
        `ERR Can't execute '${command.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      ),
    );
  }
  if (client.multi !== null && !spec.runsInMulti) {
    if (spec.flags.includes('no-multi')) return reject(client, command, new ErrorReply('ERR Command not allowed inside a transaction'));
    client.multi.push({ argv, raw });
    return QUEUED;
  }
  return call(client, command, argv, raw);
}

/**
 * A request with an argument that is not valid UTF-8 where text is read (every argument but ECHO's, PING's and
 * PUBLISH's payload). Arguments become strings, and decoding turns every invalid byte into U+FFFD: `bin-\xff`
 * and `bin-\xfe` would be one worker, one key, one channel, one password. Refused before anything runs, on
 * every path (the HBEAT fast path, MULTI's queue, JSON payloads), the argument named by position and shown as
 * Redis quotes bytes (secrets redacted).
 */
function notUtf8(client: ClientState, top: ResolvedCommand, frame: RequestFrame, bad: number): ErrorReply {
  const value = redactedArgs(frame.frameLength, (i) => frame.argBuffer(i))[bad]!;
  const shown = quoteArg(value.subarray(0, 128)) + (value.length > 128 ? '…' : '');
  return reject(
    client,
    top,
    new ErrorReply(
      `ERR invalid argument #${bad} ${shown} for '${asciiLower(top.spec.name)}': not valid UTF-8 ` +
        '(ids, names and options are text; only the message of ECHO, PING and PUBLISH may hold any bytes)',
    ),
  );
}

/**
 * A request refused before it runs (Redis' rejectCommand). Inside MULTI the refusal marks the transaction so
 * that EXEC aborts it; a refused EXEC discards the transaction at once and says why, so a client that sent EXEC
 * is never left inside MULTI (clients and pipelines assume EXEC ends it, whatever it answers). Redis words every
 * refusal of EXEC so, in MULTI or not (`EXEC x` alone answers EXECABORT too).
 */
function reject(client: ClientState, command: ResolvedCommand | undefined, error: ErrorReply): ErrorReply {
  if (command !== undefined) command.stats.rejectedCalls++;
  if (command?.spec.name === 'EXEC') {
    client.multi = null;
    client.multiDirty = false;
    // Redis words its own refusals without a code here ("because of: wrong number of arguments ..."), and keeps
    // the code of one that has its own (NOPERM, NOAUTH).
    const why = error.message.startsWith('ERR ') ? error.message.slice(4) : error.message;
    return new ErrorReply(`EXECABORT Transaction discarded because of: ${why}`);
  }
  if (client.multi !== null) client.multiDirty = true;
  return error;
}

/** Checks the client's user may run this request; logs and counts a denial and returns its error reply. */
export function aclDenied(client: ClientState, command: ResolvedCommand, argv: string[], context: 'toplevel' | 'multi'): ErrorReply | null {
  const user = client.user;
  const d = checkAccess(user, command, argv.length, (i) => argv[i]!);
  if (d === null) return null;
  client.server.acl.recordDenial(d.reason, context, d.object, user.name, clientInfoLine(client, Date.now()));
  return new ErrorReply(denialError(user, command, d));
}

/**
 * Calls a resolved command's handler, turning thrown errors into error replies. Counts the call (and a failure)
 * in the command's stats; the request's time goes to the outermost command (EXEC for the ones it runs).
 */
export function call(client: ClientState, command: ResolvedCommand, argv: string[], raw: Buffer[]): Reply | Promise<Reply> {
  client.lastCommand = command.fullName;
  if (client.current === null) client.current = command;
  const server = client.server;
  server.stats.totalCommandsProcessed++;
  const stats = command.stats;
  stats.calls++;
  if (server.ops.monitors.size > 0 && !command.spec.flags.includes('admin')) {
    feedMonitors(client, argv.length, (i) => raw[i] ?? Buffer.from(argv[i]!));
  }
  const started = performance.now();
  try {
    const reply = command.spec.handler!(client, argv, raw);
    // A blocking command's wait is not work done on the event loop: only its synchronous part is timed.
    if (reply instanceof Promise) {
      return reply.then(
        (r) => {
          if (r instanceof ErrorReply) stats.failedCalls++;
          return r;
        },
        (e) => {
          stats.failedCalls++;
          return toErrorReply(e, server.log);
        },
      );
    }
    if (reply instanceof ErrorReply) stats.failedCalls++;
    return reply;
  } catch (e) {
    stats.failedCalls++;
    return toErrorReply(e, server.log);
  } finally {
    const tookMs = performance.now() - started;
    if (server.logSlowerThanMs > 0 && tookMs >= server.logSlowerThanMs) {
      server.log.notice(
        `Slow command: ${command.fullName} (${argv.length} arguments) took ${tookMs.toFixed(1)} ms, client id=${client.id} addr=${client.addr}`,
      );
    }
  }
}

/** Shows a command to every MONITOR client (the sender too, as Redis does), in Redis' line format. */
function feedMonitors(client: ClientState, argc: number, arg: (i: number) => Buffer): void {
  const monitors = client.server.ops.monitors;
  const line = new SimpleString(monitorLine(Number(client.server.wallClockMicros()), client.addr, redactedArgs(argc, arg)));
  for (const m of monitors) m.push(line);
}

export function toErrorReply(e: unknown, log?: Log): ErrorReply {
  if (e instanceof CommandError) return new ErrorReply(e.message);
  if (e instanceof RegistryError) return new ErrorReply(`ERR ${e.message}`);
  // A bug, not bad input: report it to this client only and keep serving everyone.
  const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
  if (log !== undefined) log.warning(`Internal error in command handler: ${detail}`);
  else console.error('internal error in command handler:', e);
  return new ErrorReply(`ERR internal error: ${e instanceof Error ? e.message : String(e)}`);
}
