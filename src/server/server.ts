// The TCP server: accepts connections, owns the registry, the command table and the settings. Knows commands
// only through the table.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { ServerContext, ServerStats, ShutdownOptions } from '../commands/context.js';
import { createCommandTable } from '../commands/index.js';
import { OpsState } from '../commands/ops/state.js';
import { HttpSide } from './http.js';
import type { CommandTable } from '../commands/table.js';
import type { DecoderLimits } from '../resp/decoder.js';
import { settingByName, Settings, SettingError } from '../settings/settings.js';
import { settingValues, type ServerOptions } from './server-options.js';
import { encodeReply } from '../resp/encoder.js';
import { ErrorReply } from '../resp/reply.js';
import { WorkerRegistry } from '../registry/registry.js';
import { systemTimers, type Timers } from '../registry/timers.js';
import { systemClock, type Clock } from '../registry/types.js';
import { Connection, type ConnectionHost, type OutputBufferLimits } from './connection.js';
import { ProcessMemoryGauge } from './memory.js';
import { fitMaxClients, openFilesLimit } from './open-files.js';
import { PubSub } from './pubsub.js';
import { SnapshotError } from './snapshot.js';
import { Persistence } from './persistence.js';
import { EventLogLines } from './event-log-lines.js';
import { CommandCatalog } from '../acl/catalog.js';
import { AclFileError, AclStore } from '../acl/store.js';
import { Logger, warningsToStderr, type Log, type LogLevel } from './log.js';
import type tls from 'node:tls';
import { certificateUser, createTlsServer, isLoopbackBind, listen, protectedModeRefusal } from './listeners.js';

export type { ServerOptions };
export { SnapshotError, SettingError, AclFileError };

/** How often clients over a soft output limit are re-checked (Redis' clientsCron runs at hz 10). */
const CRON_INTERVAL_MS = 100;

const MAX_CLIENTS_REACHED = encodeReply(new ErrorReply('ERR max number of clients reached'), 2);

export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();

export class RegistryServer implements ServerContext, ConnectionHost {
  /** Replaced only before listening, when a bad snapshot was half loaded and --ignore-bad-snapshot says go on. */
  registry: WorkerRegistry;
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
  readonly persistence: Persistence;
  readonly outputLimits: { normal: OutputBufferLimits; pubsub: OutputBufferLimits };
  readonly clock: Clock;
  readonly version = VERSION;
  readonly runId = randomBytes(20).toString('hex');
  readonly startedAtMs = Date.now();
  readonly acl: AclStore;
  readonly settings: Settings;
  readonly ops: OpsState;
  /** The HTTP side (/metrics, /events, the dashboard) when --http-port is set, and the port it bound. */
  private http: HttpSide | null = null;
  httpPort = 0;
  get httpSide(): HttpSide | null {
    return this.http;
  }
  readonly memory: ProcessMemoryGauge;
  readonly limits: DecoderLimits;
  tcpPort = 0;
  /** The TLS port bound, or 0 without TLS. */
  tlsPort = 0;
  private readonly tlsServer: tls.Server | null = null;
  private readonly tlsRequestedPort: number;
  private readonly tcpEnabled: boolean;

  private readonly bind: string;
  private readonly requestedPort: number;
  private readonly connections = new Set<Connection>();
  private readonly net: net.Server;
  private nextClientId = 1;
  readonly log: Log;
  /** A shutdown is saving: connections are held (nothing they send runs) so the save misses no answered change. */
  private shuttingDown = false;
  private readonly onExit: (code: number) => void;
  logSlowerThanMs: number;
  /** Clients over a soft output limit, checked by the cron until they drain or are dropped. */
  private readonly overSoftLimit = new Set<Connection>();
  private cronTimer: unknown = null;
  private readonly timers: Timers;

