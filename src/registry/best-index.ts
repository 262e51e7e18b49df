// The index behind WORKER.BEST: online Idle workers, per model, in buckets by (health, whole GPU percent).
// The order WORKER.BEST wants is healthy before degraded, then least GPU load, then worker id; bucket order
// follows it, so a query walks buckets from the best and stops at the first one holding a candidate. Inside a
// bucket the workers form a search tree in that order, where each node also knows the most free VRAM (of its
// GPU, see capacity.ts) in its subtree: the best worker with at least MINFREE free is found by one descent,
// O(log K), however many workers of the bucket fall short. Each node also knows which backends its subtree
// holds (one bit per backend in use), so BACKEND skips the subtrees without it. No query looks at the whole fleet.

import type { WorkerRecord } from './types.js';

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

/** Same order as WORKER.BEST inside one bucket: least GPU load (missing counts as 100), then worker id. */
function better(a: WorkerRecord, b: WorkerRecord): boolean {
  const ga = a.gpuPercent ?? 100;
  const gb = b.gpuPercent ?? 100;
  if (ga !== gb) return ga < gb;
  return a.workerId < b.workerId;
}

// What a node is searched by. MINFREE is a non-negative integer, so -1 stands for "free VRAM unknown": it passes
// a query without MINFREE (threshold -1) and fails every MINFREE. A worker without a URL is -Infinity for the
// searches that need one (the fallback).
const UNKNOWN_FREE = -1;
const ownFree = (w: WorkerRecord): number => w.gpuFreeBytes ?? UNKNOWN_FREE;
const ownUrlFree = (w: WorkerRecord): number => (w.url === null ? -Infinity : ownFree(w));

// Backends as bits. `bucketBackends` holds, in its low BACKEND_BITS bits, the backends of the worker's subtree,
// and above them its own backend's bit number plus one (0: no backend). A bit stands for one backend while any
// filed worker has it and is then free for another; past BACKEND_BITS - 1 backends in use at once, the others
// share the last bit (their queries then walk the workers with a shared bit, still skipping the rest). Bits
// instead of a search tree per (model, backend): a query without BACKEND keeps one tree per bucket to descend,
// and filing a worker costs no more than before (one OR per node on its path).
const BACKEND_BITS = 24;
const SUBTREE_BACKENDS = (1 << BACKEND_BITS) - 1;
const SHARED_BIT = BACKEND_BITS - 1;
const ownBackendBit = (w: WorkerRecord): number => {
  const own = w.bucketBackends >>> BACKEND_BITS;
  return own === 0 ? 0 : 1 << (own - 1);
};

/** Recomputes a node's subtree figures from its own and its children's; says whether they changed. */
function pull(w: WorkerRecord): boolean {
  let free = ownFree(w);
  let urlFree = w.url === null ? -Infinity : free;
  let backends = ownBackendBit(w);
  const l = w.bucketLeft;
  const r = w.bucketRight;
  if (l !== null) {
    if (l.treeMaxFree > free) free = l.treeMaxFree;
    if (l.treeMaxUrlFree > urlFree) urlFree = l.treeMaxUrlFree;
    backends |= l.bucketBackends & SUBTREE_BACKENDS;
  }
  if (r !== null) {
    if (r.treeMaxFree > free) free = r.treeMaxFree;
    if (r.treeMaxUrlFree > urlFree) urlFree = r.treeMaxUrlFree;
    backends |= r.bucketBackends & SUBTREE_BACKENDS;
  }
  const bits = (w.bucketBackends & ~SUBTREE_BACKENDS) | backends;
  if (w.treeMaxFree === free && w.treeMaxUrlFree === urlFree && w.bucketBackends === bits) return false;
  w.treeMaxFree = free;
  w.treeMaxUrlFree = urlFree;
  w.bucketBackends = bits;
  return true;
}

// A treap (a binary search tree kept balanced by random priorities: a max-heap on them), threaded through fields
// of the records. Hand-written because the search it exists for needs figures kept per subtree (the most free
// VRAM under a node), which the sorted-collection libraries do not offer. Expected depth O(log K).

// The nodes from the root down to where an insert puts its worker, reused by every insert: a registration
// allocates nothing here. Emptied after each insert so it holds no record (a flushed registry is collected).
const path: Array<WorkerRecord | null> = [];

/**
 * Inserts `w` as a leaf, then rotates it up while its priority beats its parent's. One descent, iterative: this
 * runs at every registration and every return to Idle. Each node passed gains `w` in its subtree, so its figures
 * only rise to `w`'s (no need to read its other child, as a recursive pull would: that child is a cache miss).
 * The bucket says when the nodes' number rows need not be read at all (each is one more cache miss per level):
 * `sameGpu`, every worker in it has w's GPU load, so the id alone orders them; `figuresHold`, no node's figures
 * can be below w's (w's free VRAM is unknown, and w has no URL or every worker in the bucket has one).
 */
