// In-process command harness, in the style of fastify's `inject`: a request goes through the real dispatcher
// (the same path as a socket's: the HBEAT fast path, arity, auth, ACL, MULTI) of a real RegistryServer that never
// listens, and comes back as the reply value plus its RESP2 and RESP3 bytes. Every reply is checked against
// its command's declared reply shape (spec.replyShape), so the documented reply cannot drift from the handler.

import { expect } from 'chai';
import type { ClientState, QueuedCommand } from '../../src/commands/context.js';
import type { ResolvedCommand } from '../../src/commands/table.js';
import { dispatch } from '../../src/commands/dispatch.js';
import { describeShape, replyShapeMismatch } from '../../src/commands/reply-shape.js';
import { RequestDecoder } from '../../src/resp/decoder.js';
import { encodeReply } from '../../src/resp/encoder.js';
import { ErrorReply, QUEUED, RawReply, type Reply } from '../../src/resp/reply.js';
import { afterCommand } from '../../src/server/command-timing.js';
import type { Protocol } from '../../src/resp/encoder.js';
import { RegistryServer, type ServerOptions } from '../../src/server/server.js';
import { ManualClock } from './clock.js';

export interface Injected {
  /** The reply value the command returned. */
  reply: Reply;
  /** Its bytes for a RESP2 and a RESP3 client. */
  resp2: string;
  resp3: string;
  /** The error text when the reply is an error (`ERR ...`), else null. */
  error: string | null;
}

let nextId = 1;

/** A client of the harness: the ClientState a socket's connection would be, without the socket. */
export class InjectClient implements ClientState {
  readonly id = nextId++;
  readonly addr = '127.0.0.1:1';
  readonly laddr = '127.0.0.1:6390';
  readonly createdAtMs: number;
  name: string | null = null;
  proto: Protocol = 2;
  libName: string | null = null;
  libVersion: string | null = null;
  authenticated: boolean;
  user: ClientState['user'];
  lastCommand = '';
  current: ResolvedCommand | null = null;
  lastInteractionMs: number;
  multi: QueuedCommand[] | null = null;
  multiDirty = false;
  readonly blocked = false;
  inTransaction = false;
  readonly subscriptions = new Set<string>();
  readonly patterns = new Set<string>();
  readonly fd = -1;
  /** Replies pushed outside the request flow (pub/sub messages), oldest first. */
  readonly pushed: Reply[] = [];
  closed = false;
  private readonly closeHooks = new Set<() => void>();

  constructor(readonly server: RegistryServer) {
    this.user = server.acl.defaultUser;
    this.authenticated = server.acl.defaultLogsIn;
    this.createdAtMs = this.lastInteractionMs = server.registry.now();
  }

  push(reply: Reply): void {
    this.pushed.push(reply);
  }
  onClose(fn: () => void): () => void {
    this.closeHooks.add(fn);
    return () => this.closeHooks.delete(fn);
  }
  closeAfterReply(): void {
    this.closed = true;
  }
  kill(): void {
    this.closed = true;
    for (const fn of this.closeHooks) fn();
  }
  queryBufferBytes(): number {
    return 0;
  }
  outputBufferBytes(): number {
    return 0;
  }
}

/** A request as a socket would carry it: one RESP2 multibulk, decoded by the real decoder. */
function frameOf(argv: readonly string[]): RequestDecoder {
  const decoder = new RequestDecoder();
  decoder.push(Buffer.from(`*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')));
  if (!decoder.nextFrame()) throw new Error(`harness: ${JSON.stringify(argv)} did not decode to one request`);
  return decoder;
}

/** A bulk reply (a string or bytes) as text, for assertions; anything else is a test failure. */
export function str(reply: Reply): string {
  if (typeof reply === 'string') return reply;
  if (Buffer.isBuffer(reply)) return reply.toString('utf8');
  throw new Error(`expected a bulk string, got ${typeof reply}`);
}

function text(bytes: Buffer): string {
  return bytes.toString('utf8');
}

/** A server (never listening, manual clock) and clients that run commands against it in-process. */
export class Harness {
  readonly server: RegistryServer;
  readonly clock: ManualClock;
  /** Commands run, by name: a test file can check that it covered its command. */
  readonly seen = new Map<string, number>();

  constructor(options: ServerOptions = {}) {
    this.clock = new ManualClock();
    this.server = new RegistryServer({ port: 0, clock: this.clock, ...options });
  }

  client(proto: Protocol = 2): InjectClient {
    const c = new InjectClient(this.server);
    c.proto = proto;
    return c;
  }

  /**
   * Runs one command for `client` (a fresh RESP2 client by default) and returns its reply. Throws when the reply
   * does not have the shape its spec declares.
   */
  async run(argv: readonly string[], client: InjectClient = this.client()): Promise<Injected> {
    client.current = null;
    const frame = frameOf(argv);
    const startedAt = performance.now();
    const reply = await dispatch(client, frame);
    const command = client.current as ResolvedCommand | null;
    const spec = command?.spec;
    // As a connection does after each command: its time in the command stats, the slow log and latency monitor,
    // and an error reply in the error stats.
    const ops = this.server.ops;
    if (command !== null) {
      this.seen.set(command.fullName, (this.seen.get(command.fullName) ?? 0) + 1);
      const ns = (performance.now() - startedAt) * 1e6;
      command.stats.usec += ns / 1000;
      command.stats.latency.record(ns);
      if (ns >= ops.slowlogThresholdNs || ns >= ops.latencyThresholdNs) afterCommand(client, frame, command, ns);
    }
    if (reply instanceof ErrorReply) ops.errors.record(reply.message);
    // A command queued inside MULTI has not run: +QUEUED is the transaction's answer, not the command's.
    if (spec?.replyShape !== undefined && reply !== QUEUED) {
      const mismatch = replyShapeMismatch(reply, spec.replyShape);
      if (mismatch !== null) {
        throw new Error(
          `${argv.join(' ')}: reply does not match ${spec.name}'s replyShape (${describeShape(spec.replyShape)}): ${mismatch}`,
        );
      }
    }
    const error =
      reply instanceof ErrorReply
        ? reply.message
        : reply instanceof RawReply && reply.text.startsWith('-')
          ? reply.text.slice(1, -2)
          : null;
    return { reply, resp2: text(encodeReply(reply, 2)), resp3: text(encodeReply(reply, 3)), error };
  }

  /**
   * Runs `argv` for a RESP2 and then a RESP3 client and checks that each is refused with exactly `message`, as the
   * same `-message` line in both protocols. Returns the error text.
   */
  async refuses(argv: readonly string[], message: string | RegExp): Promise<string> {
    let error = '';
    for (const proto of [2, 3] as const) {
      const r = await this.run(argv, this.client(proto));
      expect(r.error, `${argv.join(' ')} (RESP${proto}) should be refused`).to.be.a('string');
      if (typeof message === 'string') expect(r.error, `RESP${proto}`).to.equal(message);
      else expect(r.error, `RESP${proto}`).to.match(message);
      expect(r.resp2).to.equal(`-${r.error}\r\n`);
      expect(r.resp3).to.equal(r.resp2);
      error = r.error!;
    }
    return error;
  }

  /** Runs `argv` for a RESP2 and a RESP3 client (read-only commands): both results, checked against the shape. */
  async both(argv: readonly string[]): Promise<{ resp2: Injected; resp3: Injected }> {
    return { resp2: await this.run(argv, this.client(2)), resp3: await this.run(argv, this.client(3)) };
  }

  stop(): void {
    this.server.registry.stop();
  }
}