  constructor(options: ServerOptions = {}) {
    this.log = options.logger ?? warningsToStderr();
    const values = settingValues(options);
    // As Redis at start: maxclients fits the descriptors this process may open, or clients past the limit are
    // reset without a word instead of getting the error.
    const fit = fitMaxClients(values.maxclients ?? (settingByName('maxclients')!.default as number), openFilesLimit());
    for (const line of fit.warnings) this.log.warning(line);
    if (fit.fatal !== undefined) throw new SettingError('maxclients', fit.fatal);
    const settings = (this.settings = new Settings({ ...values, maxclients: fit.maxclients }));
    this.memory = new ProcessMemoryGauge(settings);
    const eventLines = new EventLogLines(() => this.log);
    this.timers = options.timers ?? systemTimers;
    const makeRegistry = () => {
      const registry = new WorkerRegistry({
        clock: options.clock,
        timers: this.timers,
        offlineAfterMs: settings.get('offline-after'),
        evictAfterMs: settings.get('evict-after'),
        expiryGuardPercent: settings.get('expiry-guard'),
        expiryGuardMinWorkers: settings.get('expiry-guard-min'),
        expiryGuardMaxHoldMs: settings.get('expiry-guard-max-hold'),
        evictRate: settings.get('evict-rate'),
        eventLogSize: settings.get('event-log'),
        eventLogMaxBytes: settings.get('event-log-max-bytes'),
      });
      registry.onEvent((e) => {
        const channel = 'registry:' + e.event.type;
        if (this.pubsub.hasSubscribers(channel)) this.pubsub.publish(channel, e.json);
        eventLines.take(e.event);
        this.http?.takeEvent(e);
      });
      return registry;
    };
    this.registry = makeRegistry();
    settings.onChange('expiry-guard-max-hold', (v) => this.registry.setGuardLimits({ maxHoldMs: v }));
    settings.onChange('evict-rate', (v) => this.registry.setGuardLimits({ evictRate: v }));
    this.onExit = options.onExit ?? (() => {});
    this.logSlowerThanMs = settings.get('log-slower-than');
    settings.onChange('log-slower-than', (v) => void (this.logSlowerThanMs = v));
    settings.onChange('event-log-max-bytes', (v) => void (this.registry.events.maxBytes = v));
    const logger = this.log;
    if (logger instanceof Logger) settings.onChange('loglevel', (v) => void (logger.level = v as LogLevel));
    this.snapshotPath = settings.get('snapshot') || null;
    this.persistence = new Persistence({
      file: this.snapshotPath,
      saveIntervalMs: settings.get('save-interval'),
      ignoreBadSnapshot: settings.get('ignore-bad-snapshot'),
      log: this.log,
      registry: () => this.registry,
      resetRegistry: () => {
        this.registry.stop();
        this.registry = makeRegistry();
      },
      writeOptions: options.snapshotWriteOptions,
    });
    // Connections hold these objects and read them on every check: a CONFIG SET reaches open connections at once.
    this.clock = options.clock ?? systemClock;
    const outputLimits = settings.get('client-output-buffer-limit');
    this.outputLimits = { normal: { ...outputLimits.normal }, pubsub: { ...outputLimits.pubsub } };
    settings.onChange('client-output-buffer-limit', (v) => {
      Object.assign(this.outputLimits.normal, v.normal);
      Object.assign(this.outputLimits.pubsub, v.pubsub);
    });
    this.limits = {
      maxBulkLength: settings.get('proto-max-bulk-len'),
      maxMultibulkLength: settings.get('proto-max-multibulk-len'),
      maxInlineLength: settings.get('proto-inline-max-size'),
      maxQueryBuffer: settings.get('client-query-buffer-limit'),
    };
    settings.onChange('proto-max-bulk-len', (v) => void (this.limits.maxBulkLength = v));
    settings.onChange('proto-max-multibulk-len', (v) => void (this.limits.maxMultibulkLength = v));
    settings.onChange('proto-inline-max-size', (v) => void (this.limits.maxInlineLength = v));
    settings.onChange('client-query-buffer-limit', (v) => void (this.limits.maxQueryBuffer = v));
    this.commands = createCommandTable();
    this.ops = new OpsState({
      slowlogSlowerThanUsec: settings.get('slowlog-log-slower-than'),
      slowlogMaxLen: settings.get('slowlog-max-len'),
      latencyThresholdMs: settings.get('latency-monitor-threshold'),
    });
    settings.onChange('slowlog-log-slower-than', (v) => this.ops.setSlowlogThreshold(v));
    settings.onChange('slowlog-max-len', (v) => this.ops.slowlog.trim(v));
    settings.onChange('latency-monitor-threshold', (v) => this.ops.setLatencyThreshold(v));
    this.acl = new AclStore(new CommandCatalog(this.commands), settings.get('aclfile') || null);
    this.setUpUsers();
    settings.onChange('requirepass', (digest) => this.acl.setRequirePassDigest(digest));
    this.bind = settings.get('bind');
    this.requestedPort = settings.get('port');
    this.net = net.createServer((socket) => this.accept(socket));
    // As Redis: --tls-port N serves TLS; with --port 0 as well, TLS only.
    this.tlsRequestedPort = options.tls?.port ?? settings.get('tls-port');
    this.tcpEnabled = !(options.tls?.only ?? (this.requestedPort === 0 && this.tlsRequestedPort !== 0));
    if (options.tls !== undefined || this.tlsRequestedPort !== 0) {
      try {
        this.tlsServer = createTlsServer(settings, (socket) => this.accept(socket));
      } catch (e) {
        throw new SettingError('tls-cert-file', (e as Error).message);
      }
    }
  }

