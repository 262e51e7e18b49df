// The hives: each hive's workers and resource sums (kept up to date incrementally, in one place), the hives in
// heartbeat order (so HIVE.ACTIVE with a max_age_ms visits only live ones), the by-id order, kept by merging in
// the hives that came (sorted among themselves) and dropping those that went: never a sort of all hives, and
// the online hives by id, kept as they come online and go offline. The id lists handed out are kept while they
// are right (see the `*IdList` methods).

import sortedBtree from 'sorted-btree';
import { SlotIndex } from './slot-index.js';
import { deviceKey, type DeviceKey } from './capacity.js';
import { HiveRecord, type WorkerRecord } from './types.js';

/** Hives that came are merged into the by-id order once this many wait (see merge()). */
const MERGE_BATCH = 4096;

/** `rank` of a dropped hive. */
const DROPPED = -1;

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byHiveId = (a: HiveRecord, b: HiveRecord): number => compareIds(a.hiveId, b.hiveId);

/** The last list of recent hives handed out, and the heartbeat times between which its answer holds. */
interface RecentIds {
  ids: readonly string[];
  /** The oldest newest-heartbeat in the list (Infinity: none listed). */
  oldestInMs: number;
  /** The newest newest-heartbeat of a hive left out (-Infinity: none left out). */
  newestOutMs: number;
}

