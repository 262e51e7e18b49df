// The event log's byte bound: against a naive reference (a plain list evicted from the front while over either
// bound), over random sequences of events of any size, and changes of the bound while it runs.

import { expect } from 'chai';
import fc from 'fast-check';
import { CompactedError, EventLog, eventBytes } from '../../src/registry/events.js';

const T0 = 1_700_000_000_000;

type Op = { kind: 'append'; urlLength: number } | { kind: 'bound'; maxBytes: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('append' as const), urlLength: fc.nat({ max: 3000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('bound' as const), maxBytes: fc.nat({ max: 40_000 }) }) },
);

describe('EventLog byte bound', () => {
  it('keeps what a naive list evicted from the front would keep, and reads the same', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.nat({ max: 40_000 }),
        fc.array(opArb, { maxLength: 120 }),
        (capacity, maxBytes, ops) => {
          const log = new EventLog(capacity, 0, maxBytes);
          // The reference: every event with its size, and the index of the oldest kept.
          const all: Array<{ rev: number; bytes: number; url: string }> = [];
          let first = 0;
          let bound = maxBytes;
          const sumKept = () => all.slice(first).reduce((s, e) => s + e.bytes, 0);
          const evict = () => {
            while (all.length - first > 1 && (all.length - first > capacity || sumKept() > bound)) first++;
          };
          for (const op of ops) {
            if (op.kind === 'append') {
              const url = 'u'.repeat(op.urlLength);
              const e = log.append({ type: 'worker.online', at_ms: T0 + all.length, worker_id: `w${all.length}`, url });
              all.push({ rev: e.rev, bytes: eventBytes(e), url });
            } else {
              bound = op.maxBytes;
              log.maxBytes = op.maxBytes;
            }
            evict();
            const kept = all.slice(first);
            expect(log.length).to.equal(kept.length);
            expect(log.bytes).to.equal(sumKept());
            expect(log.bytes <= bound || kept.length === 1 || kept.length === 0).to.equal(true);
            expect(log.oldestRev).to.equal(kept.length === 0 ? log.lastRev + 1 : kept[0]!.rev);
            expect(log.lastRev).to.equal(all.length);
            for (let rev = 0; rev <= all.length; rev++) {
              if (rev + 1 < log.oldestRev) expect(() => log.since(rev)).to.throw(CompactedError);
              else expect(log.since(rev).map((e) => e.event.url)).to.deep.equal(all.slice(rev).map((e) => e.url));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('counts an event by its JSON text, so big fields make fewer events fit', () => {
    const log = new EventLog(1000, 0, 64 * 1024);
    for (let i = 0; i < 100; i++) log.append({ type: 'worker.online', at_ms: T0, worker_id: `w${i}`, url: 'x'.repeat(2000) });
    // Each event counts more than 4000 bytes: no more than 16 fit in 64 KiB.
    expect(log.length).to.be.within(1, 16);
    expect(log.bytes).to.be.at.most(64 * 1024);
    expect(log.oldestRev).to.equal(101 - log.length);
    expect(() => log.since(0)).to.throw(CompactedError, /^COMPACTED revisions up to \d+ are gone/);
  });

  it('keeps the newest event even when it alone is over the bound', () => {
    const log = new EventLog(10, 0, 1024);
    log.append({ type: 'worker.online', at_ms: T0, worker_id: 'w', url: 'x'.repeat(5000) });
    expect([log.length, log.oldestRev, log.lastRev]).to.deep.equal([1, 1, 1]);
    log.append({ type: 'worker.offline', at_ms: T0, worker_id: 'w' });
    expect([log.length, log.oldestRev]).to.deep.equal([1, 2]);
  });
});