  /** Users from --requirepass, --user and --aclfile. Throws AclFileError naming the flag or file:line. */
  private setUpUsers(): void {
    const settings = this.settings;
    this.acl.setRequirePassDigest(settings.get('requirepass'));
    const users = settings.get('user');
    if (users.length > 0 && settings.get('aclfile') !== '') {
      throw new AclFileError('--user cannot be combined with --aclfile: define the users in the ACL file');
    }
    if (users.length > 0) {
      const parsed = this.acl.parseUsers(users.map((text, i) => ({ text: 'user ' + text, where: `--user #${i + 1}` })));
      this.acl.install([...parsed, ...(parsed.some((u) => u.name === 'default') ? [] : [this.acl.defaultUser.clone()])]);
    }
    if (settings.get('aclfile') !== '') this.acl.loadFile();
  }

  get maxClients(): number {
    return this.settings.get('maxclients');
  }

  /**
   * Restores the snapshot (if configured), starts listening, and starts periodic snapshots. Resolves with the
   * bound port (useful with port 0). Rejects with SnapshotError when the snapshot is unusable (unless
   * ignoreBadSnapshot).
   */
  async listen(): Promise<number> {
    await this.persistence.restore();
    if (!isLoopbackBind(this.bind) && this.acl.defaultUser.nopass) {
      this.log.warning(
        `Listening on ${this.bind} and the default user has no password: ` +
          (this.settings.get('protected-mode') === 'yes'
            ? 'protected mode refuses clients from other hosts until one is set (--requirepass) or protected mode is turned off'
            : 'anyone who can reach this address may do anything (set --requirepass or ACL users)'),
      );
    }
    if (this.tlsServer !== null) this.tlsPort = await listen(this.tlsServer, this.tlsRequestedPort, this.bind);
    const port = this.tcpEnabled ? await this.listenSocket() : this.tlsPort;
    const httpPort = this.settings.get('http-port');
    if (httpPort >= 0) {
      this.http = new HttpSide(this);
      this.httpPort = await this.http.listen(httpPort, this.bind);
    }
    this.persistence.startTimer();
    return port;
  }

  /** SAVE from code (tests, embedding): as the command. */
  saveSnapshot(): Promise<void> {
    return this.persistence.save();
  }

