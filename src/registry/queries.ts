// The registry's read side: every query first applies what is due (liveness transitions), then answers from
// the parts with read-only views. The front (registry.ts) extends it and owns the parts, which FLUSHALL
// replaces whole; keeping the reads here leaves the front to changes, time, snapshots and events.

import type { Hives } from './hives.js';
import type { Liveness } from './liveness.js';
import type { Scheduling } from './scheduling.js';
import { scanBoth } from './slot-index.js';
import type { BestWorkerQuery, Health, HiveView, WorkerFilter, WorkerRecord, WorkerState, WorkerView } from './types.js';
import type { Workers } from './workers.js';

export const byWorkerId = (a: WorkerView, b: WorkerView): number => (a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0);

export abstract class RegistryQueries {
  // Set by the front's build(), at construction and at each FLUSHALL.
  protected liveness!: Liveness;
  protected hives!: Hives;
  protected workers!: Workers;
  protected scheduler!: Scheduling;

  get offlineAfterMs(): number {
    return this.liveness.offlineAfterMs;
  }

  get evictAfterMs(): number {
    return this.liveness.evictAfterMs;
  }

  get expiryGuardPercent(): number {
    return this.liveness.expiryGuardPercent;
  }

  /** WORKER.BEST, WORKER.CLAIM/RELEASE and GPU capacity (scheduling.ts). */
  get scheduling(): Scheduling {
    return this.scheduler;
  }

  /** The registry's time: the clock, never allowed to go backwards. */
  now(): number {
    return this.liveness.now();
  }

  getWorker(workerId: string): WorkerView | undefined {
    this.liveness.sync();
    return this.workers.get(workerId);
  }

  getHive(hiveId: string): HiveView | undefined {
    this.liveness.sync();
    return this.hives.get(hiveId);
  }

  /** Workers and hives by slot from `cursor` (SCAN): see scanBoth. */
  scanSlots(cursor: number, count: number, onWorker: (w: WorkerView) => void, onHive: (h: HiveView) => void): number {
    this.liveness.sync();
    return scanBoth(this.workers.slots, this.hives.slots, cursor, count, onWorker, onHive);
  }

  /** How long ago the heartbeat at `lastSeenMs` was received. */
  ageMs(lastSeenMs: number): number {
    return this.liveness.ageMs(lastSeenMs);
  }

  isHiveOnline(hiveId: string, maxAgeMs = this.offlineAfterMs): boolean {
    const hive = this.getHive(hiveId);
    return hive !== undefined && this.liveness.seenWithin(hive.lastHeartbeatMs, maxAgeMs);
  }

  /** Workers with a heartbeat younger than maxAgeMs. O(1) for the default window. */
  onlineWorkerCount(maxAgeMs = this.offlineAfterMs): number {
    this.liveness.sync();
    if (maxAgeMs === this.offlineAfterMs) return this.liveness.onlineWorkers;
    let n = 0;
    for (const _ of this.liveness.seenWithinNewestFirst(maxAgeMs)) n++;
    return n;
  }

  /** Workers whose last TS was more than 5 s away from the server's clock. */
  skewedWorkerCount(): number {
    this.liveness.sync();
    return this.workers.skewedCount;
  }

  workerCount(): number {
    this.liveness.sync();
    return this.workers.size;
  }

  hiveCount(): number {
    this.liveness.sync();
    return this.hives.size;
  }

  /**
   * Hives with an online worker (as activeHives() with the default window, without listing them). O(1): the
   * size of the online hives kept in id order.
   */
  onlineHiveCount(): number {
    this.liveness.sync();
    return this.hives.onlineCount;
  }

  /** Workers with this state and health (as used everywhere) that are online, or offline. O(1). */
  workerTally(state: WorkerState, health: Health, online: boolean): number {
    this.liveness.sync();
    return this.workers.tally.workers(state, health, online);
  }

  /** Workers of each model, and how many are online, in no order; null when there are more than `limit` models. */
  modelCounts(limit: number): { modelId: string; workers: number; online: number }[] | null {
    this.liveness.sync();
    return this.workers.modelCounts(limit);
  }

  /** All hives, by id. */
  listHives(): readonly HiveView[] {
    this.liveness.sync();
    return this.hives.sorted().slice();
  }

  /** Ids of all hives, by id: the same array while no hive comes or goes (callers must not change it). */
  listHiveIds(): readonly string[] {
    this.liveness.sync();
    return this.hives.allIdList();
  }

