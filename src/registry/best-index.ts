// The index behind WORKER.BEST: online Idle workers, per model, in buckets by (health, whole GPU percent).
// The order WORKER.BEST wants is healthy before degraded, then least GPU load, then worker id; bucket order
// follows it, so a query walks buckets from the best and stops at the first one holding a candidate. Inside a
// bucket the workers form a search tree in that order, where each node also knows the most free VRAM (of its
// GPU, see capacity.ts) in its subtree: the best worker with at least MINFREE free is found by one descent,
// O(log K), however many workers of the bucket fall short. Each node also knows which backends its subtree
// holds (one bit per backend in use), so BACKEND skips the subtrees without it. No query looks at the whole fleet.
// Filing is lazy: a worker joining a bucket waits on the bucket's pending list until the next query reads that
// bucket, which files the waiting workers then (see Bucket.settle). Registrations far outnumber queries, and one
// insert into a tree of 100k workers misses the cache at every level of its descent. Outside a restore, at most
// MAX_PENDING workers wait in the whole index, so no query (nor registration) pays for filing a whole fleet.

import {
  BACKEND_BITS,
  better,
  build,
  firstAtLeast,
  firstOnBackend,
  inOrder,
  insert,
  ownFree,
  refresh,
  remove,
  SHARED_BIT,
  UNKNOWN_FREE,
} from './best-tree.js';
import type { WorkerRecord } from './types.js';

export { backendQueryVisits } from './best-tree.js';

/** healthy 0..100, degraded 101..201: one bucket per whole GPU percent (missing counts as 100). */
const BUCKETS = 202;
const NO_MODEL = '\0';

export interface CandidateFilter {
  backend?: string;
  /** Skip workers whose GPU has less free VRAM than this (`gpuFreeBytes`; unknown free VRAM is skipped too). */
  minFreeVramBytes?: number;
  /** Skip workers without a URL (a fallback must be reachable). */
  requireUrl?: boolean;
}

function bucketOf(w: WorkerRecord): number {
  const gpu = w.gpuPercent ?? 100;
  return (w.effectiveHealth === 'healthy' ? 0 : 101) + Math.min(100, Math.floor(gpu));
}

const inPickOrder = (a: WorkerRecord, b: WorkerRecord) => (better(a, b) ? -1 : 1);
// Pick order while every load in the bucket is whole (so equal): reads no number row, a cache miss per compare.
const byId = (a: WorkerRecord, b: WorkerRecord) => (a.workerId < b.workerId ? -1 : 1);

/**
 * Past one pending worker per this many in the tree, settle() rebuilds the tree (a walk, a merge and a build,
 * O(K + P log P), about three touches per node) rather than inserting each (a descent of about 1.4 log2 K nodes,
 * each a cache miss: about 23 at 100k).
 */
const REBUILD_RATIO = 8;

/**
 * At most this many workers wait in the whole index outside a restore: the registration that reaches it files
 * every waiting worker. Filing costs a few microseconds a worker, so the query (or registration) that files
 * stays within a few milliseconds however many workers joined since the last query. A bound per bucket is not
 * enough: a fleet spread over thousands of buckets (models by health by GPU load) left a million waiting, and the
 * first WORKER.BEST that looked at every bucket stalled every client for 9 s.
 */
export const MAX_PENDING = 1024;

const settles = { rebuilt: 0, inserted: 0, filed: 0 };
/**
 * How many settles so far rebuilt a tree and how many inserted one by one, and how many workers they filed:
 * lets a test show it took both paths, and how much one query filed.
 */
export function settlePaths(): { rebuilt: number; inserted: number; filed: number } {
  return { ...settles };
}

/** One bucket: the root of its tree, the workers waiting to be filed in it, and its size (both together). */
class Bucket {
  root: WorkerRecord | null = null;
  size = 0;
  /** Workers of this bucket not yet in its tree; each knows its place here (`bucketPending`), for removal. */
  private pending: WorkerRecord[] = [];
  // Workers here (pending ones too) whose GPU load is not a whole number, and workers without a URL: while there
  // are none, inserts skip the nodes' number rows (see insert). One bucket holds one whole percent, so whole
  // loads in it are all equal.
  private fractionalGpus = 0;
  private withoutUrl = 0;

  /** Adds `w` to the pending list (O(1)); says whether the list was empty before. */
  add(w: WorkerRecord): boolean {
    w.bucketPending = this.pending.length;
    this.pending.push(w);
    if (!Number.isInteger(w.gpuPercent ?? 100)) this.fractionalGpus++;
    if (w.url === null) this.withoutUrl++;
    this.size++;
    return w.bucketPending === 0;
  }