function insert(root: WorkerRecord | null, w: WorkerRecord, sameGpu: boolean, figuresHold: boolean): WorkerRecord {
  w.bucketLeft = w.bucketRight = null;
  pull(w);
  if (root === null) return w;
  const free = w.treeMaxFree;
  const urlFree = w.treeMaxUrlFree;
  const backend = ownBackendBit(w);
  const gpu = w.gpuPercent ?? 100;
  const id = w.workerId;
  let depth = 0;
  for (let n = root; ;) {
    path[depth++] = n;
    if (!figuresHold) {
      if (n.treeMaxFree < free) n.treeMaxFree = free;
      if (n.treeMaxUrlFree < urlFree) n.treeMaxUrlFree = urlFree;
    }
    n.bucketBackends |= backend;
    // better(w, n), with w's side read once.
    let left: boolean;
    if (sameGpu) left = id < n.workerId;
    else {
      const g = n.gpuPercent ?? 100;
      left = gpu !== g ? gpu < g : id < n.workerId;
    }
    const next = left ? n.bucketLeft : n.bucketRight;
    if (next === null) {
      if (left) n.bucketLeft = w;
      else n.bucketRight = w;
      break;
    }
    n = next;
  }
  let top = root;
  for (let i = depth - 1; i >= 0; i--) {
    const parent = path[i]!;
    if (w.bucketPriority <= parent.bucketPriority) break;
    if (parent.bucketLeft === w) {
      parent.bucketLeft = w.bucketRight;
      w.bucketRight = parent;
    } else {
      parent.bucketRight = w.bucketLeft;
      w.bucketLeft = parent;
    }
    pull(parent);
    pull(w);
    if (i === 0) top = w;
    else {
      const above = path[i - 1]!;
      if (above.bucketLeft === parent) above.bucketLeft = w;
      else above.bucketRight = w;
    }
  }
  path.fill(null, 0, depth);
  return top;
}

function merge(a: WorkerRecord | null, b: WorkerRecord | null): WorkerRecord | null {
  if (a === null) return b;
  if (b === null) return a;
  if (a.bucketPriority > b.bucketPriority) {
    a.bucketRight = merge(a.bucketRight, b);
    pull(a);
    return a;
  }
  b.bucketLeft = merge(a, b.bucketLeft);
  pull(b);
  return b;
}

/**
 * `w` must be in the tree under `root`, and ordered as it was when inserted. Iterative, as insert: its children's
 * trees are merged into its place, then the nodes above it, which lost it, recompute their figures from the
 * bottom up, and stop at the first whose figures stay (the ones above it cannot change either).
 */
function remove(root: WorkerRecord, w: WorkerRecord): WorkerRecord | null {
  let depth = 0;
  for (let n = root; n !== w; n = better(w, n) ? n.bucketLeft! : n.bucketRight!) path[depth++] = n;
  const rest = merge(w.bucketLeft, w.bucketRight);
  w.bucketLeft = w.bucketRight = null;
  let top: WorkerRecord | null = root;
  if (depth === 0) top = rest;
  else {
    const parent = path[depth - 1]!;
    if (parent.bucketLeft === w) parent.bucketLeft = rest;
    else parent.bucketRight = rest;
  }
  for (let i = depth - 1; i >= 0; i--) if (!pull(path[i]!)) break;
  path.fill(null, 0, depth);
  return top;
}

/** `w`'s own figures changed (not its place in the order): recompute the figures on its path from the root. */
function refresh(root: WorkerRecord, w: WorkerRecord): void {
  if (root !== w) refresh(better(w, root) ? root.bucketLeft! : root.bucketRight!, w);
  pull(root);
}

/** The first worker in order whose figure is at least `min`: one descent, led by the subtree figures. */
function firstAtLeast(root: WorkerRecord | null, min: number, url: boolean): WorkerRecord | undefined {
  let n = root;
  while (n !== null) {
    const l = n.bucketLeft;
    if (l !== null && (url ? l.treeMaxUrlFree : l.treeMaxFree) >= min) {
      n = l;
      continue;
    }
    if ((url ? ownUrlFree(n) : ownFree(n)) >= min) return n;
    const r = n.bucketRight;
    n = r !== null && (url ? r.treeMaxUrlFree : r.treeMaxFree) >= min ? r : null;
  }
  return undefined;
}

let backendVisits = 0;
/** How many tree nodes BACKEND queries have looked at so far: lets a test show a query did not walk. */
export function backendQueryVisits(): number {
  return backendVisits;
}

/**
 * The first worker in order on backend `backend` (bit `bit`) passing the free-VRAM and URL bounds: an in-order
 * walk that skips every subtree without the backend's bit or without enough free VRAM. With a bit of its own
 * and no bound, that is one descent; a bound the backend's workers fail while others pass it can make it walk.
 */
function firstOnBackend(n: WorkerRecord | null, bit: number, backend: string, min: number, url: boolean): WorkerRecord | undefined {
  backendVisits++;
  if (n === null || (n.bucketBackends & bit) === 0 || (url ? n.treeMaxUrlFree : n.treeMaxFree) < min) return undefined;
  const left = firstOnBackend(n.bucketLeft, bit, backend, min, url);
  if (left !== undefined) return left;
  if (n.backend === backend && (url ? ownUrlFree(n) : ownFree(n)) >= min) return n;
  return firstOnBackend(n.bucketRight, bit, backend, min, url);
}

