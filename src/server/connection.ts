// One client connection: bytes in → decoder → dispatcher → reply writer → one socket write per read batch.
// Owns the connection state (protocol, id, name, auth, transaction) and its backpressure.

import type { Socket } from 'node:net';
import type { ClientState, QueuedCommand, ServerContext } from '../commands/context.js';
import { dispatch } from '../commands/dispatch.js';
import { ProtocolError, RequestDecoder, type DecoderLimits } from '../resp/decoder.js';
import { ReplyWriter, type Protocol } from '../resp/encoder.js';
import { ErrorReply, type Reply } from '../resp/reply.js';
import type { AclUser } from '../acl/user.js';

/** Redis' `client-output-buffer-limit pubsub <hard> <soft> <soft-seconds>`. */
export interface OutputBufferLimits {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}

export class Connection implements ClientState {
  name: string | null = null;
  proto: Protocol = 2;
  libName: string | null = null;
  libVersion: string | null = null;
  authenticated: boolean;
  user: AclUser;
  lastCommand = 'NULL';
  lastInteractionMs: number;
  multi: QueuedCommand[] | null = null;
  multiDirty = false;
  inTransaction = false;
  readonly subscriptions = new Set<string>();
  readonly patterns = new Set<string>();
  readonly createdAtMs: number;
  readonly addr: string;
  readonly laddr: string;

  private readonly decoder: RequestDecoder;
  private readonly writer = new ReplyWriter(2);
  /** A command is waiting (blocking reply): later requests stay queued in the decoder, in order. */
  private waiting = false;
  /** The socket refused more output: stop reading until it drains. */
  private congested = false;
  private closing = false;
  /** Inside run(): replies are flushed once at the end of the batch. */
  private running = false;
  /** Since when the output buffer has been over the soft limit (0: it is not). */
  private overSoftLimitSince = 0;
  private readonly closeHooks = new Set<() => void>();

