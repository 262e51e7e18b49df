// Row pages against a plain model: after any order of attaching and releasing, every holder reads the numbers it
// wrote (rows move when others leave), released holders keep theirs, and pages are given back as the rows in
// use shrink. Then through a registry: a fleet that shrinks without emptying gives its row memory back.

import { expect } from 'chai';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ROW_LENGTH, RowPages, type RowHolder } from '../../src/registry/number-rows.js';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { ManualClock } from '../helpers/clock.js';

const holder = (): RowHolder => ({ rows: new Float64Array(0), rowBase: 0 });
const read = (h: RowHolder) => Array.from(h.rows.subarray(h.rowBase, h.rowBase + ROW_LENGTH));
const values = (n: number) => Array.from({ length: ROW_LENGTH }, (_, c) => n * 100 + c);

describe('row pages', () => {
  it('every holder keeps its numbers through any order of attach and release', () => {
    const ops = fc.array(fc.oneof(fc.constant('add' as const), fc.nat(1000)), { minLength: 1, maxLength: 600 });
    fc.assert(
      fc.property(ops, (list) => {
        const pages = new RowPages();
        const live: Array<{ h: RowHolder; n: number }> = [];
        const gone: Array<{ h: RowHolder; n: number }> = [];
        let next = 0;
        for (const op of list) {
          if (op === 'add' || live.length === 0) {
            const h = holder();
            pages.attach(h);
            expect(read(h).every((v) => Number.isNaN(v))).to.equal(true);
            const n = next++;
            h.rows.set(values(n), h.rowBase);
            live.push({ h, n });
          } else {
            const [out] = live.splice(op % live.length, 1);
            pages.release(out!.h);
            gone.push(out!);
          }
          for (const { h, n } of [...live, ...gone]) expect(read(h)).to.deep.equal(values(n));
          expect(pages.live).to.equal(live.length);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('gives pages back as the rows in use shrink, keeping one spare page', () => {
    const pages = new RowPages();
    const hs = Array.from({ length: 100_000 }, () => holder());
    for (const h of hs) pages.attach(h);
    const full = pages.pageCount;
    // Release all but 1,000, in an order unrelated to where their rows are.
    for (let i = 0; i < hs.length; i++) if (i % 100 !== 7) pages.release(hs[i]!);
    expect(pages.live).to.equal(1000);
    // 1,000 rows fit in the first pages (64 + 128 + 256 + 512 + 1024); one empty page may follow.
    expect(pages.pageCount).to.be.at.most(6);
    expect(full).to.be.above(15);
    for (let i = 7; i < hs.length; i += 100) pages.release(hs[i]!);
    expect(pages.pageCount).to.equal(0);
  });
});

describe('row memory of a shrinking registry', () => {
  /** A full collection: the row pages are ArrayBuffers, freed (and counted out of arrayBuffers) only then. */
  async function collect(): Promise<void> {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // Backing stores are freed after the collection proper: give the sweeper turns to finish.
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * The row pages a registry's workers use now, followed weakly. Only these count: the process' own
   * arrayBuffers figure also moved with other tests' buffers being freed meanwhile, which made this test fail.
   */
  function pagesOf(r: WorkerRegistry, ids: string[]): Array<WeakRef<Float64Array>> {
    const pages = new Set<Float64Array>();
    for (const id of ids) pages.add((r.getWorker(id) as unknown as RowHolder).rows);
    return [...pages].map((p) => new WeakRef(p));
  }
  const bytesHeld = (pages: Array<WeakRef<Float64Array>>) => pages.reduce((n, p) => n + (p.deref()?.byteLength ?? 0), 0);

  it('a fleet going from 30,000 workers to 300 without emptying gives back its rows', async function () {
    this.timeout(60_000);
    const r = new WorkerRegistry({ clock: new ManualClock() });
    const ids = Array.from({ length: 30_000 }, (_, i) => `w${i}`);
    ids.forEach((id, i) => r.heartbeat(id, `h${i % 100}`, { modelId: 'm', gpuPercent: i % 100, vramBytes: 1e9 }));
    const pages = pagesOf(r, ids);
    const grown = bytesHeld(pages);
    // 30,000 rows of 11 doubles: about 2.6 MB.
    expect(grown).to.be.above(2_000_000);
    ids.forEach((id, i) => i % 100 !== 0 && r.removeWorker(id));
    expect(r.workerCount()).to.equal(300);
    await collect();
    // Pages still reachable from anywhere (the registry, a removed record, a cache) are still alive here.
    const kept = bytesHeld(pages);
    // The rows of 300 workers and a spare page: well under a tenth of the peak.
    expect(kept, `kept ${kept} bytes of ${grown}`).to.be.below(grown / 10);
  });
});