  /** A filed (or pending) worker's URL was set or cleared. */
  urlChanged(hadUrl: boolean, hasUrl: boolean): void {
    if (hadUrl !== hasUrl) this.withoutUrl += hasUrl ? -1 : 1;
  }

  /** Files the pending workers: every reader of the tree calls this first. */
  settle(): void {
    const pending = this.pending;
    const count = pending.length;
    if (count === 0) return;
    for (const w of pending) w.bucketPending = -1;
    settles.filed += count;
    const treeSize = this.size - count;
    if (count * REBUILD_RATIO >= treeSize) {
      settles.rebuilt++;
      this.rebuild(pending.sort(this.fractionalGpus === 0 ? byId : inPickOrder));
    } else {
      settles.inserted++;
      for (const w of pending) {
        const figuresHold = ownFree(w) === UNKNOWN_FREE && (w.url === null || this.withoutUrl === 0);
        const sameGpu = this.fractionalGpus === 0 && Number.isInteger(w.gpuPercent ?? 100);
        this.root = insert(this.root, w, sameGpu, figuresHold);
      }
    }
    // A new array rather than length 0: a list as long as a restore's does not stay allocated.
    this.pending = [];
  }

  /** The tree's workers and the sorted `added`, merged in pick order, built into a new tree in O(K + P). */
  private rebuild(added: WorkerRecord[]): void {
    if (this.root === null) {
      this.root = build(added);
      return;
    }
    const filed: WorkerRecord[] = [];
    inOrder(this.root, filed);
    const all: WorkerRecord[] = new Array<WorkerRecord>(filed.length + added.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < all.length; k++)
      all[k] = j >= added.length || (i < filed.length && better(filed[i]!, added[j]!)) ? filed[i++]! : added[j++]!;
    this.root = build(all);
  }

  delete(w: WorkerRecord): void {
    const at = w.bucketPending;
    if (at >= 0) {
      // Not in the tree yet: swap-removed from the pending list.
      const last = this.pending.pop()!;
      if (last !== w) {
        this.pending[at] = last;
        last.bucketPending = at;
      }
      w.bucketPending = -1;
    } else this.root = remove(this.root!, w);
    if (!Number.isInteger(w.gpuPercent ?? 100)) this.fractionalGpus--;
    if (w.url === null) this.withoutUrl--;
    this.size--;
  }

  /** A worker's own figures changed: the subtree figures above it follow (a pending worker has none yet). */
  figuresChanged(w: WorkerRecord): void {
    if (w.bucketPending < 0 && this.root !== null) refresh(this.root, w);
  }

  /** The best worker passing the filter; `bit` is the filter's backend's bit. */
  pick(f: CandidateFilter, bit: number): WorkerRecord | undefined {
    this.settle();
    const min = f.minFreeVramBytes ?? UNKNOWN_FREE;
    if (f.backend !== undefined) return firstOnBackend(this.root, bit, f.backend, min, f.requireUrl === true);
    return firstAtLeast(this.root, min, f.requireUrl === true);
  }
}

export class BestWorkerIndex {
  private readonly byModel = new Map<string, Array<Bucket | undefined>>();
  /** The bit number of each backend with a bit of its own, and how many filed workers have each bit. */
  private readonly backendBit = new Map<string, number>();
  private readonly bitOwner: Array<string | null> = new Array<string | null>(SHARED_BIT).fill(null);
  private readonly bitUsers = new Int32Array(BACKEND_BITS);
  /**
   * How many filed workers of each backend without a bit of its own share the last one. While any do, the
   * backend gets no bit of its own (even when one frees up): its workers must all be on one bit, the one its
   * queries test.
   */
  private readonly sharedUsers = new Map<string, number>();

  /** The bit a worker filed now takes for its backend: its own while one is free, else the shared one. */
  private takeBit(w: WorkerRecord, backend: string): number {
    // Refiled with the backend it had (a change of GPU load): its last bit, if still the backend's, with no lookup.
    const last = (w.bucketBackends >>> BACKEND_BITS) - 1;
    let bit = last >= 0 && last < SHARED_BIT && this.bitOwner[last] === backend ? last : this.backendBit.get(backend);
    if (bit === undefined) {
      const shared = this.sharedUsers.get(backend);
      bit = shared === undefined ? this.bitOwner.indexOf(null) : -1;
      if (bit < 0) {
        bit = SHARED_BIT;
        this.sharedUsers.set(backend, (shared ?? 0) + 1);
      } else {
        this.bitOwner[bit] = backend;
        this.backendBit.set(backend, bit);
      }
    }
    this.bitUsers[bit]!++;
    return bit;
  }

