// The search tree of one best-worker bucket (see best-index.ts): a treap threaded through fields of the worker
// records, with each node's subtree figures (most free VRAM, with and without a URL; backends as bits).

import type { WorkerRecord } from './types.js';

/** Same order as WORKER.BEST inside one bucket: least GPU load (missing counts as 100), then worker id. */
export function better(a: WorkerRecord, b: WorkerRecord): boolean {
  const ga = a.gpuPercent ?? 100;
  const gb = b.gpuPercent ?? 100;
  if (ga !== gb) return ga < gb;
  return a.workerId < b.workerId;
}

// What a node is searched by. MINFREE is a non-negative integer, so -1 stands for "free VRAM unknown": it passes
// a query without MINFREE (threshold -1) and fails every MINFREE. A worker without a URL is -Infinity for the
// searches that need one (the fallback).
export const UNKNOWN_FREE = -1;
export const ownFree = (w: WorkerRecord): number => w.gpuFreeBytes ?? UNKNOWN_FREE;
const ownUrlFree = (w: WorkerRecord): number => (w.url === null ? -Infinity : ownFree(w));

// Backends as bits. `bucketBackends` holds, in its low BACKEND_BITS bits, the backends of the worker's subtree,
// and above them its own backend's bit number plus one (0: no backend). A bit stands for one backend while any
// filed worker has it and is then free for another; past BACKEND_BITS - 1 backends in use at once, the others
// share the last bit (their queries then walk the workers with a shared bit, still skipping the rest). Bits
// instead of a search tree per (model, backend): a query without BACKEND keeps one tree per bucket to descend,
// and filing a worker costs no more than before (one OR per node on its path).
export const BACKEND_BITS = 24;
const SUBTREE_BACKENDS = (1 << BACKEND_BITS) - 1;
export const SHARED_BIT = BACKEND_BITS - 1;
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
 * runs for each pending worker a bucket files one by one. Each node passed gains `w` in its subtree, so its figures
 * only rise to `w`'s (no need to read its other child, as a recursive pull would: that child is a cache miss).
 * The bucket says when the nodes' number rows need not be read at all (each is one more cache miss per level):
 * `sameGpu`, every worker in it has w's GPU load, so the id alone orders them; `figuresHold`, no node's figures
 * can be below w's (w's free VRAM is unknown, and w has no URL or every worker in the bucket has one).
 */
export function insert(root: WorkerRecord | null, w: WorkerRecord, sameGpu: boolean, figuresHold: boolean): WorkerRecord {
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
export function remove(root: WorkerRecord, w: WorkerRecord): WorkerRecord | null {
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
export function refresh(root: WorkerRecord, w: WorkerRecord): void {
  if (root !== w) refresh(better(w, root) ? root.bucketLeft! : root.bucketRight!, w);
  pull(root);
}

/** The first worker in order whose figure is at least `min`: one descent, led by the subtree figures. */
export function firstAtLeast(root: WorkerRecord | null, min: number, url: boolean): WorkerRecord | undefined {
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
export function firstOnBackend(n: WorkerRecord | null, bit: number, backend: string, min: number, url: boolean): WorkerRecord | undefined {
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
export function build(sorted: WorkerRecord[]): WorkerRecord | null {
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

/** Appends the workers under `root` to `out` in pick order (the tree's order): a walk with a stack, no recursion. */
export function inOrder(root: WorkerRecord | null, out: WorkerRecord[]): void {
  const stack: WorkerRecord[] = [];
  for (let n = root; n !== null || stack.length > 0;) {
    while (n !== null) {
      stack.push(n);
      n = n.bucketLeft;
    }
    const top = stack.pop()!;
    out.push(top);
    n = top.bucketRight;
  }
}
