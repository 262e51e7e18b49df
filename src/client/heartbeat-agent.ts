// HeartbeatAgent: a worker's heartbeat loop done once. It beats every interval with jitter, sends only what
// changed unless the registry may have lost the worker (first beat, a reply of 1, a reconnect), never lets beats
// pile up while the link is down or the server stalls, and stops for good on errors retrying cannot fix.

import { EventEmitter, once } from 'node:events';
import { Redis } from 'ioredis';
import { isFatal, typedError } from './errors.js';
import { HBEAT_OPTION, type WorkerFields } from './records.js';
import { heartbeatArgs, type ConnectionOptions } from './registry-client.js';

/** Time in ms; only differences are used, so a monotonic clock is right. */
export interface AgentClock {
  now(): number;
}

export interface AgentTimers {
  set(fn: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export interface HeartbeatAgentOptions extends ConnectionOptions {
  workerId: string;
  hiveId: string;
  /** The worker's current fields; called once per beat. A field set to null is cleared on the server. */
  report: () => WorkerFields | Promise<WorkerFields>;
  /** Between beats (ms). Default: a third of the server's offline-after (CONFIG GET), else 10000. */
  intervalMs?: number;
  /** Each interval is stretched or shrunk by up to this fraction, so a fleet does not beat in step. Default 0.1. */
  jitter?: number;
  /** Injected for tests; default the process' monotonic clock and timers, Math.random. */
  clock?: AgentClock;
  timers?: AgentTimers;
  random?: () => number;
}

export interface BeatInfo {
  /** The reply was 1: the registry did not know the worker. */
  registered: boolean;
  /** This beat carried every field (first beat, after a reply of 1, after a reconnect). */
  full: boolean;
  /** The HBEAT arguments after the two ids. */
  args: string[];
}

const defaultClock: AgentClock = { now: () => performance.now() };
const defaultTimers: AgentTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Events: `beat` (BeatInfo) after each acknowledged beat; `skipped` when a beat falls due while the previous one
 * is still unanswered (a stalled server: the agent waits rather than queueing); `failed` (error) for a beat that
 * did not land and will be retried; `error` (AuthenticationError or PermissionError) when the agent stops because
 * retrying cannot help; `stopped`.
 */
export class HeartbeatAgent extends EventEmitter {
  readonly workerId: string;
  readonly hiveId: string;
  /** The agent's own connection: its offline queue is off, so nothing is sent late. */
  readonly redis: Redis;
  private readonly report: () => WorkerFields | Promise<WorkerFields>;
  private readonly jitter: number;
  private readonly clock: AgentClock;
  private readonly timers: AgentTimers;
  private readonly random: () => number;
  private configuredIntervalMs: number | undefined;
  private intervalMsValue = 10_000;
  private offlineAfterMs = 30_000;
  private timer: unknown = null;
  private watchdog: unknown = null;
  private running = false;
  private fatal = false;
  private configured = false;
  private inFlight: Promise<void> | null = null;
  private needFull = true;
  /** What the registry holds from us, as far as we know (the fields of acknowledged beats). */
  private acknowledged: WorkerFields = {};
  private lastAckMs = 0;
  private retriesPastDeadline = 0;

  constructor(options: HeartbeatAgentOptions) {
    super();
    const { workerId, hiveId, report, intervalMs, jitter, clock, timers, random, ...connection } = options;
    this.workerId = workerId;
    this.hiveId = hiveId;
    this.report = report;
    this.configuredIntervalMs = intervalMs;
    if (intervalMs !== undefined) this.intervalMsValue = intervalMs;
    this.jitter = jitter ?? 0.1;
    this.clock = clock ?? defaultClock;
    this.timers = timers ?? defaultTimers;
    this.random = random ?? Math.random;
    this.redis = new Redis({
      // A worker's user is usually allowed little beyond HBEAT: ioredis' INFO ready check would only warn.
      enableReadyCheck: false,
      ...connection,
      lazyConnect: true,
      // A beat is worth sending only now: never queue one while disconnected, never resend one after a reconnect
      // (the reconnect sends a fresh full beat instead).
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: () => this.retryDelayMs(),
    });
    this.redis.on('ready', () => void this.onReady());
    this.redis.on('error', (e: unknown) => {
      const err = typedError(e, 'AUTH');
      if (isFatal(err)) this.fail(err);
    });
  }

  /** The interval in use (ms): the configured one, or a third of the server's offline-after once connected. */
  get intervalMs(): number {
    return this.intervalMsValue;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Connects and starts beating. Connection trouble is retried in the background (see `failed`). */
  start(): void {
    if (this.running || this.fatal) return;
    this.running = true;
    this.lastAckMs = this.clock.now();
    this.redis.connect().catch(() => {
      // The retry strategy reconnects; a fatal error has been reported through `error`.
    });
  }

  /**
   * Stops beating and closes the connection; with `remove`, first deregisters the worker (WORKER.DEL). Without
   * it, nothing is awaited from the server, so stopping never hangs on a stalled one.
   */
  async stop(options: { remove?: boolean } = {}): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    this.clearTimers();
    try {
      if (options.remove && this.redis.status === 'ready') {
        try {
          await this.redis.call('WORKER.DEL', this.workerId);
        } catch (e) {
          throw typedError(e, 'WORKER.DEL');
        }
      }
    } finally {
      const open = this.redis.status === 'connecting' || this.redis.status === 'connect' || this.redis.status === 'ready';
      const ended = open ? once(this.redis, 'end') : null;
      this.redis.disconnect();
      if (ended !== null) await ended;
      if (wasRunning) this.emit('stopped');
    }
  }

  /** Sends a beat now (if none is in flight) instead of at the next tick. */
  beatNow(): Promise<void> {
    return this.beat();
  }

  private clearTimers(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    if (this.watchdog !== null) this.timers.clear(this.watchdog);
    this.timer = this.watchdog = null;
  }

  private clearWatchdog(): void {
    if (this.watchdog !== null) this.timers.clear(this.watchdog);
    this.watchdog = null;
  }

  private fail(err: Error): void {
    if (this.fatal) return;
    this.fatal = true;
    this.running = false;
    this.clearTimers();
    this.redis.disconnect();
    if (this.listenerCount('error') > 0) this.emit('error', err);
    this.emit('stopped');
  }

  private async onReady(): Promise<void> {
    if (!this.running) return;
    // Whatever the registry knew may be gone (it may have restarted): the next beat carries everything.
    this.needFull = true;
    if (!this.configured) {
      this.configured = true;
      try {
        const reply = await this.redis.call('CONFIG', 'GET', 'offline-after');
        const value: unknown = Array.isArray(reply) ? reply[1] : (reply as Record<string, unknown> | null)?.['offline-after'];
        const ms = Number(value);
        if (Number.isFinite(ms) && ms > 0) {
          this.offlineAfterMs = ms;
          if (this.configuredIntervalMs === undefined) this.intervalMsValue = Math.max(1, Math.floor(ms / 3));
        }
      } catch {
        // CONFIG may be denied to a worker's user: keep the defaults.
        if (this.configuredIntervalMs !== undefined) this.offlineAfterMs = this.configuredIntervalMs * 3;
      }
    }
    await this.beat();
  }

  private nextDelayMs(): number {
    return Math.max(1, Math.round(this.intervalMsValue * (1 + this.jitter * (2 * this.random() - 1))));
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = null;
      void this.beat();
    }, delayMs);
  }

