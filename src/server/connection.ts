// One client connection: bytes in → decoder → dispatcher → reply writer → socket writes at the end of each
// batch. Owns the connection state (protocol, id, name, auth, transaction), its backpressure and its output
// limits, and is the boundary nothing a client causes may cross: any exception closes this client only.

import type { Socket } from 'node:net';
import type { ClientState, QueuedCommand, ServerContext } from '../commands/context.js';
import { isSubscribed } from '../commands/context.js';
import { dispatch } from '../commands/dispatch.js';
import type { ResolvedCommand } from '../commands/table.js';
import { afterCommand } from './command-timing.js';
import { ProtocolError, RequestDecoder, type DecoderLimits } from '../resp/decoder.js';
import { ReplyWriter, type Protocol } from '../resp/encoder.js';
import { ErrorReply, type Reply } from '../resp/reply.js';
import type { AclUser } from '../acl/user.js';
import type { Clock } from '../registry/types.js';
import type { OutputBufferLimit } from '../settings/settings.js';
import { scheduleFlush } from './write-batch.js';
import { formatAddress, socketFd } from './listeners.js';

/** One class of Redis' `client-output-buffer-limit <class> <hard> <soft> <soft-seconds>`; 0 turns a limit off. */
export type OutputBufferLimits = OutputBufferLimit;

/** What a connection needs from the server that owns it. */
export interface ConnectionHost extends ServerContext {
  readonly limits: DecoderLimits;
  /** Output limits by client class: `normal`, and `pubsub` for a client subscribed to anything. */
  readonly outputLimits: { normal: OutputBufferLimits; pubsub: OutputBufferLimits };
  readonly clock: Clock;
  /** The connection is gone: forget it (CLIENT LIST, connected_clients, maxclients). */
  forget(c: Connection): void;
  /** The connection went over a soft output limit (or back under it): the server's cron watches it. */
  watchSoftLimit(c: Connection, over: boolean): void;
}

/** A client that never reads the reply to its QUIT or error is closed anyway after this long. */
const CLOSE_GRACE_MS = 10_000;

export class Connection implements ClientState {
  name: string | null = null;
  proto: Protocol = 2;
  libName: string | null = null;
  libVersion: string | null = null;
  authenticated: boolean;
  user: AclUser;
  lastCommand = 'NULL';
  current: ResolvedCommand | null = null;
  lastInteractionMs: number;
  multi: QueuedCommand[] | null = null;
  multiDirty = false;
  inTransaction = false;
  readonly subscriptions = new Set<string>();
  readonly patterns = new Set<string>();
  readonly createdAtMs: number;
  readonly addr: string;
  readonly laddr: string;
  /** The socket's file descriptor, or -1 where the platform does not expose it. */
  readonly fd: number;

  private readonly decoder: RequestDecoder;
  private readonly writer = new ReplyWriter(2);
  /** A command is waiting (blocking reply): later requests stay queued in the decoder, in order. */
  private waiting = false;
  /** The socket refused more output: stop reading until it drains. */
  private congested = false;
  /** Held by a shutdown that is saving: nothing this client sends runs until it lets go. */
  private held = false;
  /** No more requests are read: the connection closes once its pending replies are written. */
  private closing = false;
  /** The socket is shut for writing; it is destroyed once the kernel has taken the last bytes. */
  private ending = false;
  /** Destroyed and forgotten by the server. */
  private gone = false;
  /** Inside run(): replies are flushed once at the end of the batch. */
  private running = false;
  /** Since when (server clock) the output buffer has been over the soft limit (-1: it is not). */
  private overSoftLimitSince = -1;
  private readonly closeHooks = new Set<() => void>();

  constructor(
    readonly id: number,
    readonly server: ConnectionHost,
    private readonly socket: Socket,
  ) {
    this.decoder = new RequestDecoder(server.limits, () => !this.authenticated);
    this.user = server.acl.defaultUser;
    this.authenticated = server.acl.defaultLogsIn;
    this.createdAtMs = this.lastInteractionMs = Date.now();
    this.addr = formatAddress(socket.remoteAddress, socket.remotePort);
    this.laddr = formatAddress(socket.localAddress, socket.localPort);
    this.fd = socketFd(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.guard(() => this.onData(chunk)));
    socket.on('drain', () => this.guard(() => this.onDrain()));
    socket.on('error', () => this.terminate());
    socket.on('close', () => this.terminate());
  }

