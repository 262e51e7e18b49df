// The TCP server: accepts connections, owns the registry, the command table and the settings. Knows commands
// only through the table.

import { randomBytes } from 'node:crypto';
import { constants, readFileSync } from 'node:fs';
import { access, rename } from 'node:fs/promises';
import path from 'node:path';
import net from 'node:net';
import type { ConfigParam, ServerContext, ServerStats } from '../commands/context.js';
import { createCommandTable } from '../commands/index.js';
import type { CommandTable } from '../commands/table.js';
import { DEFAULT_LIMITS, type DecoderLimits } from '../resp/decoder.js';
import { encodeReply } from '../resp/encoder.js';
import { ErrorReply } from '../resp/reply.js';
import { systemTimers, WorkerRegistry, type Timers } from '../registry/registry.js';
import type { Clock } from '../registry/types.js';
import { Connection, type OutputBufferLimits } from './connection.js';
import { PubSub } from './pubsub.js';
import { readSnapshot, SnapshotError, writeSnapshot } from './snapshot.js';
import { CommandCatalog } from '../acl/catalog.js';
import { AclFileError, AclStore } from '../acl/store.js';
import { RuleFailure } from '../acl/user.js';

export interface ServerOptions {
  port?: number;
  bind?: string;
  /** The default user's password (Redis' requirepass). */
  requirePass?: string | null;
  /** Users in Redis' ACL file format, loaded at start (all or nothing) and by ACL LOAD; ACL SAVE writes it. */
  aclFile?: string | null;
  /** Users given as `name rules…` (the --user flag), applied at start. Not with aclFile. */
  users?: string[];
  maxClients?: number;
  offlineAfterMs?: number;
  evictAfterMs?: number;
  expiryGuardPercent?: number;
  expiryGuardMinWorkers?: number;
  eventLogSize?: number;
  /** Snapshot file; null/absent: no snapshots. */
  snapshotPath?: string | null;
  /** Periodic snapshot interval (ms); 0 = only on SAVE and shutdown. Default 60000. */
  saveIntervalMs?: number;
  /** Start empty instead of refusing to start when the snapshot is unreadable. */
  ignoreBadSnapshot?: boolean;
  limits?: Partial<DecoderLimits>;
  pubsubOutputLimits?: Partial<OutputBufferLimits>;
  clock?: Clock;
  timers?: Timers;
  /** Where warnings go (default console.warn). */
  log?: (message: string) => void;
}

