// The worker registry: who is alive, in which hive, with what loaded and how busy. Plain TypeScript with an
// injected clock and timers: no sockets, no RESP, no process globals. A thin front over its parts: liveness
// (the one rule, its lists, timer and guard), hives, workers and their indexes, the event log, snapshots.
// Queries hand out read-only views of the records: no links, rows or sets leave the registry.

import { checkId, FIELD_MAX_BYTES } from './field-limits.js';
import { CompactedError, EventBus, stateDetails, type EventLog, type EventType, type LoggedEvent } from './events.js';
import type { GuardMode, GuardState, GuardStatus } from './guard.js';
import { Hives } from './hives.js';
import { Liveness } from './liveness.js';
import { Restorer, SnapshotReader } from './snapshot.js';
import type { HeartbeatFields, HiveRecord, RegistryOptions, WorkerRecord } from './types.js';
import { Workers } from './workers.js';
import { Scheduling } from './scheduling.js';
import { byWorkerId, RegistryQueries } from './queries.js';

/**
 * The front: changes (heartbeats, removals, FLUSHALL), time, the guard, snapshots and events. The queries are
 * the read side it extends (queries.ts), over the same parts.
 */
export class WorkerRegistry extends RegistryQueries {
  private readonly bus: EventBus;
  private reader: SnapshotReader | null = null;

  /** Heartbeats taken (with the event revision, what INFO's rdb_changes_since_last_save counts). */
  heartbeatCount = 0;

  private readonly options: RegistryOptions;

  constructor(options: RegistryOptions = {}) {
    super();
    // A copy: CONFIG SET changes the guard's limits here too, so a FLUSHALL's new parts keep them.
    this.options = { ...options };
    this.bus = new EventBus(options.eventLogSize ?? 100_000, options.eventLogMaxBytes);
    this.build();
  }

  /** Makes empty parts: at construction, and for flush(). */
  private build(): void {
    const o = this.options;
    this.liveness = new Liveness(o);
    this.hives = new Hives();
    this.workers = new Workers(this.hives);
    this.scheduler = new Scheduling(this.liveness, this.workers, this.hives, o.timers ?? null, (type, at, w, details) =>
      this.emit(type, at, w, w.hive, details),
    );
    this.liveness.hooks = {
      cameOnline: (w, at) => {
        this.hives.count(w, 1, false, true);
        this.workers.livenessChanged(w);
        this.workers.refresh(w);
        this.emit('worker.online', at, w, w.hive, stateDetails(w));
        if (w.hive.onlineWorkers === 1) this.emit('hive.online', at, null, w.hive);
      },
      wentOffline: (w, at) => {
        this.hives.count(w, -1, false, true);
        this.workers.livenessChanged(w);
        this.workers.refresh(w);
        this.emit('worker.offline', at, w, w.hive);
        if (w.hive.onlineWorkers === 0) this.emit('hive.offline', at, null, w.hive);
      },
      evicted: (w, at) => this.remove(w, 'worker.evicted', at),
      guardChanged: (active, at, g, reason) =>
        this.emit(
          active ? 'guard.on' : 'guard.off',
          at,
          null,
          null,
          active
            ? { mode: g.mode, online: this.liveness.onlineWorkers, baseline: g.baseline }
            : {
                mode: g.mode,
                online: this.liveness.onlineWorkers,
                baseline: g.baseline,
                reason: reason ?? 'operator',
                evictions_resume_at_ms: g.evictionsResumeAtMs,
              },
        ),
    };
  }

  /** The log behind EVENTS.READ (a new one after a restore). */
  get events(): EventLog {
    return this.bus.log;
  }

  /** Calls `fn` for every event, after it is logged. */
  onEvent(fn: (e: LoggedEvent) => void): void {
    this.bus.onEvent(fn);
  }

