// The registry side of snapshots: records out for saving and back in for restoring, a chunk at a time. Saving
// reads a consistent picture as of the moment it opened, however the registry changes between chunks; restoring
// places each worker by the liveness rule at the restart time, never by what was true when it was saved.

import type { GuardState } from './guard.js';
import type { Hives } from './hives.js';
import type { Liveness } from './liveness.js';
import { type Health, SNAPSHOT_EPOCHS, type WorkerRecord, type WorkerState } from './types.js';
import type { Workers } from './workers.js';

/** A worker as saved. Liveness is not saved: it follows from last_seen_ms at restore. */
export interface WorkerSnapshot {
  worker_id: string;
  hive_id: string;
  state: WorkerState | null;
  health: Health | null;
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
}

/** The fields a saved line is written from: a live record, or the copy a record left before it changed. */
export type SavedWorker = Pick<
  WorkerRecord,
  | 'workerId'
  | 'hiveId'
  | 'state'
  | 'health'
  | 'url'
  | 'modelId'
  | 'backend'
  | 'deviceId'
  | 'vramBytes'
  | 'vramTotalBytes'
  | 'ramBytes'
  | 'cpuPercent'
  | 'gpuPercent'
  | 'reportedAt'
  | 'skewMs'
  | 'lastSeenMs'
>;

function copyOf(w: WorkerRecord): SavedWorker {
  return {
    workerId: w.workerId,
    hiveId: w.hive.hiveId,
    state: w.state,
    health: w.health,
    url: w.url,
    modelId: w.modelId,
    backend: w.backend,
    deviceId: w.deviceId,
    vramBytes: w.vramBytes,
    vramTotalBytes: w.vramTotalBytes,
    ramBytes: w.ramBytes,
    cpuPercent: w.cpuPercent,
    gpuPercent: w.gpuPercent,
    reportedAt: w.reportedAt,
    skewMs: w.skewMs,
    lastSeenMs: w.lastSeenMs,
  };
}

export function toSnapshot(w: SavedWorker): WorkerSnapshot {
  return {
    worker_id: w.workerId,
    hive_id: w.hiveId,
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
  };
}

export interface SnapshotHeader {
  /** Revision of the newest event when the snapshot was taken. */
  rev: number;
  /** Registry time when it was taken. */
  savedAtMs: number;
  /** Workers the reader yields in all. */
  workers: number;
  /** The mass-expiry guard at that moment (a hold must survive a restart). */
  guard: GuardState;
}

let lastEpoch = 0;

/**
 * Reads the registry's workers as they were when it opened, in chunks. Between chunks the registry keeps
 * serving: a record about to change or go before the reader reached it leaves a copy of itself behind
 * (`beforeChange`), records made later are skipped. Each record carries the epoch of the reader that last saw
 * it, so the reader needs no set of visited ids. One reader at a time.
 */
export class SnapshotReader {
  readonly header: SnapshotHeader;
  private readonly epoch: number;
  private readonly pending: Iterator<WorkerRecord>;
  private readonly preImages: SavedWorker[] = [];
  private walked = false;

  constructor(
    workers: Workers,
    rev: number,
    savedAtMs: number,
    guard: GuardState,
    private readonly onClose: () => void,
  ) {
    this.header = { rev, savedAtMs, workers: workers.size, guard };
    lastEpoch = (lastEpoch % (SNAPSHOT_EPOCHS - 1)) + 1; // 1..2^24-1: 0 is "never seen"
    this.epoch = lastEpoch;
    // A Map iterator stays valid while entries are added and deleted.
    this.pending = workers.all()[Symbol.iterator]();
  }

