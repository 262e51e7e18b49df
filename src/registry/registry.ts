// The worker registry: who is alive, in which hive, with what loaded and how busy. Plain TypeScript with an
// injected clock: no sockets, no RESP, no process globals.
//
// Liveness comes only from the server's receive time. Workers and hives sit in intrusive lists ordered by
// their newest heartbeat (the clock is monotonic, so a heartbeat moves its worker to the newest end in O(1)),
// which makes "who was seen within N ms" a walk from the newest end that stops at the first stale entry.

import { type Clock, type HeartbeatFields, HiveRecord, RegistryError, systemClock, type WorkerRecord as WR, WorkerRecord } from './types.js';

export interface RegistryOptions {
  clock?: Clock;
  /** A worker or hive is online while its newest heartbeat is younger than this (ms). */
  offlineAfterMs?: number;
}

export interface WorkerFilter {
  hiveId?: string;
  state?: WR['state'] & string;
  modelId?: string;
  backend?: string;
  /** Only workers whose newest heartbeat is younger than this (ms). */
  maxAgeMs?: number;
}

/** Ordering for WORKER.BEST: healthy first, then least GPU load (missing counts as 100), then worker id. */
function betterCandidate(a: WorkerRecord, b: WorkerRecord): boolean {
  const ha = a.effectiveHealth === 'healthy' ? 0 : 1;
  const hb = b.effectiveHealth === 'healthy' ? 0 : 1;
  if (ha !== hb) return ha < hb;
  const ga = a.gpuPercent ?? 100;
  const gb = b.gpuPercent ?? 100;
  if (ga !== gb) return ga < gb;
  return a.workerId < b.workerId;
}

function byWorkerId(a: WorkerRecord, b: WorkerRecord): number {
  return a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0;
}

function byHiveId(a: HiveRecord, b: HiveRecord): number {
  return a.hiveId < b.hiveId ? -1 : a.hiveId > b.hiveId ? 1 : 0;
}

export class WorkerRegistry {
  readonly offlineAfterMs: number;
  private readonly clock: Clock;
  private lastNowMs = 0;
  private readonly workers = new Map<string, WorkerRecord>();
  private readonly hives = new Map<string, HiveRecord>();
  private readonly byModel = new Map<string, Set<WorkerRecord>>();
  // Oldest and newest ends of the heartbeat-ordered lists.
  private oldestWorker: WorkerRecord | null = null;
  private newestWorker: WorkerRecord | null = null;
  private oldestHive: HiveRecord | null = null;
  private newestHive: HiveRecord | null = null;

  constructor(options: RegistryOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.offlineAfterMs = options.offlineAfterMs ?? 30_000;
    if (!(this.offlineAfterMs > 0)) throw new RangeError('offlineAfterMs must be positive');
  }

  /** The registry's time: the clock, never allowed to go backwards. */
  now(): number {
    const t = this.clock.now();
    if (t > this.lastNowMs) this.lastNowMs = t;
    return this.lastNowMs;
  }

  // ── heartbeats ────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Records a heartbeat received now. Omitted fields keep their last value; naming another hive moves the
   * worker. Returns true when the beat registered the worker (it was not known), false when it refreshed it.
   */
  heartbeat(workerId: string, hiveId: string, fields: HeartbeatFields): boolean {
    if (workerId.length === 0) throw new RegistryError("invalid worker_id '': expected a non-empty string");
    if (hiveId.length === 0) throw new RegistryError("invalid hive_id '': expected a non-empty string");
    const now = this.now();
    let worker = this.workers.get(workerId);
    const registered = worker === undefined;
    let hive = this.hives.get(hiveId);
    if (hive === undefined) {
      hive = new HiveRecord(hiveId);
      this.hives.set(hiveId, hive);
    }
    if (worker === undefined) {
      worker = new WorkerRecord(workerId, hive, now);
      this.workers.set(workerId, worker);
      hive.workers.add(worker);
    } else {
      this.unlinkWorker(worker);
      if (worker.hive !== hive) this.moveWorker(worker, hive);
      worker.lastSeenMs = now;
    }
    this.linkNewestWorker(worker);
    this.apply(worker, fields);
    hive.lastHeartbeatMs = now;
    this.unlinkHive(hive);
    this.linkNewestHive(hive);
    return registered;
  }

