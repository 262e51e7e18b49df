// WORKER.BEST MINFREE skips buckets through a bound on their free VRAM: the bound must never hide a worker
// that qualifies, whatever order VRAM changes, departures and queries come in.

import { expect } from 'chai';
import fc from 'fast-check';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { GPU_SETTLE_WORK } from '../../src/registry/workers.js';
import { ManualClock } from '../helpers/clock.js';

const GB = 1e9;

describe('WORKER.BEST MINFREE bound', () => {
  it('finds a worker whose free VRAM grew after a query found none', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    r.heartbeat('a', 'h', { modelId: 'm', gpuPercent: 10, vramTotalBytes: 24 * GB, vramBytes: 20 * GB });
    r.heartbeat('b', 'h', { modelId: 'm', gpuPercent: 10, vramTotalBytes: 24 * GB, vramBytes: 22 * GB });
    expect(r.bestWorker('m', { minFreeVramBytes: 8 * GB })).to.equal(undefined);
    // Same bucket (same health and GPU load), more free VRAM: no re-filing, only the VRAM numbers change.
    r.heartbeat('b', 'h', { vramBytes: 10 * GB });
    expect(r.bestWorker('m', { minFreeVramBytes: 8 * GB })?.workerId).to.equal('b');
    r.heartbeat('a', 'h', { vramTotalBytes: 80 * GB });
    expect(r.bestWorker('m', { minFreeVramBytes: 50 * GB })?.workerId).to.equal('a');
  });

  it('counts a shared GPU: a worker without VRAM_TOTAL qualifies through its GPU-mate reporting one', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    r.heartbeat('b', 'h', { modelId: 'm', deviceId: 0, vramBytes: 10 * GB, gpuPercent: 5 });
    expect(r.bestWorker('m', { minFreeVramBytes: 50 * GB })).to.equal(undefined);
    // Its GPU-mate (same hive, same DEVICE) is busy but reports the GPU's total: 80 - 10 - 10 = 60 GB free.
    r.heartbeat('a', 'h', { modelId: 'm', deviceId: 0, state: 'Busy', vramBytes: 10 * GB, vramTotalBytes: 80 * GB });
    expect(r.bestWorker('m', { minFreeVramBytes: 50 * GB })?.workerId).to.equal('b');
    expect(r.bestWorker('m', { minFreeVramBytes: 61 * GB })).to.equal(undefined);
  });

  it('agrees with a plain scan after any history', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('beat' as const),
        id: fc.integer({ min: 0, max: 5 }),
        vram: fc.integer({ min: 0, max: 24 }),
        total: fc.option(fc.integer({ min: 0, max: 48 })),
        gpu: fc.integer({ min: 0, max: 2 }),
        busy: fc.boolean(),
      }),
      fc.record({ kind: fc.constant('del' as const), id: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('best' as const), minFree: fc.integer({ min: 0, max: 48 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const r = new WorkerRegistry({ clock: new ManualClock() });
        for (const o of ops) {
          if (o.kind === 'beat') {
            r.heartbeat(`w${o.id}`, 'h', {
              modelId: 'm',
              state: o.busy ? 'Busy' : 'Idle',
              gpuPercent: o.gpu,
              vramBytes: o.vram * GB,
              ...(o.total === null ? {} : { vramTotalBytes: o.total * GB }),
            });
          } else if (o.kind === 'del') r.removeWorker(`w${o.id}`);
          else {
            const expected = r
              .listWorkers({ modelId: 'm', state: 'Idle' })
              // A GPU's free VRAM is never below 0 (capacity.ts).
              .filter((w) => w.vramTotalBytes !== null && Math.max(0, w.vramTotalBytes - (w.vramBytes ?? 0)) >= o.minFree * GB)
              .sort((a, b) => (a.gpuPercent ?? 100) - (b.gpuPercent ?? 100) || (a.workerId < b.workerId ? -1 : 1))[0];
            expect(r.bestWorker('m', { minFreeVramBytes: o.minFree * GB })?.workerId).to.equal(expected?.workerId);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('GPU free VRAM upkeep', () => {
  it('walks a hive once per best-worker query, not once per heartbeat that changes a GPU', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    r.heartbeat('w0', 'h', { modelId: 'm', deviceId: 0, vramBytes: GB, vramTotalBytes: 80 * GB });
    // Count walks over the hive's workers: the old upkeep walked them at every heartbeat on the GPU, so 1,000
    // registrations on one GPU of a growing hive cost 1,000 walks (quadratic in the hive's size).
    const members = (r.getHive('h') as unknown as { workers: Set<unknown> }).workers;
    const iterate = members[Symbol.iterator].bind(members);
    let walks = 0;
    members[Symbol.iterator] = () => {
      walks++;
      return iterate();
    };
    for (let i = 1; i <= 1000; i++) r.heartbeat(`w${i}`, 'h', { modelId: 'm', deviceId: 0, vramBytes: 0.01 * GB });
    expect(walks).to.be.below(10);
    // The query still sees every registration: 80 - 1 - 1000 x 0.01 = 69 GB free on the one GPU.
    expect(r.bestWorker('m', { minFreeVramBytes: 68.9 * GB })).to.not.equal(undefined);
    expect(r.bestWorker('m', { minFreeVramBytes: 69.1 * GB })).to.equal(undefined);
  });
});

describe('GPU free VRAM upkeep, hives where no worker reports VRAM_TOTAL', () => {
  /** Counts walks over the hive's workers (each settle of one of its GPUs is one). */
  function countWalks(r: WorkerRegistry, hiveId: string): () => number {
    const members = (r.getHive(hiveId) as unknown as { workers: Set<unknown> }).workers;
    const iterate = members[Symbol.iterator].bind(members);
    let walks = 0;
    members[Symbol.iterator] = () => {
      walks++;
      return iterate();
    };
    return () => walks;
  }

  it('never walks such a hive, however large it grows, once its last total is gone', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    r.heartbeat('t', 'h', { modelId: 'm', deviceId: 0, vramBytes: GB, vramTotalBytes: 80 * GB });
    const walks = countWalks(r, 'h');
    // Free VRAM there is unknown once the worker that reported a total leaves: one settle says so to the rest.
    r.heartbeat('w0', 'h', { modelId: 'm', deviceId: 0, vramBytes: GB });
    expect(r.bestWorker('m', { minFreeVramBytes: 70 * GB })?.workerId).to.equal('t');
    r.removeWorker('t');
    expect(r.bestWorker('m', { minFreeVramBytes: 0 })).to.equal(undefined);
    const before = walks();
    for (let i = 1; i <= GPU_SETTLE_WORK * 2; i++) r.heartbeat(`w${i}`, 'h', { modelId: 'm', deviceId: 0, vramBytes: GB });
    expect(r.bestWorker('m', { minFreeVramBytes: 0 })).to.equal(undefined);
    expect(walks() - before).to.equal(0);
    expect(r.bestWorker('m')?.workerId).to.equal('w0');
  });

  it('drops the free VRAM a worker had in its last hive when it moves into one', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    r.heartbeat('a', 'h1', { modelId: 'm', deviceId: 0, gpuPercent: 50, vramBytes: GB, vramTotalBytes: 80 * GB });
    r.heartbeat('b', 'h1', { modelId: 'm', deviceId: 0, gpuPercent: 10, vramBytes: GB });
    r.heartbeat('c', 'h2', { modelId: 'm', deviceId: 0, gpuPercent: 10, vramBytes: GB });
    expect(r.bestWorker('m', { minFreeVramBytes: 70 * GB })?.workerId).to.equal('b');
    // b now shares a GPU with c, where nobody knows the total: only a qualifies.
    r.heartbeat('b', 'h2', {});
    expect(r.bestWorker('m', { minFreeVramBytes: 70 * GB })?.workerId).to.equal('a');
    r.heartbeat('a', 'h1', { vramTotalBytes: null });
    expect(r.bestWorker('m', { minFreeVramBytes: 0 })).to.equal(undefined);
  });
});

describe('GPU free VRAM upkeep, hives that come and go', () => {
  it('keeps no GPU to settle for a hive that emptied, however many pass between queries', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    // No best-worker query runs here, so nothing settles: only forgetting emptied hives bounds the marks.
    for (let i = 0; i < 1000; i++) {
      r.heartbeat(`w${i}`, `hive-${i}`, { modelId: 'm', deviceId: 0, vramBytes: GB, vramTotalBytes: 80 * GB });
      r.removeWorker(`w${i}`);
    }
    const marks = (r as unknown as { workers: { changedGpus: Map<unknown, unknown> } }).workers.changedGpus;
    expect(marks.size).to.equal(0);
  });

  it('leaves the first query a bounded walk (a few GPU_SETTLE_WORK), however many registered before it', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    // A fleet of 10-worker hives sharing one GPU each, registering with no query (as a fleet loads): every hive
    // is marked. Left to the first query, it walked them all (3.7 s at a million workers).
    const n = GPU_SETTLE_WORK * 4;
    const hives = Math.floor(n / 10);
    // Hives filled one worker at a time across all of them (each re-marked at its full size after a settle).
    for (let i = 0; i < n; i++)
      r.heartbeat(`w${i}`, `hive-${i % hives}`, { modelId: 'm', deviceId: 0, vramBytes: GB, vramTotalBytes: 80 * GB });
    const marks = (r as unknown as { workers: { changedGpus: Map<{ workers: Set<unknown> }, unknown> } }).workers.changedGpus;
    let toWalk = 0;
    for (const hive of marks.keys()) toWalk += hive.workers.size;
    expect(toWalk).to.be.at.most(GPU_SETTLE_WORK * 3);
    // What was settled early and what is left both count: 80 - 10 x 1 = 70 GB free on each GPU.
    expect(r.bestWorker('m', { minFreeVramBytes: 69.9 * GB })).to.not.equal(undefined);
    expect(r.bestWorker('m', { minFreeVramBytes: 70.1 * GB })).to.equal(undefined);
    r.stop();
  });
});
