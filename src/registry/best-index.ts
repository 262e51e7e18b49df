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
  /** Skip workers whose GPU has less free VRAM than this (by `freeVramOf`; unknown free VRAM is skipped too). */
  minFreeVramBytes?: number;
  /** Free VRAM of a worker's GPU (see capacity.ts); default: the worker's own total minus its own use. */
  freeVramOf?: (w: WorkerRecord) => number | null;
  /** Skip workers without a URL (a fallback must be reachable). */
  requireUrl?: boolean;
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

const ownFreeVram = (w: WorkerRecord): number | null => (w.vramTotalBytes === null ? null : w.vramTotalBytes - (w.vramBytes ?? 0));

function qualifies(w: WorkerRecord, f: CandidateFilter): boolean {
  if (f.backend !== undefined && w.backend !== f.backend) return false;
  if (f.requireUrl && w.url === null) return false;
  if (f.minFreeVramBytes !== undefined) {
    const free = (f.freeVramOf ?? ownFreeVram)(w);
    if (free === null || free < f.minFreeVramBytes) return false;
  }
  return true;
}

/**
 * The most free VRAM MINFREE can find for `w`, whichever way it counts: a GPU's free VRAM (capacity.ts) is the
 * largest VRAM_TOTAL of its workers minus what they all use, so it is at most the largest total any worker of the
 * hive reports minus w's own use; w's own total minus its use is too.
 */
function freeVramBound(w: WorkerRecord): number {
  const total = w.hive.vramTotalBound;
  return total === -Infinity ? -Infinity : Math.max(0, total - (w.vramBytes ?? 0));
}

function isUnfiltered(f: CandidateFilter): boolean {
  return f.backend === undefined && f.minFreeVramBytes === undefined && !f.requireUrl;
}

/** How many of a bucket's best workers it keeps in order (see Bucket). */
const TOP = 64;

/**
 * One bucket: its workers, and its best ones in order. `top` holds the best min(TOP, size) workers as of its last
 * rebuild, kept up to date as workers come (a better one is inserted) and go (removed from it). Every worker not
 * in `top` is worse than all of `top`, so `top[0]` is the best while `top` is not empty. When it empties while
 * other workers remain, the next unfiltered pick rebuilds it: a claim takes the best out every time, and this
 * makes that O(K/TOP) per claim instead of a scan of the whole bucket.
 */
class Bucket {
  readonly workers = new WorkerSet(BUCKET_LINKS);
  /** Null until the first unfiltered pick, and after `top` ran out with workers left. */
  private top: WorkerRecord[] | null = null;
  /** `top` holds every worker of the bucket. */
  private complete = false;
  /**
   * At least the largest freeVramBound of the bucket's workers, so MINFREE skips in O(1) a bucket where no worker
   * can have enough. It may be high (workers left or used more) but never low: it rises with every worker filed
   * and every change of VRAM figures, and becomes exact whenever a MINFREE query reads the whole bucket.
   */
  private maxFreeVram = -Infinity;

  /** A worker here may have more free VRAM now (filed, or its VRAM figures or its hive's changed). */
  raise(w: WorkerRecord): void {
    const free = freeVramBound(w);
    if (free > this.maxFreeVram) this.maxFreeVram = free;
  }

  add(w: WorkerRecord): void {
    this.workers.add(w);
    this.raise(w);
    const top = this.top;
    if (top === null) return;
    // Binary search for the first kept worker that w is better than.
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (better(w, top[mid]!)) hi = mid;
      else lo = mid + 1;
    }
    const i = lo;
    if (i === top.length && !this.complete) return; // worse than every kept one: one of the unkept
    top.splice(i, 0, w);
    if (top.length > TOP) {
      top.pop();
      this.complete = false;
    }
  }

  /** `w` must be in this bucket. */
  delete(w: WorkerRecord): void {
    this.workers.delete(w);
    const top = this.top;
    if (top === null) return;
    const i = top.indexOf(w);
    if (i >= 0) top.splice(i, 1);
    if (top.length === 0 && !this.complete) this.top = null;
  }

  /** The best worker passing the filter; with no filter, from `top`. */
  pick(filter: CandidateFilter, unfiltered: boolean): WorkerRecord | undefined {
    if (unfiltered) {
      if (this.top === null) this.rebuild();
      return this.top![0];
    }
    if (filter.minFreeVramBytes !== undefined && filter.minFreeVramBytes > this.maxFreeVram) return undefined;
    let best: WorkerRecord | undefined;
    let maxFree = -Infinity;
    for (const w of this.workers) {
      if (qualifies(w, filter) && (best === undefined || better(w, best))) best = w;
      const free = freeVramBound(w);
      if (free > maxFree) maxFree = free;
    }
    this.maxFreeVram = maxFree;
    return best;
  }

  private rebuild(): void {
    const all: WorkerRecord[] = [];
    for (const w of this.workers) all.push(w);
    all.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
    this.complete = all.length <= TOP;
    this.top = this.complete ? all : all.slice(0, TOP);
  }
}

export class BestWorkerIndex {
  private readonly byModel = new Map<string, Array<Bucket | undefined>>();

  /**
   * Adds a worker under its current model, health and GPU load. It must be removed (with the same values)
   * before any of those change.
   */
  add(w: WorkerRecord): void {
    const key = w.modelId ?? NO_MODEL;
    let buckets = this.byModel.get(key);
    if (buckets === undefined) this.byModel.set(key, (buckets = new Array<Bucket | undefined>(BUCKETS)));
    const b = bucketOf(w);
    let bucket = buckets[b];
    if (bucket === undefined) buckets[b] = bucket = new Bucket();
    bucket.add(w);
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
    if (bucket.workers.size === 0) {
      buckets[b] = undefined;
      if (buckets.every((s) => s === undefined)) this.byModel.delete(key);
    }
  }

  /** A filed worker's VRAM figures (or its hive's largest total) changed: MINFREE must see it. */
  vramChanged(w: WorkerRecord): void {
    this.byModel.get(w.modelId ?? NO_MODEL)?.[bucketOf(w)]?.raise(w);
  }

  /** The best worker with this model that passes the filter. */
  best(modelId: string, filter: CandidateFilter = {}): WorkerRecord | undefined {
    const buckets = this.byModel.get(modelId);
    if (buckets === undefined) return undefined;
    const unfiltered = isUnfiltered(filter);
    for (let b = 0; b < BUCKETS; b++) {
      const best = buckets[b]?.pick(filter, unfiltered);
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /** The best worker of any model (or none) that passes the filter. */
  bestOfAll(filter: CandidateFilter = {}): WorkerRecord | undefined {
    const unfiltered = isUnfiltered(filter);
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
