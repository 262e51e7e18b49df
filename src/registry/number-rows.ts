// Where WorkerRecord keeps its numbers: one row of doubles per worker in pages shared by a registry's workers.
//
// Why: a number field on an object holds a small integer inline, but anything else (epoch milliseconds, byte
// counts past 2^31, fractional percents) points to a separate 16-byte HeapNumber, and a new one is allocated
// at every write. In a Float64Array row each number is 8 bytes, written in place. NaN stands for null (no
// validated value is ever NaN). Saves 32 bytes a worker in the 1M-worker benchmark, about 80 with RAM past
// 2 GiB and fractional GPU load. The price: a row is a second cache miss beside the record, so walks that read
// numbers of many workers (WORKER.BEST with BACKEND/MINFREE scans whole buckets) run about twice as slow.

/** Column of each number in a row. */
export const DEVICE_ID = 0;
export const VRAM = 1;
export const VRAM_TOTAL = 2;
export const RAM = 3;
export const CPU = 4;
export const GPU = 5;
export const SKEW = 6;
export const LAST_SEEN = 7;
/** Free VRAM of the worker's GPU (see capacity.ts), kept up to date for the best-worker index. */
export const GPU_FREE = 8;
/** The best-worker index's subtree figures for MINFREE (see best-index.ts). */
export const TREE_MAX_FREE = 9;
export const TREE_MAX_URL_FREE = 10;
export const ROW_LENGTH = 11;

/** A row's place: the page it lives in and the index of its first column there. */
export interface RowHolder {
  rows: Float64Array;
  rowBase: number;
}

/** A row of its own, not in any page: for records made outside a registry, and for removed ones. */
export function ownRow(from?: RowHolder): Float64Array {
  const row = new Float64Array(ROW_LENGTH);
  if (from === undefined) row.fill(NaN);
  else row.set(from.rows.subarray(from.rowBase, from.rowBase + ROW_LENGTH));
  return row;
}

const FIRST_PAGE_ROWS = 64;
// Pages stop growing here, so the unused tail of the newest page stays under 512 KiB.
const MAX_PAGE_ROWS = 8192;

/**
 * A registry's rows, kept dense: rows in use fill the pages from the first, and a released row is filled by the
 * last one in use (its holder is pointed at the new place), so the last page empties as workers leave and is
 * given back. A fleet shrinking from 1M to 10k workers keeps the pages of 10k, not of 1M. One empty page is
 * kept past the last in use, so a fleet going back and forth across a page's edge does not allocate each time.
 * Holders must read their row through `rows`/`rowBase` each time (WorkerRecord's accessors do): a row moves.
 * The doubles live outside the V8 heap (ArrayBuffer backing stores): count them with `arrayBuffers`.
 */
export class RowPages {
  private pages: Float64Array[] = [];
  /** Who holds each row of each page (by row number in the page), to point a moved row's holder at its place. */
  private holders: Array<Array<RowHolder | null>> = [];
  private readonly pageIndex = new Map<Float64Array, number>();
  /** The page holding the last row in use, and the base just past that row. */
  private last = -1;
  private used = 0;

  /** Rows handed out and not released. */
  get live(): number {
    let rows = 0;
    for (let i = 0; i < this.last; i++) rows += this.pages[i]!.length;
    return (rows + this.used) / ROW_LENGTH;
  }

  /** Pages held (the last in use and at most one empty one after it). */
  get pageCount(): number {
    return this.pages.length;
  }

  /** Gives the holder a row with every column null. */
  attach(holder: RowHolder): void {
    if (this.last < 0 || this.used === this.pages[this.last]!.length) {
      this.last++;
      this.used = 0;
      if (this.last === this.pages.length) {
        const previous = this.last === 0 ? 0 : this.pages[this.last - 1]!.length / ROW_LENGTH;
        const rows = Math.min(MAX_PAGE_ROWS, Math.max(FIRST_PAGE_ROWS, previous * 2));
        const page = new Float64Array(rows * ROW_LENGTH);
        this.pageIndex.set(page, this.pages.length);
        this.pages.push(page);
        this.holders.push(new Array<RowHolder | null>(rows).fill(null));
      }
    }
    const page = this.pages[this.last]!;
    holder.rows = page;
    holder.rowBase = this.used;
    this.holders[this.last]![this.used / ROW_LENGTH] = holder;
    this.used += ROW_LENGTH;
    page.fill(NaN, holder.rowBase, holder.rowBase + ROW_LENGTH);
  }

  /**
   * Takes the row back: the last row in use moves into it. The holder keeps a private copy, so a removed record
   * still reads as it was when it was removed (events and callers may look at it afterwards).
   */
  release(holder: RowHolder): void {
    if (holder.rows.length === ROW_LENGTH) return; // already its own row: nothing to give back
    const page = holder.rows;
    const base = holder.rowBase;
    const at = this.pageIndex.get(page)!;
    holder.rows = ownRow(holder);
    holder.rowBase = 0;
    const lastPage = this.pages[this.last]!;
    const lastBase = this.used - ROW_LENGTH;
    const lastHolders = this.holders[this.last]!;
    const moved = lastHolders[lastBase / ROW_LENGTH]!;
    if (moved !== holder) {
      page.set(lastPage.subarray(lastBase, lastBase + ROW_LENGTH), base);
      moved.rows = page;
      moved.rowBase = base;
      this.holders[at]![base / ROW_LENGTH] = moved;
    }
    lastHolders[lastBase / ROW_LENGTH] = null;
    this.used = lastBase;
    if (this.used > 0) return;
    // The last page in use emptied: it becomes the spare, and a spare after it is given back.
    this.dropFrom(this.last + 1);
    this.last--;
    if (this.last < 0) {
      // The last worker left: no spare either, so an emptied registry gives all its memory back.
      this.dropFrom(0);
      this.used = 0;
    } else {
      this.used = this.pages[this.last]!.length;
    }
  }

  private dropFrom(index: number): void {
    for (let i = index; i < this.pages.length; i++) this.pageIndex.delete(this.pages[i]!);
    this.pages.length = Math.min(this.pages.length, index);
    this.holders.length = this.pages.length;
  }
}
