// The hives: each hive's workers and resource sums (kept up to date incrementally, in one place), the hives in
// heartbeat order (so HIVE.ACTIVE visits only live ones), and the by-id order, rebuilt only when hives come
// or go (they are hosts: rare).

import { SlotIndex } from './slot-index.js';
import { HiveRecord, type WorkerRecord } from './types.js';

function byHiveId(a: HiveRecord, b: HiveRecord): number {
  return a.hiveId < b.hiveId ? -1 : a.hiveId > b.hiveId ? 1 : 0;
}

export class Hives {
  private readonly byId = new Map<string, HiveRecord>();
  /** Stable slots for cursors (SCAN). */
  readonly slots = new SlotIndex<HiveRecord>();
  private sortedById: HiveRecord[] | null = null;
  private rankMarks = new Uint8Array(0);
  // Hives in heartbeat order, oldest first, through their `older`/`newer` links.
  private oldest: HiveRecord | null = null;
  private newest: HiveRecord | null = null;

  get size(): number {
    return this.byId.size;
  }

  get(hiveId: string): HiveRecord | undefined {
    return this.byId.get(hiveId);
  }

  /** The hive with this id, created when unknown (with its newest heartbeat at `atMs`). */
  obtain(hiveId: string, atMs: number): HiveRecord {
    let hive = this.byId.get(hiveId);
    if (hive === undefined) {
      hive = new HiveRecord(hiveId);
      this.byId.set(hiveId, hive);
      this.slots.add(hive);
      this.sortedById = null;
      // Linked at the newest end, so it must already be the newest: a worker moving in may make its old hive
      // step back in the list, and that walk relies on the list being in heartbeat order.
      hive.lastHeartbeatMs = atMs;
      this.linkNewest(hive);
    }
    return hive;
  }

  /** The hive's newest heartbeat is `atMs` (the newest of all). */
  touch(hive: HiveRecord, atMs: number): void {
    hive.lastHeartbeatMs = atMs;
    this.unlink(hive);
    this.linkNewest(hive);
  }

  /**
   * Adds (sign 1) or takes away (-1) a worker's share of its hive's sums: the totals when `totals`, the online
   * count and sums when `online`. Every change of membership, load or liveness goes through here.
   */
  count(w: WorkerRecord, sign: 1 | -1, totals: boolean, online: boolean): void {
    const h = w.hive;
    const vram = sign * (w.vramBytes ?? 0);
    const ram = sign * (w.ramBytes ?? 0);
    if (totals) {
      h.vramUsedBytes += vram;
      h.ramUsedBytes += ram;
    }
    if (online) {
      h.onlineWorkers += sign;
      h.onlineVramUsedBytes += vram;
      h.onlineRamUsedBytes += ram;
    }
  }

  /** Puts a worker in its hive (`w.hive`), with its sums. */
  join(w: WorkerRecord): void {
    w.hive.workers.add(w);
    this.count(w, 1, true, w.online);
  }

  /** Takes a worker out of its hive's set and sums, and fixes the hive's newest heartbeat. */
  leave(w: WorkerRecord): void {
    const hive = w.hive;
    hive.workers.delete(w);
    this.count(w, -1, true, w.online);
    if (hive.workers.size > 0 && w.lastSeenMs >= hive.lastHeartbeatMs) {
      let newest = 0;
      for (const other of hive.workers) if (other.lastSeenMs > newest) newest = other.lastSeenMs;
      hive.lastHeartbeatMs = newest;
      this.reposition(hive);
    }
  }

  drop(hive: HiveRecord): void {
    this.byId.delete(hive.hiveId);
    this.slots.remove(hive);
    this.sortedById = null;
    this.unlink(hive);
  }

  /** All hives sorted by id, each with its `rank` in that order. Callers must not change the array. */
  sorted(): readonly HiveRecord[] {
    if (this.sortedById === null) {
      this.sortedById = [...this.byId.values()].sort(byHiveId);
      for (let i = 0; i < this.sortedById.length; i++) this.sortedById[i]!.rank = i;
    }
    return this.sortedById;
  }

  /** Hives whose newest heartbeat passes `recent`, by id. Walks only those hives (newest first). */
  recent(recent: (lastHeartbeatMs: number) => boolean): HiveRecord[] {
    const out: HiveRecord[] = [];
    for (let h = this.newest; h !== null && recent(h.lastHeartbeatMs); h = h.older) out.push(h);
    if (out.length < 2) return out;
    const all = this.sorted();
    // Few: sort them by rank (integers). Many: mark their ranks and read the marks in order, which is a pass
    // over a byte array instead of a comparison sort.
    if (out.length * 16 < all.length) return out.sort((a, b) => a.rank - b.rank);
    if (this.rankMarks.length < all.length) this.rankMarks = new Uint8Array(all.length * 2);
    const marks = this.rankMarks;
    for (const h of out) marks[h.rank] = 1;
    let k = 0;
    for (let i = 0; i < all.length; i++) {
      if (marks[i] === 1) {
        marks[i] = 0;
        out[k++] = all[i]!;
      }
    }
    return out;
  }

  /** After a restore set each hive's newest heartbeat: rebuild the heartbeat order. */
  relink(): void {
    const hives = [...this.byId.values()].sort((a, b) => a.lastHeartbeatMs - b.lastHeartbeatMs);
    this.oldest = this.newest = null;
    for (const h of hives) this.linkNewest(h);
  }

  private linkNewest(h: HiveRecord): void {
    h.older = this.newest;
    h.newer = null;
    if (this.newest !== null) this.newest.newer = h;
    else this.oldest = h;
    this.newest = h;
  }

  private unlink(h: HiveRecord): void {
    if (h.older !== null) h.older.newer = h.newer;
    else if (this.oldest === h) this.oldest = h.newer;
    if (h.newer !== null) h.newer.older = h.older;
    else if (this.newest === h) this.newest = h.older;
    h.older = h.newer = null;
  }

  /** After a hive's newest heartbeat went back in time (its newest worker left), restore the list order. */
  private reposition(h: HiveRecord): void {
    this.unlink(h);
    let after = this.newest;
    while (after !== null && after.lastHeartbeatMs > h.lastHeartbeatMs) after = after.older;
    if (after === null) {
      h.newer = this.oldest;
      h.older = null;
      if (this.oldest !== null) this.oldest.older = h;
      else this.newest = h;
      this.oldest = h;
      return;
    }
    h.older = after;
    h.newer = after.newer;
    if (after.newer !== null) after.newer.older = h;
    else this.newest = h;
    after.newer = h;
  }
}
