// The worker registry: who is alive, in which hive, with what loaded and how busy. Plain TypeScript with an
// injected clock and timers: no sockets, no RESP, no process globals.
//
// Liveness comes only from the server's receive time. With one fixed window, deadlines arrive in heartbeat
// order, so workers sit in two intrusive lists ordered by their newest heartbeat — online and offline — and a
// heartbeat moves its worker to the newest end in O(1). The next transition is always at the head of a list:
// no scans, and one timer armed for the earliest deadline. Every query first applies the transitions that are
// due, so answers are exact to the millisecond even if a timer fires late.

import { BestWorkerIndex } from './best-index.js';
import { CompactedError, EventLog, type EventType, type LoggedEvent, type RegistryEvent } from './events.js';
import { RowPages } from './number-rows.js';
import { SlotIndex } from './slot-index.js';
import { MODEL_LINKS, WorkerSet } from './worker-set.js';
import { type Clock, type HeartbeatFields, HiveRecord, RegistryError, systemClock, type WorkerState, WorkerRecord } from './types.js';

/** Timer functions, injected so tests drive time by hand. */
export interface Timers {
  set(fn: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimers: Timers = {
  set: (fn, delayMs) => {
    const t = setTimeout(fn, delayMs);
    t.unref?.();
    return t;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export type GuardMode = 'auto' | 'on' | 'off';

export interface RegistryOptions {
  clock?: Clock;
  /** Without timers, transitions still happen exactly, but only when the next operation looks. */
  timers?: Timers;
  /** A worker goes offline this long after its newest heartbeat (ms). Default 30000. */
  offlineAfterMs?: number;
  /** An offline worker is evicted this long after its newest heartbeat (ms); 0 = never. Default 300000. */
  evictAfterMs?: number;
  /** The mass-expiry guard trips when more than this percent of the workers online at the start of a window go offline within it. Default 50. */
  expiryGuardPercent?: number;
  /** The guard only judges windows that start with at least this many online workers. Default 2, so a lone worker dying is evicted as usual. */
  expiryGuardMinWorkers?: number;
  /** Events kept for EVENTS.READ. Default 100000. */
  eventLogSize?: number;
  /** Most transitions one timer run applies before yielding to the event loop. Default 5000. */
  timerBatch?: number;
  /** Longest a timer run may take before yielding to the event loop (ms, by the clock). Default 4. */
  timerBudgetMs?: number;
}

export interface WorkerFilter {
  hiveId?: string;
  state?: WorkerState;
  modelId?: string;
  backend?: string;
  /** Only workers whose newest heartbeat is younger than this (ms). */
  maxAgeMs?: number;
}

export interface BestWorkerQuery {
  backend?: string;
  /** Skip workers whose free VRAM (vram_total - vram_used) is below this; workers without VRAM_TOTAL are skipped. */
  minFreeVramBytes?: number;
}

/** A worker as kept in a snapshot. */
export interface WorkerSnapshot {
  worker_id: string;
  hive_id: string;
  state: WorkerState | null;
  health: WorkerRecord['health'];
  url: string | null;
  model_id: string | null;
  backend: string | null;
  device_id: number | null;
  vram_bytes: number | null;
  vram_total_bytes: number | null;
  ram_bytes: number | null;
  cpu_percent: number | null;
  gpu_percent: number | null;
  reported_at: string | null;
  skew_ms: number | null;
  last_seen_ms: number;
  online: boolean;
}

export interface GuardStatus {
  mode: GuardMode;
  active: boolean;
  percent: number;
  onlineAtWindowStart: number;
  offlinesInWindow: number;
  windowStartMs: number;
  /** Online workers when the guard tripped (it lifts when more than (100 - percent)% of them are back). */
  baseline: number;
}

/** Workers whose reported clock is further than this from the server's are counted in INFO (Celery warns at 16 s). */
export const SKEW_WARN_MS = 5000;

function isSkewed(w: WorkerRecord): boolean {
  return w.skewMs !== null && Math.abs(w.skewMs) > SKEW_WARN_MS;
}

function byWorkerId(a: WorkerRecord, b: WorkerRecord): number {
  return a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0;
}

function byHiveId(a: HiveRecord, b: HiveRecord): number {
  return a.hiveId < b.hiveId ? -1 : a.hiveId > b.hiveId ? 1 : 0;
}

/** A doubly linked list of workers through their `older`/`newer` fields, oldest first. */
class WorkerList {
  oldest: WorkerRecord | null = null;
  newest: WorkerRecord | null = null;

  pushNewest(w: WorkerRecord): void {
    w.older = this.newest;
    w.newer = null;
    if (this.newest !== null) this.newest.newer = w;
    else this.oldest = w;
    this.newest = w;
  }

  remove(w: WorkerRecord): void {
    if (w.older !== null) w.older.newer = w.newer;
    else this.oldest = w.newer;
    if (w.newer !== null) w.newer.older = w.older;
    else this.newest = w.older;
    w.older = w.newer = null;
  }
}

export class WorkerRegistry {
  readonly offlineAfterMs: number;
  readonly evictAfterMs: number;
  readonly expiryGuardPercent: number;
  readonly expiryGuardMinWorkers: number;
  events: EventLog;
  private readonly clock: Clock;
  private readonly timers: Timers | null;
  private readonly timerBatch: number;
  private readonly timerBudgetMs: number;
  private readonly listeners: Array<(e: LoggedEvent) => void> = [];
  private lastNowMs = 0;

  private readonly workers = new Map<string, WorkerRecord>();
  private readonly hives = new Map<string, HiveRecord>();
  // Stable slots for cursors (SCAN): a walk of N slots costs O(N) whatever the registry's size.
  private readonly workerSlots = new SlotIndex<WorkerRecord>();
  private readonly hiveSlots = new SlotIndex<HiveRecord>();
  private hivesById: HiveRecord[] | null = null;
  private rankMarks = new Uint8Array(0);
  private readonly byModel = new Map<string, WorkerSet>();
  /** Online Idle workers by model (and those with no model): WORKER.BEST looks only here. */
  private readonly best = new BestWorkerIndex();
  /** One copy of each model and backend name, shared by all records (they repeat across workers). */
  private readonly interned = new Map<string, string>();
  /** The workers' numbers (see number-rows.ts). */
  private readonly rows = new RowPages();
  private readonly online = new WorkerList();
  private readonly offline = new WorkerList();
  private onlineCount = 0;
  private skewed = 0;
  // Hives in heartbeat order, oldest first.
  private oldestHive: HiveRecord | null = null;
  private newestHive: HiveRecord | null = null;

  // Mass-expiry guard.
  private guardMode: GuardMode = 'auto';
  private guardActive = false;
  private guardBaseline = 0;
  private windowStartMs: number;
  private onlineAtWindowStart = 0;
  private offlinesInWindow = 0;
  /** Evictions held back by the guard happen no earlier than when it lifted. */
  private evictionsResumeAtMs = 0;

  // The one armed timer, and the deadline it was armed for.
  private timer: unknown = null;
  private armedForMs = Infinity;

  constructor(options: RegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.timers = options.timers ?? null;
    this.offlineAfterMs = options.offlineAfterMs ?? 30_000;
    this.evictAfterMs = options.evictAfterMs ?? 300_000;
    this.expiryGuardPercent = options.expiryGuardPercent ?? 50;
    this.expiryGuardMinWorkers = options.expiryGuardMinWorkers ?? 2;
    this.timerBatch = options.timerBatch ?? 5000;
    this.timerBudgetMs = options.timerBudgetMs ?? 4;
    if (!(this.offlineAfterMs > 0)) throw new RangeError('offlineAfterMs must be positive');
    if (!(this.evictAfterMs === 0 || this.evictAfterMs >= this.offlineAfterMs)) {
      throw new RangeError('evictAfterMs must be 0 (never) or at least offlineAfterMs');
    }
    if (!(this.expiryGuardPercent >= 0 && this.expiryGuardPercent <= 100)) throw new RangeError('expiryGuardPercent must be 0..100');
    this.events = new EventLog(options.eventLogSize ?? 100_000);
    this.windowStartMs = this.now();
  }

  /** The registry's time: the clock, never allowed to go backwards. */
  now(): number {
    const t = this.clock.now();
    if (t > this.lastNowMs) this.lastNowMs = t;
    return this.lastNowMs;
  }

  /** Calls `fn` for every event, after it is logged. */
  onEvent(fn: (e: LoggedEvent) => void): void {
    this.listeners.push(fn);
  }

  private emit(type: EventType, atMs: number, worker: WorkerRecord | null, hive: HiveRecord | null, details?: Record<string, string | number | null>): void {
    const event: Omit<RegistryEvent, 'rev'> = { type, at_ms: atMs };
    if (worker !== null) event.worker_id = worker.workerId;
    if (hive !== null) event.hive_id = hive.hiveId;
    if (details) Object.assign(event, details);
    const logged = this.events.append(event);
    for (const fn of this.listeners) fn(logged);
  }

  private stateDetails(w: WorkerRecord): Record<string, string | number | null> {
    return { state: w.effectiveState, health: w.effectiveHealth, model_id: w.modelId, url: w.url, backend: w.backend };
  }

  // ── heartbeats ────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Records a heartbeat received now. Omitted fields keep their last value; naming another hive moves the
   * worker. Returns true when the beat registered the worker (it was not known: new, removed or evicted),
   * false when it refreshed a known one (online or offline).
   */
  heartbeat(workerId: string, hiveId: string, fields: HeartbeatFields): boolean {
    if (workerId.length === 0) throw new RegistryError("invalid worker_id '': expected a non-empty string");
    if (hiveId.length === 0) throw new RegistryError("invalid hive_id '': expected a non-empty string");
    const now = this.now();
    this.sync(now);
    let hive = this.hives.get(hiveId);
    if (hive === undefined) {
      hive = new HiveRecord(hiveId);
      this.hives.set(hiveId, hive);
      this.hiveSlots.add(hive);
      this.hivesById = null;
      // Linked at the newest end, so it must already be the newest: a worker moving in may make its old hive
      // step back in the list, and that walk relies on the list being in heartbeat order.
      hive.lastHeartbeatMs = now;
      this.linkNewestHive(hive);
    }
    let w = this.workers.get(workerId);
    const registered = w === undefined;
    if (w === undefined) {
      w = new WorkerRecord(workerId, hive, now, this.rows);
      w.online = false;
      this.workers.set(workerId, w);
      this.workerSlots.add(w);
      hive.workers.add(w);
      this.apply(w, fields, now);
      this.comeOnline(w, now);
    } else {
      const wasOnline = w.online;
      // Compared as reported everywhere (a worker that never sent STATE is Idle): naming the value it already
      // had is no change.
      const state = w.effectiveState;
      const health = w.effectiveHealth;
      const modelId = w.modelId;
      (wasOnline ? this.online : this.offline).remove(w);
      const from = w.hive;
      const moved = from !== hive;
      if (moved) this.moveWorker(w, hive);
      w.lastSeenMs = now;
      this.apply(w, fields, now);
      if (!wasOnline) this.comeOnline(w, now);
      else {
        this.online.pushNewest(w);
        this.refreshAvailability(w);
        if (moved) {
          this.emit('worker.state', now, w, hive, { ...this.stateDetails(w), moved_from: from.hiveId });
          if (hive.onlineWorkers === 1) this.emit('hive.online', now, null, hive);
        } else if (w.effectiveState !== state || w.effectiveHealth !== health || w.modelId !== modelId) {
          this.emit('worker.state', now, w, hive, this.stateDetails(w));
        }
      }
      if (moved) {
        if (from.workers.size === 0) this.dropHive(from, now);
        else if (wasOnline && from.onlineWorkers === 0) this.emit('hive.offline', now, null, from);
      }
    }
    hive.lastHeartbeatMs = now;
    this.unlinkHive(hive);
    this.linkNewestHive(hive);
    this.arm();
    return registered;
  }

  private apply(w: WorkerRecord, f: HeartbeatFields, now: number): void {
    const hive = w.hive;
    // The best-worker index files a worker by model, health and GPU load: take it out before they change
    // (callers put it back with refreshAvailability).
    if (
      w.available &&
      ((f.state !== undefined && f.state !== w.state) ||
        (f.health !== undefined && f.health !== w.health) ||
        (f.gpuPercent !== undefined && f.gpuPercent !== w.gpuPercent) ||
        (f.modelId !== undefined && f.modelId !== w.modelId))
    ) {
      this.setAvailable(w, false);
    }
    if (f.state !== undefined) w.state = f.state;
    if (f.health !== undefined) w.health = f.health;
    if (f.url !== undefined) w.url = f.url;
    if (f.modelId !== undefined && f.modelId !== w.modelId) {
      if (w.modelId !== null) this.unindexModel(w);
      w.modelId = this.intern(f.modelId);
      let set = this.byModel.get(f.modelId);
      if (set === undefined) this.byModel.set(f.modelId, (set = new WorkerSet(MODEL_LINKS)));
      set.add(w);
    }
    if (f.backend !== undefined) w.backend = this.intern(f.backend);
    if (f.deviceId !== undefined) w.deviceId = f.deviceId;
    if (f.vramBytes !== undefined) {
      const delta = f.vramBytes - (w.vramBytes ?? 0);
      hive.vramUsedBytes += delta;
      if (w.online) hive.onlineVramUsedBytes += delta;
      w.vramBytes = f.vramBytes;
    }
    if (f.vramTotalBytes !== undefined) w.vramTotalBytes = f.vramTotalBytes;
    if (f.ramBytes !== undefined) {
      const delta = f.ramBytes - (w.ramBytes ?? 0);
      hive.ramUsedBytes += delta;
      if (w.online) hive.onlineRamUsedBytes += delta;
      w.ramBytes = f.ramBytes;
    }
    if (f.cpuPercent !== undefined) w.cpuPercent = f.cpuPercent;
    if (f.gpuPercent !== undefined) w.gpuPercent = f.gpuPercent;
    if (f.reportedAt !== undefined) {
      const wasSkewed = isSkewed(w);
      w.reportedAt = f.reportedAt;
      w.skewMs = f.reportedAtMs === undefined ? null : f.reportedAtMs - now;
      const nowSkewed = isSkewed(w);
      if (wasSkewed !== nowSkewed) this.skewed += nowSkewed ? 1 : -1;
    }
  }

  /** Offline (or new) → online, at a heartbeat. The worker is in its hive but in no list. */
  private comeOnline(w: WorkerRecord, now: number): void {
    const hive = w.hive;
    this.markOnline(w);
    this.emit('worker.online', now, w, hive, this.stateDetails(w));
    if (hive.onlineWorkers === 1) this.emit('hive.online', now, null, hive);
    if (this.guardMode === 'auto' && this.guardActive && this.onlineCount * 100 > (100 - this.expiryGuardPercent) * this.guardBaseline) {
      this.setGuard(false, now);
    }
  }

  /** Puts a worker (in its hive, in no list) on the online list, in the online counts and the best-worker index. */
  private markOnline(w: WorkerRecord): void {
    const hive = w.hive;
    w.online = true;
    this.online.pushNewest(w);
    this.onlineCount++;
    hive.onlineWorkers++;
    hive.onlineVramUsedBytes += w.vramBytes ?? 0;
    hive.onlineRamUsedBytes += w.ramBytes ?? 0;
    this.refreshAvailability(w);
  }

  /** Online → offline at its deadline. */
  private goOffline(w: WorkerRecord, atMs: number): void {
    const hive = w.hive;
    this.online.remove(w);
    w.online = false;
    this.offline.pushNewest(w);
    this.onlineCount--;
    hive.onlineWorkers--;
    hive.onlineVramUsedBytes -= w.vramBytes ?? 0;
    hive.onlineRamUsedBytes -= w.ramBytes ?? 0;
    this.refreshAvailability(w);
    this.emit('worker.offline', atMs, w, hive);
    if (hive.onlineWorkers === 0) this.emit('hive.offline', atMs, null, hive);
    this.offlinesInWindow++;
    if (
      this.guardMode === 'auto' &&
      !this.guardActive &&
      this.onlineAtWindowStart >= this.expiryGuardMinWorkers &&
      this.onlineAtWindowStart > 0 &&
      this.offlinesInWindow * 100 > this.expiryGuardPercent * this.onlineAtWindowStart &&
      // Not while AUTO would lift it at once: workers came back (or joined) within the window, as after a lift,
      // when the offlines that tripped it still count and one more would trip it again with most workers online.
      this.onlineCount * 100 <= (100 - this.expiryGuardPercent) * this.onlineAtWindowStart
    ) {
      this.guardBaseline = this.onlineAtWindowStart;
      this.setGuard(true, atMs);
    }
  }

  private evict(w: WorkerRecord, atMs: number): void {
    const hive = w.hive;
    this.offline.remove(w);
    this.forgetWorker(w);
    this.detachFromHive(w);
    this.emit('worker.evicted', atMs, w, hive);
    if (hive.workers.size === 0) this.dropHive(hive, atMs);
  }

  private moveWorker(w: WorkerRecord, to: HiveRecord): void {
    this.detachFromHive(w);
    w.hive = to;
    to.workers.add(w);
    to.vramUsedBytes += w.vramBytes ?? 0;
    to.ramUsedBytes += w.ramBytes ?? 0;
    if (w.online) {
      to.onlineWorkers++;
      to.onlineVramUsedBytes += w.vramBytes ?? 0;
      to.onlineRamUsedBytes += w.ramBytes ?? 0;
    }
  }

  /** Takes a worker out of its hive's set and sums, and fixes the hive's newest heartbeat. */
  private detachFromHive(w: WorkerRecord): void {
    const hive = w.hive;
    hive.workers.delete(w);
    hive.vramUsedBytes -= w.vramBytes ?? 0;
    hive.ramUsedBytes -= w.ramBytes ?? 0;
    if (w.online) {
      hive.onlineWorkers--;
      hive.onlineVramUsedBytes -= w.vramBytes ?? 0;
      hive.onlineRamUsedBytes -= w.ramBytes ?? 0;
    }
    if (hive.workers.size > 0 && w.lastSeenMs >= hive.lastHeartbeatMs) {
      let newest = 0;
      for (const other of hive.workers) if (other.lastSeenMs > newest) newest = other.lastSeenMs;
      hive.lastHeartbeatMs = newest;
      this.repositionHive(hive);
    }
  }

  // ── availability index ────────────────────────────────────────────────────────────────────────────────

  private refreshAvailability(w: WorkerRecord): void {
    const should = w.online && w.effectiveState === 'Idle';
    if (should !== w.available) this.setAvailable(w, should);
  }

  private setAvailable(w: WorkerRecord, on: boolean): void {
    w.available = on;
    if (on) this.best.add(w);
    else this.best.remove(w);
  }

  private intern(value: string): string {
    const known = this.interned.get(value);
    if (known !== undefined) return known;
    if (this.interned.size < 100_000) this.interned.set(value, value);
    return value;
  }

  // ── removal ───────────────────────────────────────────────────────────────────────────────────────────

  /** WORKER.DEL: returns false when the worker is unknown. A hive left with no workers is dropped. */
  removeWorker(workerId: string): boolean {
    const now = this.now();
    this.sync(now);
    const w = this.workers.get(workerId);
    if (w === undefined) return false;
    const hive = w.hive;
    const wasOnline = w.online;
    (w.online ? this.online : this.offline).remove(w);
    this.forgetWorker(w);
    this.detachFromHive(w);
    this.emit('worker.removed', now, w, hive);
    if (hive.workers.size === 0) this.dropHive(hive, now);
    else if (wasOnline && hive.onlineWorkers === 0) this.emit('hive.offline', now, null, hive);
    this.arm();
    return true;
  }

  /** HIVE.DEL: removes the hive and all its workers; false when the hive is unknown. */
  removeHive(hiveId: string): boolean {
    const now = this.now();
    this.sync(now);
    const hive = this.hives.get(hiveId);
    if (hive === undefined) return false;
    for (const w of [...hive.workers].sort(byWorkerId)) {
      (w.online ? this.online : this.offline).remove(w);
      this.forgetWorker(w);
      this.emit('worker.removed', now, w, hive);
    }
    hive.workers.clear();
    this.dropHive(hive, now);
    this.arm();
    return true;
  }

  /** Drops a worker from the maps and indexes (not from its list or hive). */
  private forgetWorker(w: WorkerRecord): void {
    this.workers.delete(w.workerId);
    this.workerSlots.remove(w);
    if (w.available) this.setAvailable(w, false);
    if (w.modelId !== null) this.unindexModel(w);
    if (w.online) this.onlineCount--;
    if (isSkewed(w)) this.skewed--;
    this.rows.release(w);
  }

  private unindexModel(w: WorkerRecord): void {
    const set = this.byModel.get(w.modelId!);
    if (set === undefined) return;
    set.delete(w);
    if (set.size === 0) this.byModel.delete(w.modelId!);
  }

  private dropHive(hive: HiveRecord, atMs: number): void {
    this.hives.delete(hive.hiveId);
    this.hiveSlots.remove(hive);
    this.hivesById = null;
    this.unlinkHive(hive);
    this.emit('hive.removed', atMs, null, hive);
  }

  // ── time: transitions at their deadlines ──────────────────────────────────────────────────────────────

  private evictionsPaused(): boolean {
    return this.evictAfterMs === 0 || this.guardActive;
  }

  /** The earliest pending transition (offline or eviction), or Infinity. */
  nextDeadlineMs(): number {
    const off = this.online.oldest === null ? Infinity : this.online.oldest.lastSeenMs + this.offlineAfterMs;
    const ev =
      this.offline.oldest === null || this.evictionsPaused()
        ? Infinity
        : Math.max(this.offline.oldest.lastSeenMs + this.evictAfterMs, this.evictionsResumeAtMs);
    return Math.min(off, ev);
  }

  /**
   * Applies, in deadline order, every transition due at or before `t` (at most `budget` of them). Returns
   * true when nothing due is left.
   */
  sync(t = this.now(), budget = Infinity, deadlineMs = Infinity): boolean {
    let done = 0;
    for (;;) {
      const off = this.online.oldest === null ? Infinity : this.online.oldest.lastSeenMs + this.offlineAfterMs;
      const ev =
        this.offline.oldest === null || this.evictionsPaused()
          ? Infinity
          : Math.max(this.offline.oldest.lastSeenMs + this.evictAfterMs, this.evictionsResumeAtMs);
      const next = Math.min(off, ev);
      // Windows of the guard roll first: a transition exactly at a boundary belongs to the new window.
      const windowEnd = this.windowStartMs + this.offlineAfterMs;
      if (windowEnd <= t && windowEnd <= next) {
        const upTo = Math.min(t, next);
        this.windowStartMs += Math.floor((upTo - this.windowStartMs) / this.offlineAfterMs) * this.offlineAfterMs;
        this.onlineAtWindowStart = this.onlineCount;
        this.offlinesInWindow = 0;
        continue;
      }
      if (next > t) return true;
      if (done >= budget) return false;
      if ((done & 127) === 127 && this.clock.now() >= deadlineMs) return false;
      if (off <= ev) this.goOffline(this.online.oldest!, off);
      else this.evict(this.offline.oldest!, ev);
      done++;
    }
  }

  /** Makes sure a timer is armed for the earliest deadline (only ever moves it earlier). */
  private arm(): void {
    if (this.timers === null) return;
    const next = this.nextDeadlineMs();
    if (next >= this.armedForMs) return;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.armedForMs = next;
    this.timer = next === Infinity ? null : this.timers.set(() => this.onTimer(), Math.max(0, next - this.now()));
  }

  private onTimer(): void {
    this.timer = null;
    this.armedForMs = Infinity;
    const start = this.now();
    const finished = this.sync(start, this.timerBatch, start + this.timerBudgetMs);
    if (!finished && this.timers !== null) {
      // More is due: yield to the event loop (clients keep being served), then go on.
      this.armedForMs = this.now();
      this.timer = this.timers.set(() => this.onTimer(), 0);
      return;
    }
    this.arm();
  }

  /** Stops the timer (server shutdown). */
  stop(): void {
    if (this.timer !== null && this.timers !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.armedForMs = Infinity;
  }

  // ── the mass-expiry guard ─────────────────────────────────────────────────────────────────────────────

  private setGuard(active: boolean, atMs: number): void {
    if (this.guardActive === active) return;
    this.guardActive = active;
    if (!active) this.evictionsResumeAtMs = atMs;
    this.emit(active ? 'guard.on' : 'guard.off', atMs, null, null, {
      mode: this.guardMode,
      online: this.onlineCount,
      baseline: this.guardBaseline,
    });
  }

  /** REGISTRY.GUARD: ON holds evictions, OFF never holds them, AUTO lets the registry decide. */
  setGuardMode(mode: GuardMode): void {
    const now = this.now();
    this.sync(now);
    this.guardMode = mode;
    if (mode === 'on') {
      this.guardBaseline = this.onlineCount;
      this.setGuard(true, now);
    } else if (mode === 'off') this.setGuard(false, now);
    else if (this.guardActive && this.onlineCount * 100 > (100 - this.expiryGuardPercent) * this.guardBaseline) this.setGuard(false, now);
    this.arm();
  }

  guardStatus(): GuardStatus {
    this.sync();
    return {
      mode: this.guardMode,
      active: this.guardActive,
      percent: this.expiryGuardPercent,
      onlineAtWindowStart: this.onlineAtWindowStart,
      offlinesInWindow: this.offlinesInWindow,
      windowStartMs: this.windowStartMs,
      baseline: this.guardBaseline,
    };
  }

  // ── queries (each first applies what is due) ──────────────────────────────────────────────────────────

  getWorker(workerId: string): WorkerRecord | undefined {
    this.sync();
    return this.workers.get(workerId);
  }

  getHive(hiveId: string): HiveRecord | undefined {
    this.sync();
    return this.hives.get(hiveId);
  }

  /**
   * Walks workers and hives by slot from `cursor` (0 starts), as Redis' SCAN walks buckets: stops after `count`
   * records or `count * 10` slots. Returns the next cursor, 0 when the walk is complete.
   */
  scanSlots(cursor: number, count: number, onWorker: (w: WorkerRecord) => void, onHive: (h: HiveRecord) => void): number {
    this.sync();
    const end = Math.max(this.workerSlots.capacity, this.hiveSlots.capacity);
    let slot = cursor;
    let found = 0;
    for (let steps = count * 10; slot < end && found < count && steps > 0; slot++, steps--) {
      const w = this.workerSlots.at(slot);
      if (w !== undefined) {
        onWorker(w);
        found++;
      }
      const h = this.hiveSlots.at(slot);
      if (h !== undefined) {
        onHive(h);
        found++;
      }
    }
    return slot >= end ? 0 : slot;
  }

  ageMs(lastSeenMs: number): number {
    return this.now() - lastSeenMs;
  }

  isOnline(lastSeenMs: number, maxAgeMs = this.offlineAfterMs): boolean {
    return this.now() - lastSeenMs < maxAgeMs;
  }

  isHiveOnline(hiveId: string, maxAgeMs = this.offlineAfterMs): boolean {
    const hive = this.getHive(hiveId);
    return hive !== undefined && this.isOnline(hive.lastHeartbeatMs, maxAgeMs);
  }

  /** Workers with a heartbeat younger than maxAgeMs. O(1) for the default window. */
  onlineWorkerCount(maxAgeMs = this.offlineAfterMs): number {
    this.sync();
    if (maxAgeMs === this.offlineAfterMs) return this.onlineCount;
    let n = 0;
    for (const _ of this.seenWithin(maxAgeMs)) n++;
    return n;
  }

  /** Workers whose last TS was more than 5 s away from the server's clock. */
  skewedWorkerCount(): number {
    this.sync();
    return this.skewed;
  }

  workerCount(): number {
    this.sync();
    return this.workers.size;
  }

  hiveCount(): number {
    this.sync();
    return this.hives.size;
  }

  /**
   * All hives sorted by id, each with its `rank` in that order. Rebuilt only after a hive is added or
   * removed (hives are hosts: they come and go rarely), so sorted lists cost no string sort per query.
   */
  private sortedHives(): HiveRecord[] {
    if (this.hivesById === null) {
      this.hivesById = [...this.hives.values()].sort(byHiveId);
      for (let i = 0; i < this.hivesById.length; i++) this.hivesById[i]!.rank = i;
    }
    return this.hivesById;
  }

  /** All hives, by id. */
  listHives(): HiveRecord[] {
    this.sync();
    return this.sortedHives().slice();
  }

  /** Hives with a heartbeat younger than maxAgeMs, by id. Walks only those hives. */
  activeHives(maxAgeMs = this.offlineAfterMs): HiveRecord[] {
    this.sync();
    const cutoff = this.now() - maxAgeMs;
    const out: HiveRecord[] = [];
    for (let h = this.newestHive; h !== null && h.lastHeartbeatMs > cutoff; h = h.older) out.push(h);
    if (out.length < 2) return out;
    const all = this.sortedHives();
    // Few active: sort them by rank (integers). Many: mark their ranks and read the marks in order, which is
    // a pass over a byte array instead of a comparison sort.
    if (out.length * 16 < all.length) return out.sort((a, b) => a.rank - b.rank);
    if (this.rankMarks.length < all.length) this.rankMarks = new Uint8Array(all.length * 2);
    const marks = this.rankMarks;
    for (const h of out) marks[h.rank] = 1;
    let k = 0;
    for (let i = 0; i < all.length; i++) {
      if (marks[i] === 1) {
        marks[i] = 0;
        out[k++] = all[i]!;
      }
    }
    return out;
  }

  /** The hive's workers, by id (empty when the hive is unknown). */
  workersOnHive(hiveId: string): WorkerRecord[] {
    const hive = this.getHive(hiveId);
    return hive === undefined ? [] : [...hive.workers].sort(byWorkerId);
  }

  /** Workers matching every given filter, by id. Uses the narrowest index the filter allows. */
  listWorkers(filter: WorkerFilter = {}): WorkerRecord[] {
    this.sync();
    let source: Iterable<WorkerRecord>;
    if (filter.modelId !== undefined) source = this.byModel.get(filter.modelId) ?? [];
    else if (filter.hiveId !== undefined) source = this.hives.get(filter.hiveId)?.workers ?? [];
    else if (filter.maxAgeMs !== undefined) source = this.seenWithin(filter.maxAgeMs);
    else source = this.workers.values();
    const cutoff = filter.maxAgeMs === undefined ? -Infinity : this.now() - filter.maxAgeMs;
    const out: WorkerRecord[] = [];
    for (const w of source) {
      if (filter.hiveId !== undefined && w.hive.hiveId !== filter.hiveId) continue;
      if (filter.state !== undefined && w.effectiveState !== filter.state) continue;
      if (filter.modelId !== undefined && w.modelId !== filter.modelId) continue;
      if (filter.backend !== undefined && w.backend !== filter.backend) continue;
      if (w.lastSeenMs <= cutoff) continue;
      out.push(w);
    }
    return out.sort(byWorkerId);
  }

  /** Newest heartbeat first, stopping at the first worker older than maxAgeMs. Call after sync(). */
  private *seenWithin(maxAgeMs: number): Generator<WorkerRecord> {
    const cutoff = this.now() - maxAgeMs;
    for (let w = this.online.newest; w !== null; w = w.older) {
      if (w.lastSeenMs <= cutoff) return;
      yield w;
    }
    // Offline workers are all older than the online ones.
    for (let w = this.offline.newest; w !== null; w = w.older) {
      if (w.lastSeenMs <= cutoff) return;
      yield w;
    }
  }

  /**
   * The best online idle worker for a model: among those with the model loaded (optionally on a backend,
   * with enough free VRAM), healthy before degraded, then least GPU load, then worker id. If none has the
   * model, the best online idle worker of any model, in the same order. Undefined when there is none.
   * Looks only at online idle workers (an index kept by every heartbeat and transition).
   */
  bestWorker(modelId: string, query: BestWorkerQuery | string = {}): WorkerRecord | undefined {
    this.sync();
    const { backend, minFreeVramBytes } = typeof query === 'string' ? { backend: query, minFreeVramBytes: undefined } : query;
    const filter = { backend, minFreeVramBytes };
    return this.best.best(modelId, filter) ?? this.best.bestOfAll(filter);
  }

  // ── snapshots ─────────────────────────────────────────────────────────────────────────────────────────

  /** The state to persist: every worker, and the revision counter. */
  snapshot(): { rev: number; savedAtMs: number; workers: WorkerSnapshot[] } {
    const savedAtMs = this.now();
    this.sync(savedAtMs);
    const workers: WorkerSnapshot[] = [];
    for (const list of [this.offline, this.online]) {
      for (let w = list.oldest; w !== null; w = w.newer) {
        workers.push({
          worker_id: w.workerId,
          hive_id: w.hive.hiveId,
          state: w.state,
          health: w.health,
          url: w.url,
          model_id: w.modelId,
          backend: w.backend,
          device_id: w.deviceId,
          vram_bytes: w.vramBytes,
          vram_total_bytes: w.vramTotalBytes,
          ram_bytes: w.ramBytes,
          cpu_percent: w.cpuPercent,
          gpu_percent: w.gpuPercent,
          reported_at: w.reportedAt,
          skew_ms: w.skewMs,
          last_seen_ms: w.lastSeenMs,
          online: w.online,
        });
      }
    }
    return { rev: this.events.lastRev, savedAtMs, workers };
  }

  /**
   * Loads a snapshot into an empty registry. Workers online when it was saved get one window of grace from
   * now (so scheduling goes on through a restart, and dead ones still age out); offline ones keep their age.
   * The revision counter continues from the snapshot's. Emits no events.
   */
  restore(snap: { rev: number; workers: readonly WorkerSnapshot[] }): void {
    if (this.workers.size > 0) throw new Error('restore needs an empty registry');
    const now = this.now();
    this.events = new EventLog(this.events.capacity, snap.rev);
    const offline = snap.workers.filter((s) => !s.online).sort((a, b) => a.last_seen_ms - b.last_seen_ms);
    const online = snap.workers.filter((s) => s.online).sort((a, b) => a.last_seen_ms - b.last_seen_ms);
    for (const s of [...offline, ...online]) {
      let hive = this.hives.get(s.hive_id);
      if (hive === undefined) {
        hive = new HiveRecord(s.hive_id);
        this.hives.set(s.hive_id, hive);
        this.hiveSlots.add(hive);
        this.hivesById = null;
      }
      const w = new WorkerRecord(s.worker_id, hive, s.online ? now : Math.min(s.last_seen_ms, now), this.rows);
      w.online = false;
      this.workers.set(w.workerId, w);
      this.workerSlots.add(w);
      hive.workers.add(w);
      this.apply(
        w,
        {
          state: s.state ?? undefined,
          health: s.health ?? undefined,
          url: s.url ?? undefined,
          modelId: s.model_id ?? undefined,
          backend: s.backend ?? undefined,
          deviceId: s.device_id ?? undefined,
          vramBytes: s.vram_bytes ?? undefined,
          vramTotalBytes: s.vram_total_bytes ?? undefined,
          ramBytes: s.ram_bytes ?? undefined,
          cpuPercent: s.cpu_percent ?? undefined,
          gpuPercent: s.gpu_percent ?? undefined,
        },
        now,
      );
      w.reportedAt = s.reported_at;
      w.skewMs = s.skew_ms;
      if (isSkewed(w)) this.skewed++;
      if (s.online) this.markOnline(w);
      else this.offline.pushNewest(w);
      if (w.lastSeenMs > hive.lastHeartbeatMs) hive.lastHeartbeatMs = w.lastSeenMs;
    }
    for (const hive of [...this.hives.values()].sort((a, b) => a.lastHeartbeatMs - b.lastHeartbeatMs)) this.linkNewestHive(hive);
    this.windowStartMs = now;
    this.onlineAtWindowStart = this.onlineCount;
    this.offlinesInWindow = 0;
    this.arm();
  }

  // ── hive list ─────────────────────────────────────────────────────────────────────────────────────────

  private linkNewestHive(h: HiveRecord): void {
    h.older = this.newestHive;
    h.newer = null;
    if (this.newestHive !== null) this.newestHive.newer = h;
    else this.oldestHive = h;
    this.newestHive = h;
  }

  private unlinkHive(h: HiveRecord): void {
    if (h.older !== null) h.older.newer = h.newer;
    else if (this.oldestHive === h) this.oldestHive = h.newer;
    if (h.newer !== null) h.newer.older = h.older;
    else if (this.newestHive === h) this.newestHive = h.older;
    h.older = h.newer = null;
  }

  /** After a hive's newest heartbeat went back in time (its newest worker left), restore the list order. */
  private repositionHive(h: HiveRecord): void {
    this.unlinkHive(h);
    let after = this.newestHive;
    while (after !== null && after.lastHeartbeatMs > h.lastHeartbeatMs) after = after.older;
    if (after === null) {
      h.newer = this.oldestHive;
      h.older = null;
      if (this.oldestHive !== null) this.oldestHive.older = h;
      else this.newestHive = h;
      this.oldestHive = h;
      return;
    }
    h.older = after;
    h.newer = after.newer;
    if (after.newer !== null) after.newer.older = h;
    else this.newestHive = h;
    after.newer = h;
  }

  /** Test aid: every worker from oldest to newest heartbeat (offline ones first). */
  *workersOldestFirst(): Generator<WorkerRecord> {
    for (let w = this.offline.oldest; w !== null; w = w.newer) yield w;
    for (let w = this.online.oldest; w !== null; w = w.newer) yield w;
  }

  /** Test aid: the hive list from oldest to newest heartbeat. */
  *hivesOldestFirst(): Generator<HiveRecord> {
    for (let h = this.oldestHive; h !== null; h = h.newer) yield h;
  }
}

export { CompactedError };