  /**
   * Hands up to `max` records to `visit`, live records themselves (no copy: the writer serialises them at once,
   * before the registry can change them); returns how many. 0 when all were read (the reader is closed then).
   */
  readEach(max: number, visit: (w: SavedWorker) => void): number {
    let n = 0;
    while (n < max && !this.walked) {
      const next = this.pending.next();
      if (next.done === true) this.walked = true;
      else if (next.value.snapshotEpoch !== this.epoch) {
        next.value.snapshotEpoch = this.epoch;
        visit(next.value);
        n++;
      }
    }
    while (n < max && this.preImages.length > 0) {
      visit(this.preImages.pop()!);
      n++;
    }
    if (n === 0) this.close();
    return n;
  }

  /** Up to `max` records as plain objects; an empty array when all were read (the reader is closed then). */
  read(max: number): WorkerSnapshot[] {
    const out: WorkerSnapshot[] = [];
    this.readEach(max, (w) => out.push(toSnapshot(w)));
    return out;
  }

  /** Stops reading (a failed save); the registry forgets the reader. */
  close(): void {
    this.onClose();
  }

  /** The registry is about to change or remove `w`. */
  beforeChange(w: WorkerRecord): void {
    if (w.snapshotEpoch === this.epoch) return;
    w.snapshotEpoch = this.epoch;
    this.preImages.push(copyOf(w));
  }

  /** `w` was made after the reader opened. */
  created(w: WorkerRecord): void {
    w.snapshotEpoch = this.epoch;
  }
}

export interface RestoreReport {
  workers: number;
  hives: number;
  online: number;
  offline: number;
  /** Saved workers already past their eviction time at the restart: not loaded. */
  evicted: number;
  /** Workers past their eviction time kept because the saved guard holds them (or their grace runs). */
  held: number;
  /** How far the snapshot's clock was ahead of the restart clock (ms, 0 when it was not): its times were moved back by this. */
  clockAheadMs: number;
}

/** Loads records into an empty registry, a chunk at a time. */
export class Restorer {
  private readonly report: RestoreReport;
  private readonly now: number;

  constructor(
    private readonly parts: { liveness: Liveness; hives: Hives; workers: Workers },
    savedAtMs: number,
    guard?: GuardState,
  ) {
    this.now = parts.liveness.now();
    parts.workers.beginBulkLoad();
    // A snapshot from the future of this clock (a clock set back, another host): ages as they were at the save.
    const clockAheadMs = Math.max(0, savedAtMs - this.now);
    this.report = { workers: 0, hives: 0, online: 0, offline: 0, evicted: 0, held: 0, clockAheadMs };
    if (guard !== undefined) parts.liveness.restoreGuard(guard, clockAheadMs);
  }

  add(s: WorkerSnapshot): void {
    const { liveness, hives, workers } = this.parts;
    const lastSeenMs = Math.min(s.last_seen_ms - this.report.clockAheadMs, this.now);
    let state = liveness.stateAt(lastSeenMs, this.now);
    if (state === 'evicted') {
      if (!liveness.heldAtRestore(this.now)) {
        if (workers.get(s.worker_id) !== undefined) throw new Error(`duplicate worker ${JSON.stringify(s.worker_id)}`);
        this.report.evicted++;
        return;
      }
      state = 'offline';
      this.report.held++;
    }
    const hive = hives.obtain(s.hive_id, lastSeenMs);
    if (lastSeenMs > hive.lastHeartbeatMs) hive.lastHeartbeatMs = lastSeenMs;
    // A duplicate id throws here: the restore stops, and its registry is discarded.
    const w = workers.create(s.worker_id, hive, lastSeenMs);
    workers.apply(
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
      this.now,
    );
    workers.setReported(w, s.reported_at, s.skew_ms);
    liveness.placeRestored(w, state);
    if (state === 'online') {
      hives.count(w, 1, false, true);
      workers.livenessChanged(w);
    }
    workers.refresh(w);
    this.report.workers++;
    this.report[state]++;
  }

  /** Puts the lists in order and arms the timer; says what was loaded. */
  finish(): RestoreReport {
    this.parts.workers.endBulkLoad();
    this.parts.hives.relink();
    this.parts.liveness.finishRestore(this.now);
    return { ...this.report, hives: this.parts.hives.size };
  }
}
