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
 * A registry's rows. Pages never move (records point into them directly); rows of removed workers are reused.
 * The doubles live outside the V8 heap (ArrayBuffer backing stores): count them with `arrayBuffers`.
 */
export class RowPages {
  private page: Float64Array = new Float64Array(0);
  /** Next unused row base in `page`. */
  private used = 0;
  private freePages: Float64Array[] = [];
  private freeBases: number[] = [];
  /** Rows handed out and not released. */
  private live = 0;

  /** Gives the holder a row with every column null. */
  attach(holder: RowHolder): void {
    this.live++;
    if (this.freePages.length > 0) {
      holder.rows = this.freePages.pop()!;
      holder.rowBase = this.freeBases.pop()!;
    } else {
      if (this.used === this.page.length) {
        const rows = Math.min(MAX_PAGE_ROWS, Math.max(FIRST_PAGE_ROWS, (this.page.length / ROW_LENGTH) * 2));
        this.page = new Float64Array(rows * ROW_LENGTH);
        this.used = 0;
      }
      holder.rows = this.page;
      holder.rowBase = this.used;
      this.used += ROW_LENGTH;
    }
    holder.rows.fill(NaN, holder.rowBase, holder.rowBase + ROW_LENGTH);
  }

  /**
   * Takes the row back for reuse. The holder keeps a private copy, so a removed record still reads as it was
   * when it was removed (events and callers may look at it afterwards).
   */
  release(holder: RowHolder): void {
    if (holder.rows.length === ROW_LENGTH) return; // already its own row: nothing to give back
    const page = holder.rows;
    const base = holder.rowBase;
    holder.rows = ownRow(holder);
    holder.rowBase = 0;
    if (--this.live === 0) {
      // The last worker left: drop every page, so an emptied registry gives its memory back.
      this.page = new Float64Array(0);
      this.used = 0;
      this.freePages = [];
      this.freeBases = [];
      return;
    }
    this.freePages.push(page);
    this.freeBases.push(base);
  }
}
