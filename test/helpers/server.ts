// Starts a real server in-process on a free loopback port; tests talk to it over real sockets.

import net from 'node:net';
import { RegistryServer, type ServerOptions } from '../../src/server/server.js';

export interface TestServer {
  server: RegistryServer;
  port: number;
  close(): Promise<void>;
}

export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const server = new RegistryServer({ port: 0, bind: '127.0.0.1', ...options });
  const port = await server.listen();
  return { server, port, close: () => server.close() };
}

/**
 * A raw socket client: send bytes, read bytes. `readUntil` resolves once the received bytes satisfy a
 * predicate (no sleeps), `closed` resolves when the server closes the connection.
 */
export class RawClient {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  readonly closed: Promise<void>;
  /** Resolves when the server's end of the stream arrives (with allowHalfOpen the socket stays open after). */
  readonly ended: Promise<void>;
  /** The first socket error's code (EPIPE, ECONNRESET…), once there is one. */
  errorCode: string | null = null;
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiters.forEach((w) => w());
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        resolve();
        this.waiters.forEach((w) => w());
      }),
    );
    this.ended = new Promise((resolve) => socket.once('end', resolve));
    socket.on('error', (e: NodeJS.ErrnoException) => (this.errorCode ??= e.code ?? e.message));
  }

  /** `allowHalfOpen`: keep this side open after the server's FIN, as a client that never calls close() does. */
  static connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: options.allowHalfOpen ?? false }, () =>
        resolve(new RawClient(socket)),
      );
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until the received bytes satisfy `done` (or the socket closes). */
  readUntil(done: (received: Buffer) => boolean, timeoutMs = 5000): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; received ${JSON.stringify(this.received.toString('latin1'))}`)),
        timeoutMs,
      );
      const check = () => {
        if (done(this.received) || this.socket.destroyed) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve(this.received);
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Sends and waits for `n` CRLF-terminated lines in total since the start of the connection. */
  async request(data: string | Buffer, untilText: string): Promise<string> {
    this.send(data);
    const out = await this.readUntil((b) => b.toString('latin1').includes(untilText));
    return out.toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }
}
