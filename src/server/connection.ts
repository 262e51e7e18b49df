// One client connection: bytes in → decoder → dispatcher → reply writer → one socket write per read batch.
// Owns the connection state (protocol, id, name, auth, transaction) and its backpressure.

import type { Socket } from 'node:net';
import type { ClientState, QueuedCommand, ServerContext } from '../commands/context.js';
import { dispatch } from '../commands/dispatch.js';
import { ProtocolError, RequestDecoder, type DecoderLimits } from '../resp/decoder.js';
import { ReplyWriter, type Protocol } from '../resp/encoder.js';
import { ErrorReply, type Reply } from '../resp/reply.js';

export class Connection implements ClientState {
  name: string | null = null;
  proto: Protocol = 2;
  libName: string | null = null;
  libVersion: string | null = null;
  authenticated: boolean;
  lastCommand = 'NULL';
  lastInteractionMs: number;
  multi: QueuedCommand[] | null = null;
  multiDirty = false;
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

  constructor(
    readonly id: number,
    readonly server: ServerContext,
    private readonly socket: Socket,
    limits: DecoderLimits,
    private readonly onClose: (c: Connection) => void,
  ) {
    this.decoder = new RequestDecoder(limits);
    this.authenticated = server.requirePass === null;
    this.createdAtMs = this.lastInteractionMs = Date.now();
    this.addr = formatAddress(socket.remoteAddress, socket.remotePort);
    this.laddr = formatAddress(socket.localAddress, socket.localPort);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.closing = true;
      this.onClose(this);
    });
  }

  closeAfterReply(): void {
    this.closing = true;
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
    while (!this.waiting && !this.closing && !this.congested) {
      let argv: Buffer[] | null;
      try {
        argv = this.decoder.next();
      } catch (e) {
        this.protocolError(e);
        return;
      }
      if (argv === null) break;
      this.lastInteractionMs = Date.now();
      const reply = dispatch(this, argv);
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
    this.flush();
  }

  private resume(reply: Reply): void {
    this.waiting = false;
    if (this.socket.destroyed) return;
    this.writer.proto = this.proto;
    this.writer.write(reply);
    this.run();
  }

  private flush(): void {
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

function formatAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '?:0';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