  private apply(w: WorkerRecord, f: HeartbeatFields): void {
    const hive = w.hive;
    if (f.state !== undefined) w.state = f.state;
    if (f.health !== undefined) w.health = f.health;
    if (f.url !== undefined) w.url = f.url;
    if (f.modelId !== undefined && f.modelId !== w.modelId) {
      if (w.modelId !== null) this.unindexModel(w);
      w.modelId = f.modelId;
      let set = this.byModel.get(f.modelId);
      if (set === undefined) this.byModel.set(f.modelId, (set = new Set()));
      set.add(w);
    }
    if (f.backend !== undefined) w.backend = f.backend;
    if (f.deviceId !== undefined) w.deviceId = f.deviceId;
    if (f.vramBytes !== undefined) {
      hive.vramUsedBytes += f.vramBytes - (w.vramBytes ?? 0);
      w.vramBytes = f.vramBytes;
    }
    if (f.ramBytes !== undefined) {
      hive.ramUsedBytes += f.ramBytes - (w.ramBytes ?? 0);
      w.ramBytes = f.ramBytes;
    }
    if (f.cpuPercent !== undefined) w.cpuPercent = f.cpuPercent;
    if (f.gpuPercent !== undefined) w.gpuPercent = f.gpuPercent;
    if (f.reportedAt !== undefined) w.reportedAt = f.reportedAt;
  }

  private moveWorker(w: WorkerRecord, to: HiveRecord): void {
    const from = w.hive;
    this.detachFromHive(w);
    w.hive = to;
    to.workers.add(w);
    to.vramUsedBytes += w.vramBytes ?? 0;
    to.ramUsedBytes += w.ramBytes ?? 0;
    if (from.workers.size === 0) this.dropHive(from);
  }

  /** Takes a worker out of its hive's set and sums, and fixes the hive's newest heartbeat. */
  private detachFromHive(w: WorkerRecord): void {
    const hive = w.hive;
    hive.workers.delete(w);
    hive.vramUsedBytes -= w.vramBytes ?? 0;
    hive.ramUsedBytes -= w.ramBytes ?? 0;
    if (hive.workers.size > 0 && w.lastSeenMs >= hive.lastHeartbeatMs) {
      let newest = 0;
      for (const other of hive.workers) if (other.lastSeenMs > newest) newest = other.lastSeenMs;
      hive.lastHeartbeatMs = newest;
      this.repositionHive(hive);
    }
  }

  // ── removal ───────────────────────────────────────────────────────────────────────────────────────────

  /** WORKER.DEL: returns false when the worker is unknown. A hive left with no workers is dropped. */
  removeWorker(workerId: string): boolean {
    const w = this.workers.get(workerId);
    if (w === undefined) return false;
    const hive = w.hive;
    this.forgetWorker(w);
    this.detachFromHive(w);
    if (hive.workers.size === 0) this.dropHive(hive);
    return true;
  }

  /** HIVE.DEL: removes the hive and all its workers; false when the hive is unknown. */
  removeHive(hiveId: string): boolean {
    const hive = this.hives.get(hiveId);
    if (hive === undefined) return false;
    for (const w of hive.workers) this.forgetWorker(w);
    hive.workers.clear();
    this.dropHive(hive);
    return true;
  }

  private forgetWorker(w: WorkerRecord): void {
    this.workers.delete(w.workerId);
    this.unlinkWorker(w);
    if (w.modelId !== null) this.unindexModel(w);
  }

  private unindexModel(w: WorkerRecord): void {
    const set = this.byModel.get(w.modelId!);
    if (set === undefined) return;
    set.delete(w);
    if (set.size === 0) this.byModel.delete(w.modelId!);
  }

  private dropHive(hive: HiveRecord): void {
    this.hives.delete(hive.hiveId);
    this.unlinkHive(hive);
  }

  // ── queries ───────────────────────────────────────────────────────────────────────────────────────────

  getWorker(workerId: string): WorkerRecord | undefined {
    return this.workers.get(workerId);
  }

  getHive(hiveId: string): HiveRecord | undefined {
    return this.hives.get(hiveId);
  }

  ageMs(lastSeenMs: number): number {
    return this.now() - lastSeenMs;
  }