/**
 * A tree of `sorted` (in pick order) in O(K): each worker goes down the right spine of the tree so far, below
 * the last node with a higher priority (a Cartesian tree), the same shape inserting them one by one would give.
 */
function build(sorted: WorkerRecord[]): WorkerRecord | null {
  const spine: WorkerRecord[] = [];
  for (const w of sorted) {
    let below: WorkerRecord | null = null;
    while (spine.length > 0 && spine[spine.length - 1]!.bucketPriority < w.bucketPriority) below = spine.pop()!;
    w.bucketLeft = below;
    w.bucketRight = null;
    if (spine.length > 0) spine[spine.length - 1]!.bucketRight = w;
    spine.push(w);
  }
  const root = spine[0] ?? null;
  pullAll(root);
  return root;
}

function pullAll(w: WorkerRecord | null): void {
  if (w === null) return;
  pullAll(w.bucketLeft);
  pullAll(w.bucketRight);
  pull(w);
}

const inPickOrder = (a: WorkerRecord, b: WorkerRecord) => (better(a, b) ? -1 : 1);

/** One bucket: the root of its tree, and its size. */
class Bucket {
  root: WorkerRecord | null = null;
  size = 0;
  /** Workers added during a bulk load, not yet in the tree. */
  pending: WorkerRecord[] | null = null;
  // Workers here (pending ones too) whose GPU load is not a whole number, and workers without a URL: while there
  // are none, inserts skip the nodes' number rows (see insert). One bucket holds one whole percent, so whole
  // loads in it are all equal.
  private fractionalGpus = 0;
  private withoutUrl = 0;

  add(w: WorkerRecord, bulk: boolean): void {
    const wholeGpu = Number.isInteger(w.gpuPercent ?? 100);
    if (bulk) (this.pending ??= []).push(w);
    else {
      const figuresHold = ownFree(w) === UNKNOWN_FREE && (w.url === null || this.withoutUrl === 0);
      this.root = insert(this.root, w, wholeGpu && this.fractionalGpus === 0, figuresHold);
    }
    if (!wholeGpu) this.fractionalGpus++;
    if (w.url === null) this.withoutUrl++;
    this.size++;
  }

  /** A filed worker's URL was set or cleared. */
  urlChanged(hadUrl: boolean, hasUrl: boolean): void {
    if (hadUrl !== hasUrl) this.withoutUrl += hasUrl ? -1 : 1;
  }

  /** Puts the bulk-loaded workers in the tree. */
  settle(): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    if (this.root === null) this.root = build(pending.sort(inPickOrder));
    else for (const w of pending) this.root = insert(this.root, w, false, false);
  }

  delete(w: WorkerRecord): void {
    this.root = remove(this.root!, w);
    if (!Number.isInteger(w.gpuPercent ?? 100)) this.fractionalGpus--;
    if (w.url === null) this.withoutUrl--;
    this.size--;
  }

  /** The best worker passing the filter; `bit` is the filter's backend's bit. */
  pick(f: CandidateFilter, bit: number): WorkerRecord | undefined {
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

  /** Buckets holding bulk-loaded workers not yet in their trees (null: not bulk loading). */
  private bulk: Set<Bucket> | null = null;

  /**
   * Until settle(), added workers are only gathered, then each bucket's tree is built from its sorted workers
   * in one go: a restore of a million workers spent seconds rebalancing the trees one insertion at a time.
   * Anything else asked of the index settles it first.
   */
  beginBulk(): void {
    this.bulk ??= new Set();
  }

  /** Ends a bulk load: every gathered worker goes in its tree. */
  settle(): void {
    const bulk = this.bulk;
    if (bulk === null) return;
    this.bulk = null;
    for (const bucket of bulk) bucket.settle();
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
    if (this.bulk !== null) this.bulk.add(bucket);
    bucket.add(w, this.bulk !== null);
  }

  /** Removes a worker added (and not yet removed), while its model, health and GPU load are as they were then. */
  remove(w: WorkerRecord): void {
    const key = w.modelId ?? NO_MODEL;
    const buckets = this.byModel.get(key);
    if (buckets === undefined) return;
    const b = bucketOf(w);
    const bucket = buckets[b];
    if (bucket === undefined) return;
    bucket.settle();
    bucket.delete(w);
    // Its own bit number stays in the record: a refiling with the same backend takes it back without a lookup.
    const own = w.bucketBackends >>> BACKEND_BITS;
    if (own !== 0) this.dropBit(own - 1, w.backend!);
    if (bucket.size === 0) {
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
    bucket?.settle();
    if (urlBefore !== undefined) bucket?.urlChanged(urlBefore !== null, w.url !== null);
    if (bucket?.root != null) refresh(bucket.root, w);
  }

  /** The best worker with this model that passes the filter. */
  best(modelId: string, filter: CandidateFilter = {}): WorkerRecord | undefined {
    this.settle();
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
    this.settle();
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