  get blocked(): boolean {
    return this.waiting;
  }

  /** Close once the replies written so far are sent (QUIT, CLIENT KILL of the calling client). */
  closeAfterReply(): void {
    this.closing = true;
    if (!this.running) this.guard(() => this.flush());
  }

  /** Closes at once, dropping pending output, as Redis frees a killed client (CLIENT KILL, output limits). */
  kill(): void {
    this.terminate();
  }

  onClose(fn: () => void): () => void {
    this.closeHooks.add(fn);
    return () => void this.closeHooks.delete(fn);
  }

  /** Writes a pub/sub message (outside the request/response flow). */
  push(reply: Reply): void {
    if (this.closing || this.gone) return;
    this.guard(() => {
      this.writer.proto = this.proto;
      this.writer.write(reply);
      // Messages published in one go (a batch of transitions) leave in one socket write.
      if (!this.running) scheduleFlush(this);
      this.checkOutputLimits();
    });
  }

  queryBufferBytes(): number {
    return this.decoder.pendingBytes;
  }

  /** Reply bytes not yet taken by the kernel, including an estimate for a large reply still being encoded. */
  outputBufferBytes(): number {
    return this.writer.estimatedLength + (this.gone ? 0 : this.socket.writableLength);
  }

  /** Closes at once (server shutdown). */
  destroy(): void {
    this.terminate();
  }

  /**
   * Redis' checkClientOutputBufferLimits: past the hard limit, or over the soft limit for longer than its
   * seconds, the client is disconnected rather than allowed to grow the server's memory. Called after
   * output is added and, for a client over its soft limit, by the server's cron (a client that stopped
   * reading gets no new output to trigger the check).
   */
  checkOutputLimits(): void {
    if (this.gone) return;
    const limits = isSubscribed(this) ? this.server.outputLimits.pubsub : this.server.outputLimits.normal;
    const { hardBytes, softBytes, softSeconds } = limits;
    if (hardBytes === 0 && softBytes === 0 && this.overSoftLimitSince < 0) return;
    const pending = this.outputBufferBytes();
    if (hardBytes > 0 && pending >= hardBytes) return this.dropForOutput(pending, 'hard');
    if (softBytes > 0 && pending >= softBytes) {
      const now = this.server.clock.now();
      if (this.overSoftLimitSince < 0) {
        this.overSoftLimitSince = now;
        this.server.watchSoftLimit(this, true);
      } else if (now - this.overSoftLimitSince > softSeconds * 1000) return this.dropForOutput(pending, 'soft');
    } else if (this.overSoftLimitSince >= 0) {
      this.overSoftLimitSince = -1;
      this.server.watchSoftLimit(this, false);
    }
  }