  private emit(
    type: EventType,
    atMs: number,
    worker: WorkerRecord | null,
    hive: HiveRecord | null,
    details?: Record<string, string | number | null>,
  ): void {
    this.bus.emit(type, atMs, worker === null ? null : worker.workerId, hive === null ? null : hive.hiveId, details);
  }

  // ── changes ───────────────────────────────────────────────────────────────────────────────────────────

  /** Heartbeats that registered a worker (it was unknown), since start: the metrics' `new` heartbeats. */
  registrations = 0;

  /**
   * Records a heartbeat received now. Omitted fields keep their last value; naming another hive moves the
   * worker. Returns true when the beat registered the worker (it was not known: new, removed or evicted),
   * false when it refreshed a known one (online or offline).
   */
  heartbeat(workerId: string, hiveId: string, fields: HeartbeatFields): boolean {
    checkId(workerId, 'worker_id', FIELD_MAX_BYTES.worker_id);
    checkId(hiveId, 'hive_id', FIELD_MAX_BYTES.hive_id);
    this.heartbeatCount++;
    const now = this.liveness.now();
    this.liveness.sync(now);
    const hive = this.hives.obtain(hiveId, now);
    let w = this.workers.get(workerId);
    if (w === undefined) {
      w = this.workers.create(workerId, hive, now);
      this.reader?.created(w);
      this.workers.apply(w, fields, now);
      this.liveness.beat(w, now, false);
      this.hives.touch(hive, now);
      this.liveness.arm();
      this.registrations++;
      return true;
    }
    this.reader?.beforeChange(w);
    const wasOnline = w.online;
    // Compared as reported everywhere (a worker that never sent STATE is Idle): naming the value it already
    // had is no change.
    const { effectiveState: state, effectiveHealth: health, modelId } = w;
    const from = w.hive;
    if (from !== hive) {
      this.hives.leave(w);
      w.hive = hive;
      this.hives.join(w);
    }
    this.workers.apply(w, fields, now);
    // The worker's own word on its state is newer than any claim on it.
    if (fields.state !== undefined) this.scheduler.claims.stateReported(w, w.effectiveState, now);
    this.liveness.beat(w, now, true);
    if (wasOnline) {
      this.workers.refresh(w);
      if (from !== hive) {
        this.emit('worker.state', now, w, hive, { ...stateDetails(w), moved_from: from.hiveId });
        if (hive.onlineWorkers === 1) this.emit('hive.online', now, null, hive);
      } else if (w.effectiveState !== state || w.effectiveHealth !== health || w.modelId !== modelId) {
        this.emit('worker.state', now, w, hive, stateDetails(w));
      }
    }
    if (from !== hive) {
      if (from.workers.size === 0) this.dropHive(from, now);
      else if (wasOnline && from.onlineWorkers === 0) this.emit('hive.offline', now, null, from);
    }
    this.hives.touch(hive, now);
    this.liveness.arm();
    return false;
  }

  /** WORKER.DEL: returns false when the worker is unknown. A hive left with no workers is dropped. */
  removeWorker(workerId: string): boolean {
    const now = this.liveness.now();
    this.liveness.sync(now);
    const w = this.workers.get(workerId);
    if (w === undefined) return false;
    const wasOnline = w.online;
    this.liveness.forget(w);
    this.remove(w, 'worker.removed', now);
    if (w.hive.workers.size > 0 && wasOnline && w.hive.onlineWorkers === 0) this.emit('hive.offline', now, null, w.hive);
    this.liveness.arm();
    return true;
  }

  /** HIVE.DEL: removes the hive and all its workers; false when the hive is unknown. */
  removeHive(hiveId: string): boolean {
    const now = this.liveness.now();
    this.liveness.sync(now);
    const hive = this.hives.get(hiveId);
    if (hive === undefined) return false;
    for (const w of [...hive.workers].sort(byWorkerId)) {
      this.liveness.forget(w);
      this.remove(w, 'worker.removed', now);
    }
    this.liveness.arm();
    return true;
  }

