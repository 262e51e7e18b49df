// Stable slots for records, so a cursor can walk them in pieces (SCAN) without sorting or copying per call.
//
// Each record gets the lowest free slot when added and keeps it until removed; a cursor is a slot number.
// That gives Redis' SCAN guarantee: a record present for a whole iteration is returned (its slot never moves),
// one added or removed meanwhile may or may not be. A walk of COUNT slots costs O(COUNT), whatever the size.
// Reusable for any paging that needs no order (keyspace views today; list commands could share it).

/** A record that remembers its slot (-1: not in an index). */
export interface Slotted {
  keySlot: number;
}

export class SlotIndex<T extends Slotted> {
  private readonly slots: Array<T | undefined> = [];
  /** Free slots, as a stack; the walk skips holes, so reuse keeps the array from growing without need. */
  private readonly free: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** One past the highest slot ever used: a walk ends here. */
  get capacity(): number {
    return this.slots.length;
  }

  add(item: T): void {
    if (item.keySlot >= 0) return;
    let slot = this.slots.length;
    // Entries past the trimmed end, or taken again since, are stale: skip them.
    while (this.free.length > 0) {
      const s = this.free.pop()!;
      if (s < this.slots.length && this.slots[s] === undefined) {
        slot = s;
        break;
      }
    }
    this.slots[slot] = item;
    item.keySlot = slot;
    this.count++;
  }

  remove(item: T): void {
    const slot = item.keySlot;
    if (slot < 0 || this.slots[slot] !== item) return;
    this.slots[slot] = undefined;
    item.keySlot = -1;
    this.count--;
    if (slot === this.slots.length - 1) {
      // No hole at the top: an index emptied from the end walks nothing.
      let end = slot;
      while (end > 0 && this.slots[end - 1] === undefined) end--;
      this.slots.length = end;
    } else this.free.push(slot);
  }

  /**
   * Walks from slot `cursor`, offering each item to `take`, until `take` has accepted `count` items or `maxSteps`
   * slots were looked at. Returns the next cursor: 0 when the walk reached the end (Redis' SCAN contract). An
   * item present for a whole walk is offered exactly once; one added or removed meanwhile may or may not be.
   */
  walk(cursor: number, count: number, maxSteps: number, take: (item: T) => boolean): number {
    const end = this.slots.length;
    let slot = cursor;
    let taken = 0;
    for (let steps = 0; slot < end && taken < count && steps < maxSteps; slot++, steps++) {
      const item = this.slots[slot];
      if (item !== undefined && take(item)) taken++;
    }
    return slot >= end ? 0 : slot;
  }

  at(slot: number): T | undefined {
    return this.slots[slot];
  }

  clear(): void {
    for (const item of this.slots) if (item !== undefined) item.keySlot = -1;
    this.slots.length = 0;
    this.free.length = 0;
    this.count = 0;
  }
}

/**
 * Walks two indexes side by side from `cursor` (0 starts), as Redis' SCAN walks buckets: stops after `count`
 * records or `count * 10` slots. Returns the next cursor, 0 when the walk is complete.
 */
export function scanBoth<A extends Slotted, B extends Slotted>(
  a: SlotIndex<A>,
  b: SlotIndex<B>,
  cursor: number,
  count: number,
  onA: (x: A) => void,
  onB: (y: B) => void,
): number {
  const end = Math.max(a.capacity, b.capacity);
  let slot = cursor;
  let found = 0;
  for (let steps = count * 10; slot < end && found < count && steps > 0; slot++, steps--) {
    const x = a.at(slot);
    const y = b.at(slot);
    if (x !== undefined) onA(x);
    if (y !== undefined) onB(y);
    found += (x === undefined ? 0 : 1) + (y === undefined ? 0 : 1);
  }
  return slot >= end ? 0 : slot;
}
