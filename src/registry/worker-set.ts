// A set of workers threaded through a pair of link fields on the records themselves (an intrusive list).
//
// Why not a Set: a worker is in at most one model's set at a time, so the membership
// can live in two pointer fields of the record (16 bytes) instead of a Set entry (about 20 bytes plus buckets
// and power-of-two slack): 17 bytes a worker saved for each, at a million workers. The price is iteration:
// following links is a chain of dependent loads, several times slower than a Set's walk over its table, so
// this is only for sets that are walked rarely or whose members are read anyway. Hive membership stays a Set:
// it would save 4 bytes a worker and make listing a hive's workers 2.5 times slower.
// Iteration is in insertion order, like a Set's, and add/delete are O(1).

import type { WorkerRecord } from './types.js';

/** The pairs of link fields on WorkerRecord, one pair per kind of membership. */
export type LinkPair = readonly ['modelPrev', 'modelNext'];

export const MODEL_LINKS = ['modelPrev', 'modelNext'] as const;

/**
 * Workers in insertion order. A record may be in only one WorkerSet per link pair, and callers must only delete
 * members (the links cannot tell which set of that kind a record is in).
 */
export class WorkerSet implements Iterable<WorkerRecord> {
  private first: WorkerRecord | null = null;
  private last: WorkerRecord | null = null;
  private count = 0;
  private readonly prev: LinkPair[0];
  private readonly next: LinkPair[1];

  constructor(links: LinkPair) {
    this.prev = links[0];
    this.next = links[1];
  }

  get size(): number {
    return this.count;
  }

  add(w: WorkerRecord): void {
    w[this.prev] = this.last;
    w[this.next] = null;
    if (this.last !== null) this.last[this.next] = w;
    else this.first = w;
    this.last = w;
    this.count++;
  }

  delete(w: WorkerRecord): void {
    const prev = w[this.prev];
    const next = w[this.next];
    if (prev !== null) prev[this.next] = next;
    else this.first = next;
    if (next !== null) next[this.prev] = prev;
    else this.last = prev;
    w[this.prev] = w[this.next] = null;
    this.count--;
  }

  /** The member being visited may be deleted during the walk (as with a Set); others must not be. */
  [Symbol.iterator](): WorkerSetIterator {
    return new WorkerSetIterator(this.first, this.next);
  }
}

// A class rather than a generator: for-of over it is faster (WORKER.LIST MODEL walks whole sets).
class WorkerSetIterator implements IterableIterator<WorkerRecord> {
  constructor(
    private upcoming: WorkerRecord | null,
    private readonly nextKey: LinkPair[1],
  ) {}

  next(): IteratorResult<WorkerRecord> {
    const w = this.upcoming;
    if (w === null) return { done: true, value: undefined };
    this.upcoming = w[this.nextKey];
    return { done: false, value: w };
  }

  [Symbol.iterator](): WorkerSetIterator {
    return this;
  }
}