  /**
   * FLUSHALL: forgets every worker and hive at once. The parts are replaced, not emptied record by record, so
   * the cost does not grow with the fleet: the old records become garbage that the collector frees in the
   * background; claims go with their workers. One `registry.flushed` event, with the counts, stands for all the removals. The guard mode
   * (REGISTRY.GUARD) and the revision carry on; a snapshot being read keeps reading what it opened.
   */
  flush(): { workers: number; hives: number } {
    const now = this.liveness.now();
    this.liveness.sync(now);
    const removed = { workers: this.workers.size, hives: this.hives.size };
    const mode = this.liveness.guardStatus().mode;
    this.liveness.stop();
    this.scheduler.stop();
    this.build();
    this.liveness.setGuardMode(mode);
    this.emit('registry.flushed', now, null, null, removed);
    return removed;
  }

  /** Forgets a worker that is on no liveness list any more; drops its hive when it was the last one there. */
  private remove(w: WorkerRecord, type: 'worker.removed' | 'worker.evicted', atMs: number): void {
    this.reader?.beforeChange(w);
    this.scheduler.claims.forget(w);
    this.workers.forget(w);
    this.hives.leave(w);
    this.emit(type, atMs, w, w.hive);
    if (w.hive.workers.size === 0) this.dropHive(w.hive, atMs);
  }

  private dropHive(hive: HiveRecord, atMs: number): void {
    this.hives.drop(hive);
    this.emit('hive.removed', atMs, null, hive);
  }

  // ── time ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Applies every transition due now. Returns true when nothing due is left. */
  sync(): boolean {
    return this.liveness.sync();
  }

  /** Stops the timer (server shutdown). */
  stop(): void {
    this.scheduler.stop();
    this.liveness.stop();
  }

  /** REGISTRY.GUARD: ON holds evictions, OFF never holds them, AUTO lets the registry decide. */
  setGuardMode(mode: GuardMode): void {
    this.liveness.setGuardMode(mode);
  }

  guardStatus(): GuardStatus {
    return this.liveness.guardStatus();
  }

  /** --expiry-guard-max-hold and --evict-rate at run time. */
  setGuardLimits(limits: { maxHoldMs?: number; evictRate?: number }): void {
    if (limits.maxHoldMs !== undefined) this.options.expiryGuardMaxHoldMs = limits.maxHoldMs;
    if (limits.evictRate !== undefined) this.options.evictRate = limits.evictRate;
    this.liveness.setLimits(limits);
  }

  // ── snapshots ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Opens a reader of every worker as it is now (after applying what is due), with the revision. Read it in
   * chunks; the registry may change between them. One at a time: close (or read to the end) before the next.
   */
  openSnapshot(): SnapshotReader {
    if (this.reader !== null) throw new Error('a snapshot is already being read');
    const t = this.liveness.now();
    this.liveness.sync(t);
    const reader = new SnapshotReader(this.workers, this.bus.log.lastRev, t, this.liveness.guardState(), () => {
      if (this.reader === reader) this.reader = null;
    });
    return (this.reader = reader);
  }

  /**
   * Starts loading a snapshot into an empty registry: add() each record, then finish(). Liveness follows from
   * each worker's last_seen_ms, the current windows and this clock; times ahead of this clock are moved back
   * (the report says by how much). The revision counter continues from the snapshot's. Emits no events.
   */
  beginRestore(header: { rev: number; savedAtMs: number; guard?: GuardState }): Restorer {
    if (this.workers.size > 0) throw new Error('restore needs an empty registry');
    this.bus.continueFrom(header.rev);
    return new Restorer({ liveness: this.liveness, hives: this.hives, workers: this.workers }, header.savedAtMs, header.guard);
  }
}

export { CompactedError };
export type { BestWorkerQuery, RegistryOptions, WorkerFilter } from './types.js';
export type { GuardMode, GuardState, GuardStatus } from './guard.js';
