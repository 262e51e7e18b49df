// The worker records and their indexes: by id, by model, the best-worker index (online Idle workers), the
// shared copies of model and backend names, the rows of numbers, and the count of skewed clocks. Applying a
// heartbeat's fields to a record happens here, so every index sees each change.

import { BestWorkerIndex, type CandidateFilter } from './best-index.js';
import { deviceCapacity, deviceKey, type DeviceKey } from './capacity.js';
import type { Hives } from './hives.js';
import { RowPages } from './number-rows.js';
import { StringPool } from './string-pool.js';
import { SlotIndex } from './slot-index.js';
import { WorkerTally } from './tally.js';
import { type BestWorkerQuery, type HeartbeatFields, type HiveRecord, type WorkerFilter, WorkerRecord } from './types.js';
import { MODEL_LINKS, WorkerSet } from './worker-set.js';

/** Workers whose reported clock is further than this from the server's are counted in INFO (Celery warns at 16 s). */
export const SKEW_WARN_MS = 5000;

function isSkewed(w: WorkerRecord): boolean {
  return w.skewMs !== null && Math.abs(w.skewMs) > SKEW_WARN_MS;
}

const NO_WORKERS: Iterable<WorkerRecord> = [];

/** A model's workers, and how many of them are online (kept at each transition: /metrics reads it per model). */
class ModelWorkers extends WorkerSet {
  online = 0;

  constructor() {
    super(MODEL_LINKS);
  }
}

/** How many workers a settle of changed GPUs walks at most before a query has to (a few milliseconds). */
export const GPU_SETTLE_WORK = 16_384;
/** Workers walked per GPU change at most, on average, by settles that do not wait for a query. */
const GPU_SETTLE_RATIO = 4;
/**
 * Changes after which the marked GPUs are settled even past that ratio: a fleet whose hives fill one worker at a
 * time across all of them re-marks each hive at its full size after every settle, and the ratio alone then left
 * the whole fleet to the first query (509 ms at 1M workers in 100k hives). Tied to GPU_SETTLE_WORK, so that what a
 * query may be left is a few GPU_SETTLE_WORK for hives of ordinary size: with 32,768 and 8,192, the first
 * WORKER.BEST MINFREE after loading 1M workers in 10-worker hives walked about 32k of them (43 ms, 50 ms target).
 */
const GPU_SETTLE_EVENTS = GPU_SETTLE_WORK / GPU_SETTLE_RATIO;

export class Workers {
  private readonly byId = new Map<string, WorkerRecord>();
  private readonly byModel = new Map<string, ModelWorkers>();
  /** Online Idle workers by model (and those with no model): WORKER.BEST looks only here. */
  private readonly best = new BestWorkerIndex();
  /** GPUs (hive, DEVICE) whose workers' free VRAM is to be settled before the next best-worker query. */
  private readonly changedGpus = new Map<HiveRecord, Set<number>>();
  /** Workers the next settleGpus() walks (at least), and GPU changes marked since the last one. */
  private gpuWork = 0;
  private gpuEvents = 0;
  /** One copy of each model and backend name, shared by all records (they repeat across workers). */
  private readonly interned = new StringPool(1024 * 1024);
  /** The workers' numbers (see number-rows.ts). */
  private readonly rows = new RowPages();
  private skewed = 0;
  /** Workers by state, health and liveness. */
  readonly tally = new WorkerTally();
  /** Stable slots for cursors (SCAN): a walk of N slots costs O(N) whatever the registry's size. */
  readonly slots = new SlotIndex<WorkerRecord>();

  /** Whether a worker is held by a WORKER.CLAIM (then it is out of the best-worker index). Set by the registry. */
  isReserved: (w: WorkerRecord) => boolean = () => false;

  constructor(private readonly hives: Hives) {
    // Whether the hive had a VRAM_TOTAL before the worker came or went: its own counts in the figure now.
    hives.gpuChanged = (hive, key, w, joined) =>
      this.gpuChanged(hive, key, joined ? w : null, hive.vramTotalWorkers + (w.vramTotalBytes === null ? 0 : joined ? -1 : 1) > 0);
  }

  get size(): number {
    return this.byId.size;
  }

  get skewedCount(): number {
    return this.skewed;
  }

  get(workerId: string): WorkerRecord | undefined {
    return this.byId.get(workerId);
  }

  all(): Iterable<WorkerRecord> {
    return this.byId.values();
  }

