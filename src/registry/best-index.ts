// The index behind WORKER.BEST: online Idle workers, per model, in buckets by (health, whole GPU percent).
// The order WORKER.BEST wants is healthy before degraded, then least GPU load, then worker id; bucket order
// follows it, so a query walks buckets from the best and stops at the first one holding a candidate, then
// picks the best inside that bucket alone. A heartbeat that changes the load moves its worker between two
// sets in O(1); no query ever looks at the whole fleet.

import type { WorkerRecord } from './types.js';
import { BUCKET_LINKS, WorkerSet } from './worker-set.js';

/** healthy 0..100, degraded 101..201: one bucket per whole GPU percent (missing counts as 100). */
const BUCKETS = 202;
const NO_MODEL = '\0';

export interface CandidateFilter {
  backend?: string;
  minFreeVramBytes?: number;
}

function bucketOf(w: WorkerRecord): number {
  const gpu = w.gpuPercent ?? 100;
  return (w.effectiveHealth === 'healthy' ? 0 : 101) + Math.min(100, Math.floor(gpu));
}

/** Same order as WORKER.BEST inside one bucket: least GPU load (missing counts as 100), then worker id. */
function better(a: WorkerRecord, b: WorkerRecord): boolean {
  const ga = a.gpuPercent ?? 100;
  const gb = b.gpuPercent ?? 100;
  if (ga !== gb) return ga < gb;
  return a.workerId < b.workerId;
}

/** Free VRAM, or -Infinity for a worker that never sent VRAM_TOTAL (it never passes MINFREE). */
function freeVram(w: WorkerRecord): number {
  return w.vramTotalBytes === null ? -Infinity : w.vramTotalBytes - (w.vramBytes ?? 0);
}

function qualifies(w: WorkerRecord, f: CandidateFilter): boolean {
  if (f.backend !== undefined && w.backend !== f.backend) return false;
  if (f.minFreeVramBytes !== undefined && (w.vramTotalBytes === null || w.vramTotalBytes - (w.vramBytes ?? 0) < f.minFreeVramBytes)) return false;
  return true;
}

/**
 * One bucket: its workers, the best of them when known (kept as workers come, forgotten when it leaves), and a
 * bound on their free VRAM, so MINFREE skips in O(1) a bucket where no worker has enough. The bound may be high
 * (workers left or used more VRAM) but never low: it rises with every worker filed or whose VRAM changes, and
 * becomes exact again whenever a filtered query reads the whole bucket.
 */
class Bucket {
  readonly workers = new WorkerSet(BUCKET_LINKS);
  best: WorkerRecord | null = null;
  maxFreeVram = -Infinity;

  add(w: WorkerRecord): void {
    if (this.workers.size === 0) this.best = w;
    else if (this.best !== null && better(w, this.best)) this.best = w;
    this.workers.add(w);
    this.raise(w);
  }

  /** A worker here now has this much free VRAM (filed, or its VRAM changed). */
  raise(w: WorkerRecord): void {
    const free = freeVram(w);
    if (free > this.maxFreeVram) this.maxFreeVram = free;
  }

  /** `w` must be in this bucket. */
  delete(w: WorkerRecord): void {
    this.workers.delete(w);
    if (this.best === w) this.best = null;
  }

  /** The best worker passing the filter; with no filter, from the cache (recomputed once after it left). */
  pick(filter: CandidateFilter, unfiltered: boolean): WorkerRecord | undefined {
    if (unfiltered && this.best !== null) return this.best;
    if (filter.minFreeVramBytes !== undefined && filter.minFreeVramBytes > this.maxFreeVram) return undefined;
    let best: WorkerRecord | undefined;
    let maxFree = -Infinity;
    for (const w of this.workers) {
      if ((unfiltered || qualifies(w, filter)) && (best === undefined || better(w, best))) best = w;
      const free = freeVram(w);
      if (free > maxFree) maxFree = free;
    }
    this.maxFreeVram = maxFree;
    if (unfiltered && best !== undefined) this.best = best;
    return best;
  }
}

export class BestWorkerIndex {
  private readonly byModel = new Map<string, Array<Bucket | undefined>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /**
   * Adds a worker under its current model, health and GPU load. It must be removed (with the same values)
   * before any of those change.
   */
  add(w: WorkerRecord): void {
    const key = w.modelId ?? NO_MODEL;
    let buckets = this.byModel.get(key);
    if (buckets === undefined) this.byModel.set(key, (buckets = new Array(BUCKETS)));
    const b = bucketOf(w);
    let bucket = buckets[b];
    if (bucket === undefined) buckets[b] = bucket = new Bucket();
    bucket.add(w);
    this.count++;
  }

  /** Removes a worker added (and not yet removed), while its model, health and GPU load are as they were then. */
  remove(w: WorkerRecord): void {
    const key = w.modelId ?? NO_MODEL;
    const buckets = this.byModel.get(key);
    if (buckets === undefined) return;
    const b = bucketOf(w);
    const bucket = buckets[b];
    if (bucket === undefined) return;
    bucket.delete(w);
    this.count--;
    if (bucket.workers.size === 0) {
      buckets[b] = undefined;
      if (buckets.every((s) => s === undefined)) this.byModel.delete(key);
    }
  }

  /** A filed worker's VRAM or VRAM total changed: MINFREE must see it. */
  vramChanged(w: WorkerRecord): void {
    this.byModel.get(w.modelId ?? NO_MODEL)?.[bucketOf(w)]?.raise(w);
  }

  /** The best worker with this model that passes the filter. */
  best(modelId: string, filter: CandidateFilter = {}): WorkerRecord | undefined {
    const buckets = this.byModel.get(modelId);
    if (buckets === undefined) return undefined;
    const unfiltered = filter.backend === undefined && filter.minFreeVramBytes === undefined;
    for (let b = 0; b < BUCKETS; b++) {
      const best = buckets[b]?.pick(filter, unfiltered);
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /** The best worker of any model (or none) that passes the filter. */
  bestOfAll(filter: CandidateFilter = {}): WorkerRecord | undefined {
    const unfiltered = filter.backend === undefined && filter.minFreeVramBytes === undefined;
    for (let b = 0; b < BUCKETS; b++) {
      let best: WorkerRecord | undefined;
      for (const buckets of this.byModel.values()) {
        const candidate = buckets[b]?.pick(filter, unfiltered);
        if (candidate !== undefined && (best === undefined || better(candidate, best))) best = candidate;
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }
}