export class Hives {
  private readonly byId = new Map<string, HiveRecord>();
  /** Stable slots for cursors (SCAN). */
  readonly slots = new SlotIndex<HiveRecord>();
  /** Every hive by id, but those in `added` and with those dropped since the last merge (see sorted()). */
  private sortedById: HiveRecord[] = [];
  private added: HiveRecord[] = [];
  private droppedSince = 0;
  private rankMarks = new Uint8Array(0);
  /**
   * The hives with a worker online, by id: a B+ tree (sorted-btree) updated as a hive's first worker comes
   * online and its last goes offline, so HIVE.ACTIVE over the default window and the online count need neither a
   * walk nor a sort.
   */
  private readonly online = new sortedBtree.default<string, HiveRecord>(undefined, compareIds);
  // Id lists handed out, kept while they are right, so an unchanged answer is not built again (nor, by the
  // command layer, encoded again). Ids only: this part is replaced whole at FLUSHALL, and they go with it.
  private onlineIds: readonly string[] | null = null;
  private allIds: readonly string[] | null = null;
  private recentIds: RecentIds | null = null;
  /** A heartbeat to a hive last heard from at or before this brings it into `recentIds`: the list is dropped. */
  private recentFloorMs = -Infinity;
  // Hives in heartbeat order, oldest first, through their `older`/`newer` links.
  private oldest: HiveRecord | null = null;
  private newest: HiveRecord | null = null;
  /**
   * Told when a worker joins or leaves a GPU of a hive (its free VRAM changes), with the worker: set by the
   * workers' indexes.
   */
  gpuChanged: (hive: HiveRecord, key: DeviceKey, w: WorkerRecord, joined: boolean) => void = () => {};

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
      this.added.push(hive);
      this.allIds = null;
      this.dropRecent();
      // Merged in batches as they come, so a query after a large arrival never sorts them all at once.
      if (this.added.length >= MERGE_BATCH) this.merge();
      // Linked at the newest end, so it must already be the newest: a worker moving in may make its old hive
      // step back in the list, and that walk relies on the list being in heartbeat order.
      hive.lastHeartbeatMs = atMs;
      this.linkNewest(hive);
    }
    return hive;
  }

  /** The hive's newest heartbeat is `atMs` (the newest of all). */
  touch(hive: HiveRecord, atMs: number): void {
    if (hive.lastHeartbeatMs <= this.recentFloorMs) this.dropRecent();
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
      if (w.vramTotalBytes !== null) h.vramTotalWorkers += sign;
    }
    if (online) {
      h.onlineWorkers += sign;
      h.onlineVramUsedBytes += vram;
      h.onlineRamUsedBytes += ram;
      if (sign === 1 ? h.onlineWorkers === 1 : h.onlineWorkers === 0) this.onlineChanged(h);
    }
  }

  /**
   * Takes away (-1) or adds back (1) a worker's VRAM and RAM in its hive's sums, around a change of them: its
   * membership and liveness stay, so the hive does not leave the online hives for the moment.
   */
  load(w: WorkerRecord, sign: 1 | -1): void {
    const h = w.hive;
    const vram = sign * (w.vramBytes ?? 0);
    const ram = sign * (w.ramBytes ?? 0);
    h.vramUsedBytes += vram;
    h.ramUsedBytes += ram;
    if (w.online) {
      h.onlineVramUsedBytes += vram;
      h.onlineRamUsedBytes += ram;
    }
  }

  /** A worker of the hive set or cleared its VRAM_TOTAL (`before`: what it was). */
  vramTotalChanged(w: WorkerRecord, before: number | null): void {
    if ((before === null) !== (w.vramTotalBytes === null)) w.hive.vramTotalWorkers += before === null ? 1 : -1;
  }

  /** The hive's first worker came online, or its last went offline. */
  private onlineChanged(h: HiveRecord): void {
    if (h.onlineWorkers > 0) this.online.set(h.hiveId, h);
    else this.online.delete(h.hiveId);
    this.onlineIds = null;
  }

  /** Puts a worker in its hive (`w.hive`), with its sums. */
  join(w: WorkerRecord): void {
    w.hive.workers.add(w);
    this.count(w, 1, true, w.online);
    this.gpuChanged(w.hive, deviceKey(w), w, true);
  }

  /** Takes a worker out of its hive's set and sums, and fixes the hive's newest heartbeat. */
  leave(w: WorkerRecord): void {
    const hive = w.hive;
    hive.workers.delete(w);
    this.count(w, -1, true, w.online);
    this.gpuChanged(hive, deviceKey(w), w, false);
    if (hive.workers.size > 0 && w.lastSeenMs >= hive.lastHeartbeatMs) {
      let newest = 0;
      for (const other of hive.workers) if (other.lastSeenMs > newest) newest = other.lastSeenMs;
      hive.lastHeartbeatMs = newest;
      // Older now: it may have left a list of recent hives.
      this.dropRecent();
      this.reposition(hive);
    }
  }

  drop(hive: HiveRecord): void {
    this.byId.delete(hive.hiveId);
    this.slots.remove(hive);
    hive.rank = DROPPED;
    this.droppedSince++;
    this.unlink(hive);
    // A hive is dropped once its last worker left, so it is offline by now; a dropped record never comes back.
    if (this.online.delete(hive.hiveId)) this.onlineIds = null;
    this.allIds = null;
    this.dropRecent();
  }

  /** How many hives have a worker online. O(1). */
  get onlineCount(): number {
    return this.online.size;
  }

  /** The hives with a worker online, by id. */
  onlineHives(): HiveRecord[] {
    return this.online.valuesArray();
  }

  /** Ids of the hives with a worker online, by id: the same array while that set is unchanged (do not change it). */
  onlineIdList(): readonly string[] {
    return (this.onlineIds ??= this.online.keysArray());
  }

  /** Ids of all hives, by id: the same array while no hive comes or goes (do not change it). */
  allIdList(): readonly string[] {
    return (this.allIds ??= this.sorted().map((h) => h.hiveId));
  }

  /**
   * Ids of the hives whose newest heartbeat passes `recent` (a window at some time), by id. The last answer is
   * kept with the newest heartbeat times on either side of its edge: while no hive came, went, was heard from
   * again from outside the list or grew older, it still holds for any window whose edge falls between them (a
   * later time, another max_age_ms), and the same array is handed out (do not change it).
   */
  recentIdList(recent: (lastHeartbeatMs: number) => boolean): readonly string[] {
    const last = this.recentIds;
    if (last !== null && recent(last.oldestInMs) && !recent(last.newestOutMs)) return last.ids;
    const { hives, oldestInMs, newestOutMs } = this.recent(recent);
    const ids = hives.map((h) => h.hiveId);
    this.recentIds = { ids, oldestInMs, newestOutMs };
    this.recentFloorMs = newestOutMs;
    return ids;
  }

  private dropRecent(): void {
    this.recentIds = null;
    this.recentFloorMs = -Infinity;
  }

  /** All hives sorted by id, each with its `rank` in that order. Callers must not change the array. */
  sorted(): readonly HiveRecord[] {
    if (this.added.length > 0 || this.droppedSince > 0) this.merge();
    return this.sortedById;
  }

  /**
   * Folds the hives that came into the by-id order and leaves out those that went: a sort of the new ones and
   * one pass over all, O(H + k log k), instead of sorting all H (100k ids: tens of ms).
   */
  private merge(): void {
    const added = this.added.sort(byHiveId);
    const old = this.sortedById;
    const out = new Array<HiveRecord>(this.byId.size);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.length || j < added.length) {
      let h: HiveRecord;
      if (j >= added.length || (i < old.length && old[i]!.hiveId < added[j]!.hiveId)) h = old[i++]!;
      else h = added[j++]!;
      // A hive that came back after being dropped is a new record: the old one is marked.
      if (h.rank === DROPPED) continue;
      h.rank = k;
      out[k++] = h;
    }
    out.length = k;
    this.sortedById = out;
    this.added = [];
    this.droppedSince = 0;
  }

  /**
   * Hives whose newest heartbeat passes `recent`, by id, with the newest heartbeats on either side of the edge:
   * the oldest listed (Infinity: none) and the newest left out (-Infinity: none). Walks only the listed hives.
   */
  recent(recent: (lastHeartbeatMs: number) => boolean): Omit<RecentIds, 'ids'> & { hives: HiveRecord[] } {
    const out: HiveRecord[] = [];
    let h = this.newest;
    for (; h !== null && recent(h.lastHeartbeatMs); h = h.older) out.push(h);
    // The walk goes newest first: the last one listed is the oldest (before byRank reorders them).
    const oldestInMs = out.length === 0 ? Infinity : out[out.length - 1]!.lastHeartbeatMs;
    return { hives: this.byRank(out), oldestInMs, newestOutMs: h === null ? -Infinity : h.lastHeartbeatMs };
  }

  /** The given hives (each listed once) in id order. */
  private byRank(out: HiveRecord[]): HiveRecord[] {
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
    this.dropRecent();
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