  withModel(modelId: string): Iterable<WorkerRecord> {
    return this.byModel.get(modelId) ?? NO_WORKERS;
  }

  /** A new record, in its hive and the id map, in no liveness list, offline until liveness says otherwise. */
  create(workerId: string, hive: HiveRecord, lastSeenMs: number): WorkerRecord {
    const w = new WorkerRecord(workerId, hive, lastSeenMs, this.rows);
    w.online = false;
    const before = this.byId.size;
    this.byId.set(workerId, w);
    // One probe of a million-entry map instead of a get() first (a restore's duplicate check): the caller
    // asked for a new worker, so an id already there is its error, and it must discard this registry.
    if (this.byId.size === before) throw new Error(`duplicate worker ${JSON.stringify(workerId)}`);
    this.tally.count(w, 1);
    this.slots.add(w);
    this.hives.join(w);
    return w;
  }

  /** Applies heartbeat fields received at `now`; omitted ones keep their value. Call refresh() after. */
  apply(w: WorkerRecord, f: HeartbeatFields, now: number): void {
    // The best-worker index files a worker by model, backend, health and GPU load: take it out before they change.
    if (
      w.available &&
      ((f.state !== undefined && f.state !== w.state) ||
        (f.health !== undefined && f.health !== w.health) ||
        (f.gpuPercent !== undefined && f.gpuPercent !== w.gpuPercent) ||
        (f.modelId !== undefined && f.modelId !== w.modelId) ||
        (f.backend !== undefined && f.backend !== w.backend))
    ) {
      this.setAvailable(w, false);
    }
    const gpuBefore = deviceKey(w);
    const vramBefore = w.vramBytes;
    const totalBefore = w.vramTotalBytes;
    const urlBefore = w.url;
    // Each part below runs only when its values change: most heartbeats repeat the last one's.
    if ((f.state !== undefined && f.state !== w.state) || (f.health !== undefined && f.health !== w.health)) {
      const tallyKey = w.tallyKey;
      if (f.state !== undefined) w.state = f.state;
      if (f.health !== undefined) w.health = f.health;
      this.tally.moved(tallyKey, w);
    }
    if (f.url !== undefined) w.url = f.url;
    if (f.modelId !== undefined && f.modelId !== w.modelId) {
      if (w.modelId !== null) this.unindexModel(w);
      if (f.modelId === null) w.modelId = null;
      else {
        w.modelId = this.intern(f.modelId);
        let set = this.byModel.get(f.modelId);
        if (set === undefined) this.byModel.set(f.modelId, (set = new ModelWorkers()));
        set.add(w);
        if (w.online) set.online++;
      }
    }
    // Compared first: the pool's lookup costs more than the compare, and a backend rarely changes.
    if (f.backend !== undefined && f.backend !== w.backend) w.backend = f.backend === null ? null : this.intern(f.backend);
    if (f.deviceId !== undefined) w.deviceId = f.deviceId;
    if ((f.vramBytes !== undefined && f.vramBytes !== vramBefore) || (f.ramBytes !== undefined && f.ramBytes !== w.ramBytes)) {
      this.hives.load(w, -1);
      if (f.vramBytes !== undefined) w.vramBytes = f.vramBytes;
      if (f.ramBytes !== undefined) w.ramBytes = f.ramBytes;
      this.hives.load(w, 1);
    }
    if (f.vramTotalBytes !== undefined) {
      w.vramTotalBytes = f.vramTotalBytes;
      this.hives.vramTotalChanged(w, totalBefore);
    }
    // The free VRAM of the GPUs it left and joins, or of its own, changed for every worker on them.
    const gpu = deviceKey(w);
    const hadTotals = w.hive.vramTotalWorkers + (totalBefore === null ? 0 : 1) - (w.vramTotalBytes === null ? 0 : 1) > 0;
    if (gpu !== gpuBefore) {
      this.gpuChanged(w.hive, gpuBefore, w, hadTotals);
      this.gpuChanged(w.hive, gpu, w, hadTotals);
    } else if (w.vramBytes !== vramBefore || w.vramTotalBytes !== totalBefore) this.gpuChanged(w.hive, gpu, w, hadTotals);
    // A URL counts for the fallback's search (only workers with one).
    if (w.url !== urlBefore && w.available) this.best.figuresChanged(w, urlBefore);
    if (f.cpuPercent !== undefined) w.cpuPercent = f.cpuPercent;
    if (f.gpuPercent !== undefined) w.gpuPercent = f.gpuPercent;
    if (f.reportedAt !== undefined)
      this.setReported(w, f.reportedAt, f.reportedAt === null || f.reportedAtMs === undefined ? null : f.reportedAtMs - now);
  }