  /**
   * Hives with a heartbeat younger than maxAgeMs, by id. For the default window these are the online hives,
   * kept in id order; another window walks only those hives.
   */
  activeHives(maxAgeMs = this.offlineAfterMs): readonly HiveView[] {
    const t = this.liveness.now();
    this.liveness.sync(t);
    // A hive is online when a worker of it is, which is the rule for the default window.
    if (maxAgeMs === this.offlineAfterMs) return this.hives.onlineHives();
    return this.hives.recent((lastHeartbeatMs) => this.liveness.seenWithin(lastHeartbeatMs, maxAgeMs, t)).hives;
  }

  /**
   * Ids of the hives with a heartbeat younger than maxAgeMs, by id (HIVE.ACTIVE). The same array is handed out
   * while the answer is unchanged, whatever the time (callers must not change it): for the default window until
   * a hive comes online or goes offline; for another, see Hives.recentIdList.
   */
  activeHiveIds(maxAgeMs = this.offlineAfterMs): readonly string[] {
    const t = this.liveness.now();
    this.liveness.sync(t);
    if (maxAgeMs === this.offlineAfterMs) return this.hives.onlineIdList();
    return this.hives.recentIdList((lastHeartbeatMs) => this.liveness.seenWithin(lastHeartbeatMs, maxAgeMs, t));
  }

  /** The hive's workers, by id (empty when the hive is unknown). */
  workersOnHive(hiveId: string): readonly WorkerView[] {
    this.liveness.sync();
    const hive = this.hives.get(hiveId);
    return hive === undefined ? [] : [...hive.workers].sort(byWorkerId);
  }

  /** Workers matching every given filter, by id. Uses the narrowest index the filter allows. */
  listWorkers(filter: WorkerFilter = {}): readonly WorkerView[] {
    return this.listWorkersUpTo(filter, Infinity)!;
  }

  /**
   * As listWorkers, or null when more than `limit` match (the caller pages instead): stops looking once past
   * the limit, and without a filter answers from the count alone.
   */
  listWorkersUpTo(filter: WorkerFilter, limit: number): readonly WorkerView[] | null {
    const t = this.liveness.now();
    this.liveness.sync(t);
    const { hiveId, modelId, maxAgeMs } = filter;
    let source: Iterable<WorkerRecord>;
    if (modelId !== undefined) source = this.workers.withModel(modelId);
    else if (hiveId !== undefined) source = this.hives.get(hiveId)?.workers ?? [];
    else if (maxAgeMs !== undefined) source = this.liveness.seenWithinNewestFirst(maxAgeMs);
    else {
      // No filter and too many: say so without walking them.
      if (filter.state === undefined && filter.backend === undefined && this.workers.size > limit) return null;
      source = this.workers.all();
    }
    const recent = maxAgeMs === undefined ? null : (lastSeenMs: number) => this.liveness.seenWithin(lastSeenMs, maxAgeMs, t);
    const out: WorkerView[] = this.workers.select(source, filter, recent, limit);
    return out.length > limit ? null : out.sort(byWorkerId);
  }

  /**
   * One page of a walk over the workers matching the filter, in slot order (WORKER.LIST … CURSOR): up to `count`
   * of them, looking at no more than 10 × `count` slots. Returns the next cursor (0: the walk is complete).
   */
  scanWorkers(cursor: number, count: number, filter: WorkerFilter = {}): { cursor: number; items: WorkerView[] } {
    const t = this.liveness.now();
    this.liveness.sync(t);
    const { maxAgeMs } = filter;
    const recent = maxAgeMs === undefined ? null : (lastSeenMs: number) => this.liveness.seenWithin(lastSeenMs, maxAgeMs, t);
    const items: WorkerView[] = [];
    const next = this.workers.slots.walk(cursor, count, count * 10, (w) => this.workers.matches(w, filter, recent) && items.push(w) > 0);
    return { cursor: next, items };
  }

  /** One page of a walk over the hives in slot order (HIVE.LIST … CURSOR), as scanWorkers. */
  scanHives(cursor: number, count: number): { cursor: number; items: HiveView[] } {
    this.liveness.sync();
    const items: HiveView[] = [];
    const next = this.hives.slots.walk(cursor, count, count * 10, (h) => items.push(h) > 0);
    return { cursor: next, items };
  }

  /**
   * The best online idle worker for a model: among those with the model loaded (optionally on a backend,
   * with enough free VRAM on its GPU), not reserved, healthy before degraded, then least GPU load, then worker
   * id. If none has the model, unless `strict`, the best such worker of any model that has a URL (see scheduling.ts).
   */
  bestWorker(modelId: string, query: BestWorkerQuery = {}): WorkerView | undefined {
    return this.scheduling.best(modelId, query)?.worker;
  }
}
