// The index behind WORKER.BEST: online Idle workers, per model, in buckets by (health, whole GPU percent).
// The order WORKER.BEST wants is healthy before degraded, then least GPU load, then worker id; bucket order
// follows it, so a query walks buckets from the best and stops at the first one holding a candidate, then
// picks the best inside that bucket alone. A heartbeat that changes the load moves its worker between two
// sets in O(1); no query ever looks at the whole fleet.

import type { WorkerRecord } from './types.js';

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

function qualifies(w: WorkerRecord, f: CandidateFilter): boolean {
  if (f.backend !== undefined && w.backend !== f.backend) return false;
  if (f.minFreeVramBytes !== undefined && (w.vramTotalBytes === null || w.vramTotalBytes - (w.vramBytes ?? 0) < f.minFreeVramBytes)) return false;
  return true;
}

export class BestWorkerIndex {
  private readonly byModel = new Map<string, Array<Set<WorkerRecord> | undefined>>();
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
    let set = buckets[b];
    if (set === undefined) buckets[b] = set = new Set();
    set.add(w);
    this.count++;
  }

  remove(w: WorkerRecord): void {
    const key = w.modelId ?? NO_MODEL;
    const buckets = this.byModel.get(key);
    if (buckets === undefined) return;
    const b = bucketOf(w);
    const set = buckets[b];
    if (set === undefined || !set.delete(w)) return;
    this.count--;
    if (set.size === 0) {
      buckets[b] = undefined;
      if (buckets.every((s) => s === undefined)) this.byModel.delete(key);
    }
  }

  /** The best worker with this model that passes the filter. */
  best(modelId: string, filter: CandidateFilter = {}): WorkerRecord | undefined {
    const buckets = this.byModel.get(modelId);
    if (buckets === undefined) return undefined;
    for (let b = 0; b < BUCKETS; b++) {
      const set = buckets[b];
      if (set === undefined) continue;
      let best: WorkerRecord | undefined;
      for (const w of set) if (qualifies(w, filter) && (best === undefined || better(w, best))) best = w;
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /** The best worker of any model (or none) that passes the filter. */
  bestOfAll(filter: CandidateFilter = {}): WorkerRecord | undefined {
    for (let b = 0; b < BUCKETS; b++) {
      let best: WorkerRecord | undefined;
      for (const buckets of this.byModel.values()) {
        const set = buckets[b];
        if (set === undefined) continue;
        for (const w of set) if (qualifies(w, filter) && (best === undefined || better(w, best))) best = w;
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }
}