  isOnline(lastSeenMs: number, maxAgeMs = this.offlineAfterMs): boolean {
    return this.now() - lastSeenMs < maxAgeMs;
  }

  isHiveOnline(hiveId: string, maxAgeMs = this.offlineAfterMs): boolean {
    const hive = this.hives.get(hiveId);
    return hive !== undefined && this.isOnline(hive.lastHeartbeatMs, maxAgeMs);
  }

  /** Workers with a heartbeat younger than maxAgeMs. Walks only those workers. */
  onlineWorkerCount(maxAgeMs = this.offlineAfterMs): number {
    let n = 0;
    for (const _ of this.seenWithin(maxAgeMs)) n++;
    return n;
  }

  workerCount(): number {
    return this.workers.size;
  }

  hiveCount(): number {
    return this.hives.size;
  }

  /** All hives, by id. */
  listHives(): HiveRecord[] {
    return [...this.hives.values()].sort(byHiveId);
  }

  /** Hives with a heartbeat younger than maxAgeMs, by id. Walks only the online hives. */
  activeHives(maxAgeMs = this.offlineAfterMs): HiveRecord[] {
    const cutoff = this.now() - maxAgeMs;
    const out: HiveRecord[] = [];
    for (let h = this.newestHive; h !== null && h.lastHeartbeatMs > cutoff; h = h.older) out.push(h);
    return out.sort(byHiveId);
  }

  /** The hive's workers, by id (empty when the hive is unknown). */
  workersOnHive(hiveId: string): WorkerRecord[] {
    const hive = this.hives.get(hiveId);
    return hive === undefined ? [] : [...hive.workers].sort(byWorkerId);
  }

  /** Workers matching every given filter, by id. Uses the narrowest index the filter allows. */
  listWorkers(filter: WorkerFilter = {}): WorkerRecord[] {
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

  private *seenWithin(maxAgeMs: number): Generator<WorkerRecord> {
    const cutoff = this.now() - maxAgeMs;
    for (let w = this.newestWorker; w !== null && w.lastSeenMs > cutoff; w = w.older) yield w;
  }

  /**
   * The best online idle worker for a model: among those with the model loaded (optionally on a backend),
   * healthy before degraded, then least GPU load, then worker id. If none has the model, the best online
   * idle worker of any model, in the same order. Undefined when there is none.
   */
  bestWorker(modelId: string, backend?: string): WorkerRecord | undefined {
    const cutoff = this.now() - this.offlineAfterMs;
    const pick = (source: Iterable<WorkerRecord>): WorkerRecord | undefined => {
      let best: WorkerRecord | undefined;
      for (const w of source) {
        if (w.lastSeenMs <= cutoff || w.effectiveState !== 'Idle') continue;
        if (backend !== undefined && w.backend !== backend) continue;
        if (best === undefined || betterCandidate(w, best)) best = w;
      }
      return best;
    };
    return pick(this.byModel.get(modelId) ?? []) ?? pick(this.seenWithin(this.offlineAfterMs));
  }

  // ── intrusive lists ───────────────────────────────────────────────────────────────────────────────────

  private linkNewestWorker(w: WorkerRecord): void {
    w.older = this.newestWorker;
    w.newer = null;
    if (this.newestWorker !== null) this.newestWorker.newer = w;
    else this.oldestWorker = w;
    this.newestWorker = w;
  }

  private unlinkWorker(w: WorkerRecord): void {
    if (w.older !== null) w.older.newer = w.newer;
    else if (this.oldestWorker === w) this.oldestWorker = w.newer;
    if (w.newer !== null) w.newer.older = w.older;
    else if (this.newestWorker === w) this.newestWorker = w.older;
    w.older = w.newer = null;
  }

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
    if (this.newestHive === null) return;
    this.unlinkHive(h);
    let after = this.newestHive as HiveRecord | null;
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

  /** Debug/test aid: the worker list from oldest to newest heartbeat. */
  *workersOldestFirst(): Generator<WorkerRecord> {
    for (let w = this.oldestWorker; w !== null; w = w.newer) yield w;
  }

  /** Debug/test aid: the hive list from oldest to newest heartbeat. */
  *hivesOldestFirst(): Generator<HiveRecord> {
    for (let h = this.oldestHive; h !== null; h = h.newer) yield h;
  }
}
