// The TCP server: accepts connections, owns the registry, the command table and the settings. Knows commands
// only through the table.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { ConfigParam, ServerContext, ServerStats } from '../commands/context.js';
import { createCommandTable } from '../commands/index.js';
import type { CommandTable } from '../commands/table.js';
import { DEFAULT_LIMITS, type DecoderLimits } from '../resp/decoder.js';
import { encodeReply } from '../resp/encoder.js';
import { ErrorReply } from '../resp/reply.js';
import { WorkerRegistry } from '../registry/registry.js';
import type { Clock } from '../registry/types.js';
import { Connection } from './connection.js';

export interface ServerOptions {
  port?: number;
  bind?: string;
  requirePass?: string | null;
  maxClients?: number;
  offlineAfterMs?: number;
  limits?: Partial<DecoderLimits>;
  clock?: Clock;
}

export const DEFAULT_PORT = 6390;
export const DEFAULT_BIND = '127.0.0.1';

const VERSION: string = (() => {
  try {
    return JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
  } catch {
    return '0.0.0';
  }
})();

function positiveInt(name: string) {
  return (value: string): number => {
    if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new Error(`argument must be a positive integer`);
    }
    return Number(value);
  };
}

export class RegistryServer implements ServerContext {
  readonly registry: WorkerRegistry;
  readonly commands: CommandTable;
  readonly stats: ServerStats = { totalConnectionsReceived: 0, totalCommandsProcessed: 0, rejectedConnections: 0, protocolErrors: 0 };
  readonly version = VERSION;
  readonly runId = randomBytes(20).toString('hex');
  readonly startedAtMs = Date.now();
  readonly requirePass: string | null;
  readonly config = new Map<string, ConfigParam>();
  readonly limits: DecoderLimits;
  tcpPort = 0;
  maxClients: number;

  private readonly bind: string;
  private readonly requestedPort: number;
  private readonly connections = new Set<Connection>();
  private readonly net: net.Server;
  private nextClientId = 1;

  constructor(options: ServerOptions = {}) {
    this.registry = new WorkerRegistry({ clock: options.clock, offlineAfterMs: options.offlineAfterMs });
    this.commands = createCommandTable();
    this.requirePass = options.requirePass ?? null;
    this.maxClients = options.maxClients ?? 10_000;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.bind = options.bind ?? DEFAULT_BIND;
    this.requestedPort = options.port ?? DEFAULT_PORT;
    this.net = net.createServer((socket) => this.accept(socket));
    this.defineConfig();
  }

  private defineConfig(): void {
    const limit = (name: string, key: keyof DecoderLimits) => {
      const parse = positiveInt(name);
      this.config.set(name, { name, get: () => String(this.limits[key]), set: (v) => void (this.limits[key] = parse(v)) });
    };
    const fixed = (name: string, value: () => string) => this.config.set(name, { name, get: value });
    fixed('bind', () => this.bind);
    fixed('port', () => String(this.tcpPort));
    fixed('databases', () => '1');
    fixed('save', () => '');
    fixed('appendonly', () => 'no');
    fixed('timeout', () => '0');
    fixed('offline-after', () => String(this.registry.offlineAfterMs));
    const maxClients = positiveInt('maxclients');
    this.config.set('maxclients', { name: 'maxclients', get: () => String(this.maxClients), set: (v) => void (this.maxClients = maxClients(v)) });
    limit('proto-max-bulk-len', 'maxBulkLength');
    limit('proto-max-multibulk-len', 'maxMultibulkLength');
    limit('proto-inline-max-size', 'maxInlineLength');
    limit('client-query-buffer-limit', 'maxQueryBuffer');
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(this.requestedPort, this.bind, () => {
        this.net.off('error', reject);
        const address = this.net.address();
        this.tcpPort = typeof address === 'object' && address !== null ? address.port : this.requestedPort;
        resolve(this.tcpPort);
      });
    });
  }

  /** Stops accepting, closes every connection, resolves when the listener is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.net.close(() => resolve());
      for (const c of this.connections) c.destroy();
    });
  }

  clients(): Iterable<Connection> {
    return this.connections;
  }

  wallClockMicros(): bigint {
    return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
  }

  private accept(socket: net.Socket): void {
    this.stats.totalConnectionsReceived++;
    if (this.connections.size >= this.maxClients) {
      this.stats.rejectedConnections++;
      socket.on('error', () => socket.destroy());
      socket.end(encodeReply(new ErrorReply('ERR max number of clients reached'), 2));
      return;
    }
    const conn = new Connection(this.nextClientId++, this, socket, this.limits, (c) => this.connections.delete(c));
    this.connections.add(conn);
  }
}
