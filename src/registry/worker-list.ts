// A doubly linked list of workers through their `older`/`newer` fields, oldest heartbeat first: the liveness
// part's online and offline lists. Private to the registry: no link leaves it.

import type { WorkerRecord } from './types.js';

export class WorkerList {
  oldest: WorkerRecord | null = null;
  newest: WorkerRecord | null = null;
  /** Records were appended out of heartbeat order (a restore): sortByLastSeen must run before use. */
  private unsorted = false;

  pushNewest(w: WorkerRecord): void {
    w.older = this.newest;
    w.newer = null;
    if (this.newest !== null) this.newest.newer = w;
    else this.oldest = w;
    this.newest = w;
  }

  /** Like pushNewest, but the record may be older than the newest (sort before use). */
  append(w: WorkerRecord): void {
    if (this.newest !== null && w.lastSeenMs < this.newest.lastSeenMs) this.unsorted = true;
    this.pushNewest(w);
  }

  remove(w: WorkerRecord): void {
    if (w.older !== null) w.older.newer = w.newer;
    else this.oldest = w.newer;
    if (w.newer !== null) w.newer.older = w.older;
    else this.newest = w.older;
    w.older = w.newer = null;
  }

  /**
   * Restores heartbeat order after out-of-order appends: a stable bottom-up merge sort of the links (S. Tatham's
   * list mergesort), O(n log n) with no array of the whole list.
   */
  sortByLastSeen(): void {
    if (!this.unsorted) return;
    this.unsorted = false;
    let head = this.oldest;
    for (let size = 1; head !== null; size *= 2) {
      let p: WorkerRecord | null = head;
      let tail: WorkerRecord | null = null;
      head = null;
      let merges = 0;
      while (p !== null) {
        merges++;
        let q: WorkerRecord | null = p;
        let pSize = 0;
        for (let i = 0; i < size && q !== null; i++, q = q.newer) pSize++;
        let qSize = size;
        while (pSize > 0 || (qSize > 0 && q !== null)) {
          let e: WorkerRecord;
          if (pSize > 0 && (qSize === 0 || q === null || p!.lastSeenMs <= q.lastSeenMs)) {
            e = p!;
            p = p!.newer;
            pSize--;
          } else {
            e = q!;
            q = q!.newer;
            qSize--;
          }
          if (tail !== null) tail.newer = e;
          else head = e;
          e.older = tail;
          tail = e;
        }
        p = q;
      }
      tail!.newer = null;
      if (merges <= 1) {
        this.oldest = head;
        this.newest = tail;
        return;
      }
    }
  }
}