  private dropForOutput(pending: number, which: string): void {
    this.server.stats.outputLimitDisconnections++;
    const cls = isSubscribed(this) ? 'pubsub' : 'normal';
    this.server.log.warning(
      `Closing client id=${this.id} addr=${this.addr}: ${cls} output buffer ${pending} bytes over the ${which} limit`,
    );
    this.kill();
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

  /** Stops (or restarts) running what this client sends; its socket stops being read meanwhile. */
  hold(on: boolean): void {
    if (this.held === on || this.gone) return;
    this.held = on;
    if (on) this.socket.pause();
    else {
      if (!this.congested) this.socket.resume();
      if (!this.waiting && !this.closing) this.run();
    }
  }

  /** Runs every complete request the decoder holds, unless a command is waiting or output is congested. */
  private run(): void {
    const writer = this.writer;
    const ops = this.server.ops;
    this.running = true;
    // One clock read per request: each one's time runs from the end of the one before (its decoding included).
    let startedAt = performance.now();
    try {
      while (!this.waiting && !this.closing && !this.congested && !this.held) {
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
        this.current = null;
        const reply = dispatch(this, this.decoder);
        const endedAt = performance.now();
        const command = this.current as ResolvedCommand | null;
        if (command !== null) {
          const ns = (endedAt - startedAt) * 1e6;
          command.stats.usec += ns / 1000;
          command.stats.latency.record(ns);
          if (ns >= ops.slowlogThresholdNs || ns >= ops.latencyThresholdNs) afterCommand(this, this.decoder, command, ns);
        }
        startedAt = endedAt;
        if (reply instanceof ErrorReply) ops.errors.record(reply.message);
        if (reply instanceof Promise) {
          this.waiting = true;
          reply.then(
            (r) => this.guard(() => this.resume(r)),
            (e) => this.guard(() => this.resume(new ErrorReply(`ERR ${String(e)}`))),
          );
          break;
        }
        writer.proto = this.proto;
        writer.write(reply);
        // Keep a long pipeline, or one large reply, from buffering in memory: write as the socket takes it.
        if (writer.pendingLength > 64 * 1024 || writer.streaming) this.flush();
      }
    } finally {
      this.running = false;
    }
    if (this.gone) return;
    this.checkOutputLimits();
    scheduleFlush(this);
  }

  private resume(reply: Reply): void {
    this.waiting = false;
    if (reply instanceof ErrorReply) this.server.ops.errors.record(reply.message);
    if (this.gone) return;
    this.writer.proto = this.proto;
    this.writer.write(reply);
    this.run();
  }

  /** Writes what is buffered, as far as the socket takes it (also called for every connection at the end of an event-loop turn). */
  flush(): void {
    if (this.gone) return;
    const socket = this.socket;
    if (!this.congested && !this.writer.isEmpty) {
      socket.cork();
      try {
        for (let chunk = this.writer.takeChunk(); chunk !== null; chunk = this.writer.takeChunk()) {
          if (!socket.write(chunk)) {
            this.congested = true;
            socket.pause();
            break;
          }
        }
      } finally {
        socket.uncork();
      }
    }
    if (this.closing && this.writer.isEmpty) this.endAndClose();
    else this.checkOutputLimits();
  }

  /**
   * Redis writes the last reply and closes the descriptor: the peer sees the end of the stream, and anything
   * it writes afterwards is refused (a broken pipe), instead of a half-open socket that still counts
   * against maxclients.
   */
  private endAndClose(): void {
    if (this.ending || this.gone) return;
    this.ending = true;
    this.socket.once('finish', () => this.terminate());
    this.socket.end();
    setTimeout(() => this.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** The one way a connection ends: forgotten by the server at once, its socket destroyed. */
  private terminate(): void {
    if (this.gone) return;
    this.gone = true;
    this.closing = true;
    this.writer.clear();
    this.socket.destroy();
    if (this.overSoftLimitSince >= 0) this.server.watchSoftLimit(this, false);
    for (const ch of [...this.subscriptions]) this.server.pubsub.unsubscribe(this, ch);
    for (const p of [...this.patterns]) this.server.pubsub.punsubscribe(this, p);
    const hooks = [...this.closeHooks];
    this.closeHooks.clear();
    for (const fn of hooks) fn();
    this.server.forget(this);
  }

  /**
   * The kernel often takes the bytes at once, and the drain then comes in the same turn of the event loop: going
   * on from here would write a long reply whole, slice after slice, before any other client is served (100k hive
   * ids: one block of ~100 ms). The next slice is written in the next turn instead.
   */
  private onDrain(): void {
    if (this.congested) setImmediate(() => this.guard(() => this.drained()));
  }

  private drained(): void {
    if (!this.congested) return;
    this.congested = false;
    this.socket.resume();
    this.flush();
    if (!this.congested && !this.closing) this.run();
  }

  /** Redis replies `-ERR Protocol error: …` and closes the connection; nothing else is affected. */
  private protocolError(e: unknown): void {
    if (!(e instanceof ProtocolError)) throw e;
    this.server.stats.protocolErrors++;
    const reply = new ErrorReply(`ERR ${e.message}`);
    this.server.ops.errors.record(reply.message);
    this.writer.write(reply);
    this.closing = true;
    this.flush();
  }

  /**
   * Runs `fn` at the connection boundary: an exception from decoding, a handler or encoding (a bug, or a
   * limit the code cannot honour) is logged, this client gets an error and is closed, and the server and
   * every other client carry on.
   */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    if (this.gone) return;
    const message = e instanceof Error ? e.message : String(e);
    this.server.log.warning(
      `Closing client id=${this.id} addr=${this.addr} after an internal error: ${e instanceof Error ? e.stack : message}`,
    );
    this.running = false;
    this.waiting = false;
    try {
      // What was half encoded is dropped; the client learns why it is being closed.
      this.writer.clear();
      this.writer.write(new ErrorReply(`ERR internal error: ${message}`));
      this.closing = true;
      this.flush();
    } catch {
      this.terminate();
    }
  }

  /** flushAll's entry: a failure while encoding one client's replies must not stop the others'. */
  flushGuarded(): void {
    this.guard(() => this.flush());
  }
}