  /** The worker's own clock reading and its distance from the server's. */
  setReported(w: WorkerRecord, reportedAt: string | null, skewMs: number | null): void {
    const wasSkewed = isSkewed(w);
    w.reportedAt = reportedAt;
    w.skewMs = skewMs;
    const nowSkewed = isSkewed(w);
    if (wasSkewed !== nowSkewed) this.skewed += nowSkewed ? 1 : -1;
  }

  /** A restore starts: the best-worker index gathers workers without filing them until endBulkLoad(). */
  beginBulkLoad(): void {
    this.best.beginBulk();
  }

  /** A restore ends: the best-worker index builds the trees of the workers it gathered (see best-index.ts). */
  endBulkLoad(): void {
    this.best.settle();
  }

  /** Files the worker in the best-worker index when it is online and Idle, and takes it out otherwise. */
  refresh(w: WorkerRecord): void {
    const should = w.online && w.effectiveState === 'Idle' && !this.isReserved(w);
    if (should !== w.available) this.setAvailable(w, should);
    if (this.gpuWork >= GPU_SETTLE_WORK) this.settleGpusIfDue();
  }

  /** Liveness flipped the worker's online flag (at a transition, or placing a restored worker): recount it. */
  livenessChanged(w: WorkerRecord): void {
    this.tally.flipped(w);
    if (w.modelId !== null) this.byModel.get(w.modelId)!.online += w.online ? 1 : -1;
  }

  /** Workers of each model, and how many are online; null when there are more than `limit` models. */
  modelCounts(limit: number): { modelId: string; workers: number; online: number }[] | null {
    if (this.byModel.size > limit) return null;
    const out = [];
    for (const [modelId, set] of this.byModel) out.push({ modelId, workers: set.size, online: set.online });
    return out;
  }

  /** Drops a worker from the map and indexes (not from its liveness list or hive). */
  forget(w: WorkerRecord): void {
    this.tally.count(w, -1);
    this.byId.delete(w.workerId);
    this.slots.remove(w);
    if (w.available) this.setAvailable(w, false);
    if (w.modelId !== null) this.unindexModel(w);
    if (isSkewed(w)) this.skewed--;
    this.rows.release(w);
  }

  /** Whether `w` matches every filter given (MAXAGE through `recent`). */
  matches(w: WorkerRecord, f: WorkerFilter, recent: ((lastSeenMs: number) => boolean) | null): boolean {
    if (f.hiveId !== undefined && w.hive.hiveId !== f.hiveId) return false;
    if (f.state !== undefined && w.effectiveState !== f.state) return false;
    if (f.modelId !== undefined && w.modelId !== f.modelId) return false;
    if (f.backend !== undefined && w.backend !== f.backend) return false;
    return recent === null || recent(w.lastSeenMs);
  }

  /** Those of `source` matching every filter given; stops once it holds more than `limit`. */
  select(
    source: Iterable<WorkerRecord>,
    f: WorkerFilter,
    recent: ((lastSeenMs: number) => boolean) | null,
    limit = Infinity,
  ): WorkerRecord[] {
    const out: WorkerRecord[] = [];
    for (const w of source) {
      if (!this.matches(w, f, recent)) continue;
      out.push(w);
      if (out.length > limit) break;
    }
    return out;
  }

  /**
   * The best available worker with the model passing the filter (`model`); else, unless strict, the best of any
   * model that has a URL (`fallback`: it must be reachable). MINFREE counts each GPU's free VRAM (capacity.ts).
   */
  bestMatch(modelId: string, query: BestWorkerQuery): BestMatch | undefined {
    const { backend, minFreeVramBytes } = query;
    const filter: CandidateFilter = { backend, minFreeVramBytes };
    if (this.changedGpus.size > 0) this.settleGpus();
    const w = this.best.best(modelId, filter);
    if (w !== undefined) return { worker: w, match: 'model' };
    if (query.strict) return undefined;
    const fallback = this.best.bestOfAll({ ...filter, requireUrl: true });
    return fallback === undefined ? undefined : { worker: fallback, match: 'fallback' };
  }