  private listenSocket(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(this.requestedPort, this.bind, () => {
        this.net.off('error', reject);
        const address = this.net.address();
        this.tcpPort = typeof address === 'object' && address !== null ? address.port : this.requestedPort;
        this.settings.setValue('port', this.tcpPort);
        resolve(this.tcpPort);
      });
    });
  }

  /**
   * Redis' clientsCron, for output limits only: a client over its soft limit that stops reading gets no new
   * output to trigger the check, so the timer does it.
   */
  watchSoftLimit(c: Connection, over: boolean): void {
    if (over) this.overSoftLimit.add(c);
    else this.overSoftLimit.delete(c);
    if (this.overSoftLimit.size > 0 && this.cronTimer === null) this.armCron();
    else if (this.overSoftLimit.size === 0 && this.cronTimer !== null) {
      this.timers.clear(this.cronTimer);
      this.cronTimer = null;
    }
  }

  /** On the injected timers (and clock), so a test moves past a soft limit's seconds without waiting for them. */
  private armCron(): void {
    this.cronTimer = this.timers.set(() => {
      this.cronTimer = null;
      for (const conn of [...this.overSoftLimit]) conn.checkOutputLimits();
      if (this.overSoftLimit.size > 0 && this.cronTimer === null) this.armCron();
    }, CRON_INTERVAL_MS);
  }

  forget(c: Connection): void {
    this.connections.delete(c);
  }

  /**
   * SHUTDOWN and SIGTERM/SIGINT, as Redis: hold every connection (nothing more runs, so the snapshot misses
   * no answered change), write the final snapshot, then close and exit. When that save fails the server does
   * not exit — it logs why, lets the connections go on and resolves false — unless NOSAVE or FORCE.
   */
  async shutdown(options: ShutdownOptions): Promise<boolean> {
    if (this.shuttingDown) return false;
    const save = options.save ?? this.snapshotPath !== null;
    this.log.warning(`User requested shutdown... (${options.origin})`);
    this.shuttingDown = true;
    for (const c of this.connections) c.hold(true);
    try {
      if (save) {
        this.log.notice('Saving the final snapshot before exiting.');
        try {
          if (this.snapshotPath === null) throw new Error('no snapshot file is configured (start the server with --snapshot FILE)');
          await this.persistence.saveForShutdown();
          this.log.notice('DB saved on disk');
        } catch (e) {
          if (!options.force) {
            this.log.warning("Error trying to save the DB, can't exit.");
            this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
            this.shuttingDown = false;
            for (const c of this.connections) c.hold(false);
            return false;
          }
          this.log.warning(`Error trying to save the DB. Exit anyway. (${(e as Error).message})`);
        }
      } else if (this.snapshotPath !== null)
        this.log.warning('Not saving the final snapshot (SHUTDOWN NOSAVE): changes since the last save are lost.');
      await this.closeAll();
      this.log.notice('rbee-registry is now ready to exit, bye bye...');
      this.onExit(0);
      return true;
    } catch (e) {
      this.shuttingDown = false;
      for (const c of this.connections) c.hold(false);
      throw e;
    }
  }

  get holding(): boolean {
    return this.shuttingDown;
  }

  /** Stops accepting, closes every connection, writes the snapshot (if configured), stops the timers. */
  async close(): Promise<void> {
    await this.closeAll();
    if (this.snapshotPath !== null) await this.persistence.saveForShutdown();
    this.registry.stop();
  }

  private async closeAll(): Promise<void> {
    this.persistence.stopTimer();
    if (this.cronTimer !== null) this.timers.clear(this.cronTimer);
    this.cronTimer = null;
    const closed = Promise.all(
      [this.net, this.tlsServer].map(
        (s) => new Promise<void>((resolve) => (s !== null && s.listening ? s.close(() => resolve()) : resolve())),
      ),
    );
    for (const c of [...this.connections]) c.destroy();
    await closed;
    if (this.http !== null) await this.http.close();
  }

  clients(): Iterable<Connection> {
    return this.connections;
  }

  wallClockMicros(): bigint {
    return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
  }

  private accept(socket: net.Socket): void {
    if (this.connections.size >= this.maxClients) {
      // As Redis: refused before a client exists, so a rejected connection and not a received one.
      this.stats.rejectedConnections++;
      socket.on('error', () => socket.destroy());
      // As Redis: the error, then the descriptor is closed (not left half-open waiting for the client's FIN).
      socket.once('finish', () => socket.destroy());
      socket.end(MAX_CLIENTS_REACHED);
      return;
    }
    const denied = protectedModeRefusal(this.settings, this.acl, socket);
    if (denied !== null) {
      // As Redis: a rejected connection, not one received (Redis counts those once they pass this check).
      this.stats.rejectedConnections++;
      socket.on('error', () => socket.destroy());
      socket.once('finish', () => socket.destroy());
      socket.end(denied);
      return;
    }
    this.stats.totalConnectionsReceived++;
    const conn = new Connection(this.nextClientId++, this, socket);
    const certUser = certificateUser(this.settings, this.acl, socket);
    if (certUser !== null) {
      conn.user = certUser;
      conn.authenticated = true;
    }
    this.connections.add(conn);
    if (this.shuttingDown) conn.hold(true);
  }
}