  private dropBit(bit: number, backend: string): void {
    if (bit === SHARED_BIT) {
      const shared = this.sharedUsers.get(backend)!;
      if (shared > 1) this.sharedUsers.set(backend, shared - 1);
      else this.sharedUsers.delete(backend);
    }
    if (--this.bitUsers[bit]! > 0 || bit === SHARED_BIT) return;
    // No filed worker has it, so no subtree's bits do either (they are recomputed on every path a removal takes).
    this.backendBit.delete(this.bitOwner[bit]!);
    this.bitOwner[bit] = null;
  }

  /** A query's backend as a bit to test subtrees with; 0 when no filed worker can have it. */
  private queryBit(backend: string | undefined): number {
    if (backend === undefined) return 0;
    const bit = this.backendBit.get(backend) ?? SHARED_BIT;
    return this.bitUsers[bit]! > 0 ? 1 << bit : 0;
  }

  /** Buckets given pending workers since the last settle() (their own queries may have filed them since). */
  private readonly unsettled = new Set<Bucket>();
  /** A restore is loading: pending lists grow without bound, and settle() builds each tree in one go. */
  private bulk = false;
  /**
   * Workers added since the last settle(), an upper bound on those waiting (a query filing one bucket, or a
   * removal from a list, does not lower it: the next settle then only comes sooner).
   */
  private added = 0;

  /** A restore starts: until settle(), workers only gather (each tree is then built once, not grown). */
  beginBulk(): void {
    this.bulk = true;
  }

  /**
   * Files every bucket's pending workers (a restore ends with it: its first query then finds the trees built).
   */
  settle(): void {
    this.bulk = false;
    this.added = 0;
    for (const bucket of this.unsettled) bucket.settle();
    this.unsettled.clear();
  }

  /**
   * Adds a worker under its current model, backend, health and GPU load. It must be removed (with the same
   * values) before any of those change.
   */
  add(w: WorkerRecord): void {
    w.bucketBackends = w.backend === null ? 0 : (this.takeBit(w, w.backend) + 1) << BACKEND_BITS;
    const key = w.modelId ?? NO_MODEL;
    let buckets = this.byModel.get(key);
    if (buckets === undefined) this.byModel.set(key, (buckets = new Array<Bucket | undefined>(BUCKETS)));
    const b = bucketOf(w);
    let bucket = buckets[b];
    if (bucket === undefined) buckets[b] = bucket = new Bucket();
    if (bucket.add(w)) this.unsettled.add(bucket);
    if (++this.added >= MAX_PENDING && !this.bulk) this.settle();
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
    // Its own bit number stays in the record: a refiling with the same backend takes it back without a lookup.
    const own = w.bucketBackends >>> BACKEND_BITS;
    if (own !== 0) this.dropBit(own - 1, w.backend!);
    if (bucket.size === 0) {
      this.unsettled.delete(bucket);
      buckets[b] = undefined;
      if (buckets.every((s) => s === undefined)) this.byModel.delete(key);
    }
  }

  /**
   * A filed worker's free VRAM or URL changed (its place in the order did not): the figures above it follow.
   * `urlBefore`: its URL before, when that changed.
   */
  figuresChanged(w: WorkerRecord, urlBefore?: string | null): void {
    const bucket = this.byModel.get(w.modelId ?? NO_MODEL)?.[bucketOf(w)];
    if (bucket === undefined) return;
    if (urlBefore !== undefined) bucket.urlChanged(urlBefore !== null, w.url !== null);
    bucket.figuresChanged(w);
  }

  /** The best worker with this model that passes the filter. */
  best(modelId: string, filter: CandidateFilter = {}): WorkerRecord | undefined {
    const buckets = this.byModel.get(modelId);
    if (buckets === undefined) return undefined;
    const bit = this.queryBit(filter.backend);
    if (filter.backend !== undefined && bit === 0) return undefined;
    for (let b = 0; b < BUCKETS; b++) {
      const best = buckets[b]?.pick(filter, bit);
      if (best !== undefined) return best;
    }
    return undefined;
  }

  /** The best worker of any model (or none) that passes the filter. */
  bestOfAll(filter: CandidateFilter = {}): WorkerRecord | undefined {
    const bit = this.queryBit(filter.backend);
    if (filter.backend !== undefined && bit === 0) return undefined;
    for (let b = 0; b < BUCKETS; b++) {
      let best: WorkerRecord | undefined;
      for (const buckets of this.byModel.values()) {
        const candidate = buckets[b]?.pick(filter, bit);
        if (candidate !== undefined && (best === undefined || better(candidate, best))) best = candidate;
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }
}