export { SnapshotError, AclFileError, RuleFailure };

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
  readonly stats: ServerStats = {
    totalConnectionsReceived: 0,
    totalCommandsProcessed: 0,
    rejectedConnections: 0,
    protocolErrors: 0,
    outputLimitDisconnections: 0,
  };
  readonly pubsub = new PubSub();
  readonly snapshotPath: string | null;
  lastSaveMs = 0;
  readonly pubsubLimits: OutputBufferLimits;
  readonly version = VERSION;
  readonly runId = randomBytes(20).toString('hex');
  readonly startedAtMs = Date.now();
  readonly acl: AclStore;
  readonly config = new Map<string, ConfigParam>();
  readonly limits: DecoderLimits;
  tcpPort = 0;
  maxClients: number;

  private readonly bind: string;
  private readonly requestedPort: number;
  private readonly connections = new Set<Connection>();
  private readonly net: net.Server;
  private nextClientId = 1;
  private readonly saveIntervalMs: number;
  private saveTimer: ReturnType<typeof setInterval> | null = null;
  private saving: Promise<void> | null = null;
  private readonly ignoreBadSnapshot: boolean;
  private readonly log: (message: string) => void;

  constructor(options: ServerOptions = {}) {
    this.registry = new WorkerRegistry({
      clock: options.clock,
      timers: options.timers ?? systemTimers,
      offlineAfterMs: options.offlineAfterMs,
      evictAfterMs: options.evictAfterMs,
      expiryGuardPercent: options.expiryGuardPercent,
      expiryGuardMinWorkers: options.expiryGuardMinWorkers,
      eventLogSize: options.eventLogSize,
    });
    this.registry.onEvent((e) => {
      const channel = 'registry:' + e.event.type;
      if (this.pubsub.hasSubscribers(channel)) this.pubsub.publish(channel, e.json);
    });
    this.snapshotPath = options.snapshotPath ?? null;
    this.saveIntervalMs = options.saveIntervalMs ?? 60_000;
    this.ignoreBadSnapshot = options.ignoreBadSnapshot ?? false;
    this.log = options.log ?? ((m) => console.warn(m));
    this.pubsubLimits = { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60, ...options.pubsubOutputLimits };
    this.commands = createCommandTable();
    this.acl = new AclStore(new CommandCatalog(this.commands), options.aclFile ?? null);
    this.setUpUsers(options);
    this.maxClients = options.maxClients ?? 10_000;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.bind = options.bind ?? DEFAULT_BIND;
    this.requestedPort = options.port ?? DEFAULT_PORT;
    this.net = net.createServer((socket) => this.accept(socket));
    this.defineConfig();
  }

  /** Users from --requirepass, --user and --aclfile. Throws AclFileError naming the flag or file:line. */
  private setUpUsers(options: ServerOptions): void {
    if (options.requirePass != null) this.acl.setRequirePass(options.requirePass);
    const users = options.users ?? [];
    if (users.length > 0 && options.aclFile != null) {
      throw new AclFileError('--user cannot be combined with --aclfile: define the users in the ACL file');
    }
    if (users.length > 0) {
      const parsed = this.acl.parseUsers(users.map((text, i) => ({ text: 'user ' + text, where: `--user #${i + 1}` })));
      this.acl.install([...parsed, ...(parsed.some((u) => u.name === 'default') ? [] : [this.acl.defaultUser.clone()])]);
    }
    if (options.aclFile != null) this.acl.loadFile();
  }

  private defineConfig(): void {
    const limit = (name: string, key: keyof DecoderLimits) => {
      const parse = positiveInt(name);
      this.config.set(name, { name, get: () => String(this.limits[key]), set: (v) => void (this.limits[key] = parse(v)) });
    };
    const fixed = (name: string, value: () => string) => this.config.set(name, { name, get: value });
    fixed('bind', () => this.bind);
    // Redis answers CONFIG GET requirepass with the password; we keep only its hash, so say whether one is set.
    this.config.set('requirepass', {
      name: 'requirepass',
      get: () => (this.acl.defaultUser.nopass ? '' : '(set)'),
      set: (v) => this.acl.setRequirePass(v),
    });
    fixed('aclfile', () => this.acl.aclFile ?? '');
    fixed('port', () => String(this.tcpPort));
    fixed('databases', () => '1');
    fixed('save', () => '');
    fixed('appendonly', () => 'no');
    fixed('timeout', () => '0');
    fixed('offline-after', () => String(this.registry.offlineAfterMs));
    fixed('evict-after', () => String(this.registry.evictAfterMs));
    fixed('expiry-guard', () => String(this.registry.expiryGuardPercent));
    fixed('event-log', () => String(this.registry.events.capacity));
    fixed('snapshot', () => this.snapshotPath ?? '');
    fixed('save-interval', () => String(this.saveIntervalMs));
    const limits = this.pubsubLimits;
    this.config.set('client-output-buffer-limit', {
      name: 'client-output-buffer-limit',
      get: () => `normal 0 0 0 slave 268435456 67108864 60 pubsub ${limits.hardBytes} ${limits.softBytes} ${limits.softSeconds}`,
      set: (v) => {
        const words = v.trim().split(/\s+/);
        if (words.length % 4 !== 0) throw new Error('expected groups of: class hard soft seconds');
        for (let i = 0; i < words.length; i += 4) {
          const [cls, hard, soft, secs] = words.slice(i, i + 4) as [string, string, string, string];
          const nums = [hard, soft, secs].map((n) => (/^[0-9]+$/.test(n) ? Number(n) : NaN));
          if (nums.some((n) => !Number.isSafeInteger(n))) throw new Error(`invalid limits for class ${cls}`);
          if (cls.toLowerCase() === 'pubsub') [limits.hardBytes, limits.softBytes, limits.softSeconds] = nums as [number, number, number];
          else if (!['normal', 'slave', 'replica'].includes(cls.toLowerCase())) throw new Error(`unknown class ${cls}`);
        }
      },
    });
    const maxClients = positiveInt('maxclients');
    this.config.set('maxclients', { name: 'maxclients', get: () => String(this.maxClients), set: (v) => void (this.maxClients = maxClients(v)) });
    limit('proto-max-bulk-len', 'maxBulkLength');
    limit('proto-max-multibulk-len', 'maxMultibulkLength');
    limit('proto-inline-max-size', 'maxInlineLength');
    limit('client-query-buffer-limit', 'maxQueryBuffer');
  }

  /**
   * Restores the snapshot (if configured), starts listening, and starts periodic snapshots. Resolves with the
   * bound port (useful with port 0). Rejects with SnapshotError when the snapshot is unusable (unless
   * ignoreBadSnapshot).
   */
  async listen(): Promise<number> {
    if (this.snapshotPath !== null) {
      const file = this.snapshotPath;
      // A snapshot that could never be written would lose the registry at shutdown: say so now.
      try {
        await access(path.dirname(path.resolve(file)), constants.W_OK);
      } catch (e) {
        throw new SnapshotError(`cannot write snapshots next to ${file}: ${(e as Error).message}`);
      }
      try {
        const snap = await readSnapshot(file);
        if (snap !== null) this.registry.restore(snap);
      } catch (e) {
        if (!(e instanceof SnapshotError) || !this.ignoreBadSnapshot) throw e;
        // Keep the bad file for inspection: the next save would overwrite it.
        const aside = `${file}.corrupt-${Date.now()}`;
        await rename(file, aside).catch(() => {});
        this.log(`rbee-registry: ${e.message}; moved it to ${aside} and starting empty (--ignore-bad-snapshot)`);
      }
    }
    const port = await this.listenSocket();
    if (this.snapshotPath !== null && this.saveIntervalMs > 0) {
      this.saveTimer = setInterval(() => {
        this.saveSnapshot().catch((e) => this.log(`rbee-registry: periodic snapshot failed: ${(e as Error).message}`));
      }, this.saveIntervalMs);
      this.saveTimer.unref();
    }
    return port;
  }

  /**
   * Writes the snapshot. A call made while a write is under way waits for it and then writes again, so what
   * it saves includes every change made before the call.
   */
  saveSnapshot(): Promise<void> {
    if (this.snapshotPath === null) return Promise.reject(new Error('no snapshot file is configured'));
    if (this.saving !== null) return this.saving.catch(() => {}).then(() => this.saveSnapshot());
    const file = this.snapshotPath;
    this.saving = writeSnapshot(file, this.registry.snapshot())
      .then(() => {
        this.lastSaveMs = Date.now();
      })
      .finally(() => {
        this.saving = null;
      });
    return this.saving;
  }

  private listenSocket(): Promise<number> {
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

  /** Stops accepting, closes every connection, writes the snapshot (if configured), stops the timers. */
  async close(): Promise<void> {
    if (this.saveTimer !== null) clearInterval(this.saveTimer);
    this.saveTimer = null;
    const closed = new Promise<void>((resolve) => this.net.close(() => resolve()));
    for (const c of this.connections) c.destroy();
    await closed;
    if (this.snapshotPath !== null) await this.saveSnapshot();
    this.registry.stop();
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
      // Read and drop what it sends: unread data would hide the client's FIN, and the socket would never close.
      socket.resume();
      socket.end(encodeReply(new ErrorReply('ERR max number of clients reached'), 2));
      return;
    }
    const conn = new Connection(this.nextClientId++, this, socket, this.limits, this.pubsubLimits, (c: Connection) => this.connections.delete(c));
    this.connections.add(conn);
  }
}
