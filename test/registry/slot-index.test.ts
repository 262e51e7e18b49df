// SlotIndex and the registry's SCAN walk: stable slots, reuse, and Redis' guarantee that a record present
// for a whole iteration is returned, whatever is added or removed meanwhile.

import { expect } from 'chai';
import fc from 'fast-check';
import { SlotIndex, type Slotted } from '../../src/registry/slot-index.js';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { ManualClock } from '../helpers/clock.js';

class Item implements Slotted {
  keySlot = -1;
  constructor(readonly id: number) {}
}

describe('SlotIndex', () => {
  it('gives stable slots, reuses freed ones, and trims holes at the top', () => {
    const index = new SlotIndex<Item>();
    const [a, b, c] = [new Item(1), new Item(2), new Item(3)];
    for (const x of [a, b, c]) index.add(x);
    expect([a.keySlot, b.keySlot, c.keySlot]).to.deep.equal([0, 1, 2]);
    index.remove(b);
    expect(index.at(1)).to.equal(undefined);
    const d = new Item(4);
    index.add(d);
    expect(d.keySlot).to.equal(1);
    index.remove(c);
    index.remove(d);
    expect(index.capacity).to.equal(1);
    expect(index.size).to.equal(1);
    index.remove(a);
    expect(index.capacity).to.equal(0);
    const e = new Item(5);
    index.add(e);
    expect(e.keySlot).to.equal(0);
    expect(index.size).to.equal(1);
  });

  it('never hands one slot to two items, under any sequence of adds and removes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(30)), { maxLength: 300 }), (ops) => {
        const index = new SlotIndex<Item>();
        const items = Array.from({ length: 31 }, (_, i) => new Item(i));
        const inside = new Set<Item>();
        for (const [add, k] of ops) {
          const item = items[k]!;
          if (add) {
            index.add(item);
            inside.add(item);
          } else {
            index.remove(item);
            inside.delete(item);
          }
          const seen = new Set<number>();
          for (const x of inside) {
            expect(index.at(x.keySlot)).to.equal(x);
            expect(seen.has(x.keySlot)).to.equal(false);
            seen.add(x.keySlot);
          }
          expect(index.size).to.equal(inside.size);
        }
      }),
    );
  });
});

describe('WorkerRegistry.scanSlots', () => {
  it('returns every worker and hive present for the whole walk, while others come and go', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.nat(60)), { maxLength: 200 }), fc.integer({ min: 1, max: 7 }), (churn, count) => {
        const clock = new ManualClock();
        const registry = new WorkerRegistry({ clock });
        for (let i = 0; i < 40; i++) registry.heartbeat(`w${i}`, `h${i % 5}`, {});
        const stable = new Set<string>();
        for (let i = 0; i < 40; i++) stable.add(`w${i}`);
        const seen = new Set<string>();
        let cursor = 0;
        let step = 0;
        do {
          cursor = registry.scanSlots(
            cursor,
            count,
            (w) => seen.add(w.workerId),
            (h) => seen.add('hive:' + h.hiveId),
          );
          // Churn between calls: add or remove workers; a removed one leaves the stable set.
          const op = churn[step++];
          if (op !== undefined) {
            const [kind, n] = op;
            if (kind === 0) registry.heartbeat(`x${n}`, `h${n % 7}`, {});
            else if (kind === 1) registry.removeWorker(`x${n}`);
            else if (registry.removeWorker(`w${n % 40}`)) stable.delete(`w${n % 40}`);
          }
        } while (cursor !== 0);
        for (const id of stable) expect(seen.has(id), id).to.equal(true);
        registry.stop();
      }),
      { numRuns: 200 },
    );
  });

  it('costs a bounded number of slots per call: COUNT 10 over 100,000 workers returns at once', () => {
    const registry = new WorkerRegistry({ clock: new ManualClock() });
    for (let i = 0; i < 100_000; i++) registry.heartbeat(`w${i}`, 'h', {});
    let n = 0;
    const next = registry.scanSlots(
      0,
      10,
      () => n++,
      () => n++,
    );
    expect(n).to.equal(10);
    expect(next).to.be.greaterThan(0).and.below(11);
    registry.stop();
  });
});