  constructor(
    readonly id: number,
    readonly server: ServerContext,
    private readonly socket: Socket,
    limits: DecoderLimits,
    private readonly outputLimits: OutputBufferLimits,
    private readonly closed: (c: Connection) => void,
  ) {
    this.decoder = new RequestDecoder(limits, () => !this.authenticated);
    this.user = server.acl.defaultUser;
    this.authenticated = server.acl.defaultLogsIn;
    this.createdAtMs = this.lastInteractionMs = Date.now();
    this.addr = formatAddress(socket.remoteAddress, socket.remotePort);
    this.laddr = formatAddress(socket.localAddress, socket.localPort);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.closing = true;
      for (const ch of [...this.subscriptions]) server.pubsub.unsubscribe(this, ch);
      for (const p of [...this.patterns]) server.pubsub.punsubscribe(this, p);
      const hooks = [...this.closeHooks];
      this.closeHooks.clear();
      for (const fn of hooks) fn();
      this.closed(this);
    });
  }

  get blocked(): boolean {
    return this.waiting;
  }

  closeAfterReply(): void {
    this.closing = true;
    // CLIENT KILL from another connection: this one may be idle, and no run() of its own would end it.
    if (!this.running) this.flush();
  }

  onClose(fn: () => void): () => void {
    this.closeHooks.add(fn);
    return () => void this.closeHooks.delete(fn);
  }

  /**
   * Writes a pub/sub message. A subscriber that does not read is bounded like Redis'
   * `client-output-buffer-limit pubsub`: past the hard limit, or over the soft limit for too long, it is
   * disconnected rather than allowed to grow the server's memory.
   */
  push(reply: Reply): void {
    if (this.closing || this.socket.destroyed) return;
    this.writer.proto = this.proto;
    this.writer.write(reply);
    // Messages published in one go (a batch of transitions) leave in one socket write.
    if (!this.running) scheduleFlush(this);
    const pending = this.outputBufferBytes();
    const { hardBytes, softBytes, softSeconds } = this.outputLimits;
    if (hardBytes > 0 && pending > hardBytes) return this.dropSlowSubscriber(pending, 'hard');
    if (softBytes > 0 && pending > softBytes) {
      const now = Date.now();
      if (this.overSoftLimitSince === 0) this.overSoftLimitSince = now;
      else if (now - this.overSoftLimitSince > softSeconds * 1000) return this.dropSlowSubscriber(pending, 'soft');
    } else this.overSoftLimitSince = 0;
  }

  private dropSlowSubscriber(pending: number, which: string): void {
    this.server.stats.outputLimitDisconnections++;
    console.warn(`rbee-registry: closing client id=${this.id} addr=${this.addr}: pubsub output buffer ${pending} bytes over the ${which} limit`);
    this.destroy();
  }

  queryBufferBytes(): number {
    return this.decoder.pendingBytes;
  }

  outputBufferBytes(): number {
    return this.writer.pendingLength + this.socket.writableLength;
  }

  /** Closes at once (server shutdown, CLIENT KILL of another connection handled via closeAfterReply). */
  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    try {
      this.decoder.push(chunk);
    } catch (e) {
      this.protocolError(e);
      return;
    }
    this.run();
  }

  /** Runs every complete request the decoder holds, unless a command is waiting or output is congested. */
  private run(): void {
    const writer = this.writer;
    this.running = true;
    while (!this.waiting && !this.closing && !this.congested) {
      let ready: boolean;
      try {
        ready = this.decoder.nextFrame();
      } catch (e) {
        this.running = false;
        this.protocolError(e);
        return;
      }
      if (!ready) break;
      this.lastInteractionMs = Date.now();
      const reply = dispatch(this, this.decoder);
      if (reply instanceof Promise) {
        this.waiting = true;
        reply.then(
          (r) => this.resume(r),
          (e) => this.resume(new ErrorReply(`ERR ${String(e)}`)),
        );
        break;
      }
      writer.proto = this.proto;
      writer.write(reply);
      // Keep a long pipeline from buffering its whole reply stream in memory.
      if (writer.pendingLength > 64 * 1024) this.flush();
    }
    this.running = false;
    scheduleFlush(this);
  }

  private resume(reply: Reply): void {
    this.waiting = false;
    if (this.socket.destroyed) return;
    this.writer.proto = this.proto;
    this.writer.write(reply);
    this.run();
  }

  /** Writes what is buffered now (also called for every connection at the end of an event-loop turn). */
  flush(): void {
    if (!this.writer.isEmpty && !this.socket.destroyed) {
      if (!this.socket.write(this.writer.take())) {
        this.congested = true;
        this.socket.pause();
      }
    }
    if (this.closing && !this.socket.destroyed) this.socket.end();
  }

  private onDrain(): void {
    if (!this.congested) return;
    this.congested = false;
    this.socket.resume();
    this.run();
  }

  /** Redis replies `-ERR Protocol error: …` and closes the connection; nothing else is affected. */
  private protocolError(e: unknown): void {
    if (!(e instanceof ProtocolError)) throw e;
    this.server.stats.protocolErrors++;
    this.writer.write(new ErrorReply(`ERR ${e.message}`));
    this.closing = true;
    this.flush();
  }
}

// Replies are written at the end of the event-loop turn, for every connection that has some, as Redis does in
// beforeSleep: a client then finds its replies together instead of being woken for each one, which matters
// most where wake-ups are dear (virtual machines).
const toFlush = new Set<Connection>();
let flushArmed = false;

function scheduleFlush(c: Connection): void {
  toFlush.add(c);
  if (!flushArmed) {
    flushArmed = true;
    setImmediate(flushAll);
  }
}

function flushAll(): void {
  flushArmed = false;
  const batch = [...toFlush];
  toFlush.clear();
  for (const c of batch) c.flush();
}

function formatAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '?:0';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