  /**
   * How long ioredis waits before reconnecting: a share of the time left before the registry's offline
   * deadline (several tries fit before it, the last ones closer together), at most one interval; past the
   * deadline, doubling up to one interval.
   */
  private retryDelayMs(): number | null {
    if (!this.running || this.fatal) return null;
    const floor = Math.max(20, Math.floor(this.intervalMsValue / 20));
    const left = this.lastAckMs + this.offlineAfterMs - this.clock.now();
    if (left > 0) {
      this.retriesPastDeadline = 0;
      return Math.round(Math.min(this.intervalMsValue, Math.max(floor, left / 3)));
    }
    return Math.min(this.intervalMsValue, floor * 2 ** Math.min(10, this.retriesPastDeadline++));
  }

  private beat(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.inFlight !== null) {
      // The previous beat is unanswered (the server stalls or the link is half-open): sending another would only
      // pile up beats that all land at once later.
      this.emit('skipped');
      this.schedule(this.nextDelayMs());
      return this.inFlight;
    }
    if (this.redis.status !== 'ready') {
      // The 'ready' of the reconnect sends the next beat; this timer only keeps the loop alive.
      this.schedule(this.nextDelayMs());
      return Promise.resolve();
    }
    // The cadence does not wait for replies: a tick that finds this beat unanswered is skipped.
    this.schedule(this.nextDelayMs());
    this.inFlight = this.send().finally(() => {
      this.inFlight = null;
      this.clearWatchdog();
    });
    return this.inFlight;
  }

  private async send(): Promise<void> {
    // An unanswered beat past the offline deadline means the link is dead even if the socket looks open.
    this.watchdog = this.timers.set(
      () => {
        this.watchdog = null;
        if (this.running) this.redis.disconnect(true);
      },
      Math.max(this.offlineAfterMs, this.intervalMsValue),
    );
    let fields: WorkerFields;
    try {
      fields = await this.report();
    } catch (e) {
      this.clearWatchdog();
      if (this.listenerCount('failed') > 0) this.emit('failed', e);
      return;
    }
    const full = this.needFull;
    const toSend = full ? fullFields(fields, this.acknowledged) : changedFields(fields, this.acknowledged);
    const args = heartbeatArgs(toSend);
    let registered: boolean;
    try {
      registered = Number(await this.redis.call('HBEAT', this.workerId, this.hiveId, ...args)) === 1;
    } catch (e) {
      this.clearWatchdog();
      const err = typedError(e, 'HBEAT');
      if (isFatal(err)) {
        this.fail(err);
        return;
      }
      // Not known to have landed: the next beat carries everything.
      this.needFull = true;
      if (this.listenerCount('failed') > 0) this.emit('failed', err);
      return;
    }
    this.clearWatchdog();
    this.lastAckMs = this.clock.now();
    this.acknowledged = full ? definedOnly(toSend) : definedOnly({ ...this.acknowledged, ...toSend });
    this.needFull = registered && !full;
    this.emit('beat', { registered, full, args } satisfies BeatInfo);
    if (this.needFull) {
      // The registry had lost the worker and holds only what this partial beat carried: resend it all now.
      this.inFlight = null;
      await this.beat();
    }
  }
}

/** Every reported field; fields the registry holds from us but the report no longer has are cleared. */
function fullFields(fields: WorkerFields, acknowledged: WorkerFields): WorkerFields {
  const out: WorkerFields = { ...fields };
  for (const [key] of HBEAT_OPTION) {
    if (out[key] === undefined && acknowledged[key] !== undefined && acknowledged[key] !== null)
      (out as Record<string, unknown>)[key] = null;
  }
  return out;
}

/** The fields whose value differs from what the registry holds from us. */
function changedFields(fields: WorkerFields, acknowledged: WorkerFields): WorkerFields {
  const out: Record<string, unknown> = {};
  for (const [key] of HBEAT_OPTION) {
    const v = fields[key];
    const held = acknowledged[key] ?? null;
    if (v !== undefined && v !== held) out[key] = v;
  }
  return out;
}

function definedOnly(fields: WorkerFields): WorkerFields {
  const out: Record<string, unknown> = {};
  for (const [key] of HBEAT_OPTION) if (fields[key] !== undefined && fields[key] !== null) out[key] = fields[key];
  return out;
}
