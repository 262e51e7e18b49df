// Shared set-up for the wire tests: a real server on a free port with a manual clock, and real ioredis
// clients that are tracked so every test closes what it opened.

import { Redis, type RedisOptions } from 'ioredis';
import type { ServerOptions } from '../../src/server/server.js';
import { ManualClock } from '../helpers/clock.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** An ioredis client in either reply mapping; registry replies are read through `call`, typed unknown. */
export type Client = Redis<'legacy' | 'resp3'>;

/** The ioredis configurations the registry must serve. */
export const MODES = [
  { name: 'RESP2', resp: 2, options: { protocol: 2 } },
  { name: 'RESP3', resp: 3, options: { protocol: 3, replyMapping: 'resp3' } },
] as const satisfies ReadonlyArray<{ name: string; resp: 2 | 3; options: RedisOptions & { replyMapping?: 'legacy' | 'resp3' } }>;

export class WireFixture {
  private readonly clients: Client[] = [];

  private constructor(
    readonly server: TestServer,
    readonly clock: ManualClock,
  ) {}

  /** Starts a server whose registry runs on a manual clock (pass `clock` to use another). */
  static async start(options: ServerOptions = {}): Promise<WireFixture> {
    const clock = new ManualClock();
    const server = await startTestServer({ clock, ...options });
    return new WireFixture(server, clock);
  }

  get port(): number {
    return this.server.port;
  }

  /** Connects an ioredis client and waits until it is ready (handshake and INFO ready check done). */
  async ioredis(options: RedisOptions & { replyMapping?: 'legacy' | 'resp3' } = {}): Promise<Client> {
    const client = this.ioredisLazy(options);
    await client.connect();
    return client;
  }

  /** An ioredis client that has not connected yet; it never reconnects, so a test failure cannot loop. */
  ioredisLazy(options: RedisOptions & { replyMapping?: 'legacy' | 'resp3' } = {}): Client {
    const client = new Redis({
      port: this.port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      ...options,
    });
    client.on('error', () => {});
    this.clients.push(client);
    return client;
  }

  private closing: Promise<void> | null = null;

  /** Disconnects every client and stops the server; calling it again waits for the first call. */
  close(): Promise<void> {
    if (this.closing === null) {
      for (const c of this.clients) c.disconnect();
      this.clients.length = 0;
      this.closing = this.server.close();
    }
    return this.closing;
  }
}

/** A record as an object, whether it came as a RESP3 map (object) or a RESP2 flat field/value array. */
export function record(reply: unknown): Record<string, unknown> {
  if (Array.isArray(reply)) {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
    return out;
  }
  if (reply !== null && typeof reply === 'object') return reply as Record<string, unknown>;
  throw new Error(`not a record: ${JSON.stringify(reply)}`);
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    const value = await p;
    throw new Error(`expected an error reply, got ${JSON.stringify(value)}`);
  } catch (e) {
    if (e instanceof Error && e.message.startsWith('expected an error reply')) throw e;
    return e as Error;
  }
}