  /**
   * A GPU's figures changed (a worker on it reported VRAM or VRAM_TOTAL, came, left or changed DEVICE). Its
   * workers' free VRAM (capacity.ts) is settled only before the next best-worker query, once per GPU however many
   * heartbeats changed it: recomputing it at every heartbeat cost O(workers of the hive) each, so one hive of
   * 100k workers made every registration in it a 100k-step walk.
   */
  private gpuChanged(hive: HiveRecord, key: DeviceKey, own: WorkerRecord | null, hadTotals: boolean): void {
    if (typeof key !== 'number') {
      // A worker without DEVICE is a GPU of its own.
      if (key.deviceId === null) this.setGpuFree(key as WorkerRecord, deviceCapacity(key).freeBytes);
      return;
    }
    // An emptied hive has nothing to settle: forgetting it keeps this map to live hives, however many come and go.
    if (hive.workers.size === 0) {
      this.changedGpus.delete(hive);
      return;
    }
    // No worker of the hive reported VRAM_TOTAL before this change or after it: every GPU there had unknown free
    // VRAM and still has, so no worker's figure moves but that of the one in the hive now (`own`, who may bring
    // one from another hive). Marking the GPU instead made a hive of 100k workers that never send VRAM_TOTAL
    // walk all of them every few thousand registrations, for nothing.
    if (!hadTotals && hive.vramTotalWorkers === 0) {
      if (own !== null) this.setGpuFree(own, null);
      return;
    }
    let keys = this.changedGpus.get(hive);
    if (keys === undefined) {
      this.changedGpus.set(hive, (keys = new Set()));
      this.gpuWork += hive.workers.size;
    } else this.gpuWork++; // a member more to walk, if this change is a worker joining
    keys.add(key);
    this.gpuEvents++;
  }

  /**
   * Settles the marked GPUs once their walk reaches GPU_SETTLE_WORK workers, if the changes since the last
   * settle pay for it (at most GPU_SETTLE_RATIO workers walked per change) or GPU_SETTLE_EVENTS changes came.
   * Left to the next query, a million registrations made it walk the whole fleet (3.7 s at 1M workers); settled
   * at every change, one big hive made every registration walk it. Called once a heartbeat is applied
   * (refresh), never inside apply().
   */
  private settleGpusIfDue(): void {
    if (this.gpuWork < GPU_SETTLE_WORK) return;
    if (this.gpuWork <= GPU_SETTLE_RATIO * this.gpuEvents || this.gpuEvents >= GPU_SETTLE_EVENTS) this.settleGpus();
  }

  /** Settles the GPUs changed since the last query: one pass over each such hive for all its changed GPUs. */
  private settleGpus(): void {
    for (const [hive, keys] of this.changedGpus) {
      const sums = new Map<number, { used: number; total: number | null }>();
      for (const o of hive.workers) {
        if (o.deviceId === null || !keys.has(o.deviceId)) continue;
        let sum = sums.get(o.deviceId);
        if (sum === undefined) sums.set(o.deviceId, (sum = { used: 0, total: null }));
        sum.used += o.vramBytes ?? 0;
        const t = o.vramTotalBytes;
        if (t !== null && (sum.total === null || t > sum.total)) sum.total = t;
      }
      for (const o of hive.workers) {
        const sum = o.deviceId === null ? undefined : sums.get(o.deviceId);
        if (sum !== undefined) this.setGpuFree(o, sum.total === null ? null : Math.max(0, sum.total - sum.used));
      }
    }
    this.changedGpus.clear();
    this.gpuWork = 0;
    this.gpuEvents = 0;
  }

  private setGpuFree(w: WorkerRecord, free: number | null): void {
    if (w.gpuFreeBytes === free) return;
    w.gpuFreeBytes = free;
    if (w.available) this.best.figuresChanged(w);
  }

  private setAvailable(w: WorkerRecord, on: boolean): void {
    w.available = on;
    if (on) this.best.add(w);
    else this.best.remove(w);
  }

  private unindexModel(w: WorkerRecord): void {
    const set = this.byModel.get(w.modelId!);
    if (set === undefined) return;
    set.delete(w);
    if (w.online) set.online--;
    if (set.size === 0) this.byModel.delete(w.modelId!);
  }

  private intern(value: string): string {
    return this.interned.keep(value);
  }
}

/** WORKER.BEST's pick: the worker, and whether it has the model or is the fallback. */
export interface BestMatch {
  worker: WorkerRecord;
  match: 'model' | 'fallback';
}
