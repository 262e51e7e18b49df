// WORKER.BEST and WORKER.CLAIM against a naive reference over the same fleet: after any history of heartbeats
// (model, health, GPU load, URL, backend, DEVICE, VRAM, VRAM_TOTAL, state, moves between hives), removals, claims,
// releases and time passing, the pick with or without MINFREE, BACKEND and STRICT is the one a plain scan of
// every worker finds, counting each GPU's free VRAM as HIVE.RES does.

import { expect } from 'chai';
import fc from 'fast-check';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { MAX_PENDING, backendQueryVisits, settlePaths } from '../../src/registry/best-index.js';
import type { BestWorkerQuery, WorkerView } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';

const GB = 1e9;
const MODELS = ['m0', 'm1', 'm2'];

/** Free VRAM of w's GPU by the definition: the largest total of its GPU's workers minus all their use, at least 0. */
function referenceFree(w: WorkerView, all: readonly WorkerView[]): number | null {
  const mates = w.deviceId === null ? [w] : all.filter((o) => o.hiveId === w.hiveId && o.deviceId === w.deviceId);
  let total: number | null = null;
  let used = 0;
  for (const o of mates) {
    used += o.vramBytes ?? 0;
    if (o.vramTotalBytes !== null && (total === null || o.vramTotalBytes > total)) total = o.vramTotalBytes;
  }
  return total === null ? null : Math.max(0, total - used);
}

function order(a: WorkerView, b: WorkerView): number {
  const ha = a.effectiveHealth === 'healthy' ? 0 : 1;
  const hb = b.effectiveHealth === 'healthy' ? 0 : 1;
  if (ha !== hb) return ha - hb;
  const ga = a.gpuPercent ?? 100;
  const gb = b.gpuPercent ?? 100;
  if (ga !== gb) return ga - gb;
  return a.workerId < b.workerId ? -1 : a.workerId > b.workerId ? 1 : 0;
}

/** The reference pick: a scan of every worker. */
function referenceBest(r: WorkerRegistry, model: string, q: BestWorkerQuery): { id: string; match: string } | undefined {
  const all = r.listWorkers();
  const candidates = all.filter(
    (w) =>
      w.online &&
      w.effectiveState === 'Idle' &&
      r.scheduling.claimOf(w) === undefined &&
      (q.backend === undefined || w.backend === q.backend) &&
      (q.minFreeVramBytes === undefined || (referenceFree(w, all) ?? -1) >= q.minFreeVramBytes),
  );
  const own = candidates.filter((w) => w.modelId === model).sort(order)[0];
  if (own !== undefined) return { id: own.workerId, match: 'model' };
  if (q.strict) return undefined;
  const fallback = candidates.filter((w) => w.url !== null).sort(order)[0];
  return fallback === undefined ? undefined : { id: fallback.workerId, match: 'fallback' };
}

const FIELDS = {
  modelId: fc.option(fc.constantFrom(...MODELS), { freq: 8 }),
  state: fc.constantFrom('Idle' as const, 'Idle' as const, 'Idle' as const, 'Busy' as const),
  health: fc.constantFrom('healthy' as const, 'healthy' as const, 'degraded' as const),
  gpuPercent: fc.option(fc.constantFrom(0, 0, 0, 0.5, 10, 99.9), { freq: 8 }),
  url: fc.constantFrom(null, null, 'http://a', 'http://b'),
  backend: fc.option(fc.constantFrom('cuda', 'rocm'), { freq: 8 }),
  deviceId: fc.option(fc.integer({ min: 0, max: 2 }), { freq: 4 }),
  vramBytes: fc.option(
    fc.integer({ min: 0, max: 30 }).map((n) => n * GB),
    { freq: 8 },
  ),
  vramTotalBytes: fc.option(
    fc.constantFrom(16, 24, 48, 80).map((n) => n * GB),
    { freq: 6 },
  ),
};

/** Every worker's first heartbeat, with every field. */
const firstBeats = fc.array(fc.record({ hive: fc.integer({ min: 0, max: 2 }), fields: fc.record(FIELDS) }), {
  minLength: 10,
  maxLength: 10,
});

const beat = fc.record({
  kind: fc.constant('beat' as const),
  id: fc.integer({ min: 0, max: 9 }),
  hive: fc.integer({ min: 0, max: 2 }),
  fields: fc.record(FIELDS, { requiredKeys: [] }),
});

const query = fc.record(
  {
    backend: fc.constantFrom('cuda', 'rocm'),
    minFreeVramBytes: fc.integer({ min: 0, max: 40 }).map((n) => n * GB),
    strict: fc.boolean(),
  },
  { requiredKeys: [] },
);

const op = fc.oneof(
  { weight: 10, arbitrary: beat },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('del' as const), id: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(1000, 20_000) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('best' as const), model: fc.constantFrom(...MODELS), q: query }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('claim' as const), model: fc.constantFrom(...MODELS), q: query }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), id: fc.integer({ min: 0, max: 9 }) }) },
);

/** Runs `ops` on `r`, checking every pick against the reference. */
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
/** An op, with any heartbeat fields (the op arbitraries differ in the values they draw). */
type AnyOp = Exclude<Op, { kind: 'beat' }> | { kind: 'beat'; id: number; hive: number; fields: Parameters<WorkerRegistry['heartbeat']>[2] };

function replay(r: WorkerRegistry, clock: ManualClock, ops: AnyOp[]): void {
  const tokens = new Map<string, string>();
  for (const o of ops) {
    if (o.kind === 'beat') r.heartbeat(`w${o.id}`, `h${o.hive}`, o.fields);
    else if (o.kind === 'del') r.removeWorker(`w${o.id}`);
    else if (o.kind === 'tick') clock.advance(o.ms);
    else if (o.kind === 'release') {
      const token = tokens.get(`w${o.id}`);
      if (token !== undefined) r.scheduling.release(`w${o.id}`, token);
    } else {
      r.sync();
      const expected = referenceBest(r, o.model, o.q);
      const label = JSON.stringify(o);
      if (o.kind === 'best') {
        const got = r.scheduling.best(o.model, o.q);
        expect(got === undefined ? undefined : { id: got.worker.workerId, match: got.match }, label).to.deep.equal(expected);
      } else {
        const got = r.scheduling.claim(o.model, { ...o.q, leaseMs: 10_000 });
        expect(got === undefined ? undefined : { id: got.worker.workerId, match: got.match }, label).to.deep.equal(expected);
        if (got !== undefined) tokens.set(got.worker.workerId, got.claim.token);
      }
    }
  }
}

describe('best-worker index against a plain scan', () => {
  it('picks what a scan of every worker picks, after any history', () => {
    fc.assert(
      fc.property(firstBeats, fc.array(op, { minLength: 20, maxLength: 120 }), (first, ops) => {
        const clock = new ManualClock();
        const r = new WorkerRegistry({ clock, offlineAfterMs: 30_000, evictAfterMs: 60_000 });
        first.forEach((b, i) => r.heartbeat(`w${i}`, `h${b.hive}`, b.fields));
        replay(r, clock, ops);
      }),
      { numRuns: 400 },
    );
  });

  it('picks what a scan picks after a restore, which builds the index in bulk, and after any history that follows', () => {
    const manyBeats = fc.array(fc.record({ hive: fc.integer({ min: 0, max: 2 }), fields: fc.record(FIELDS) }), {
      minLength: 10,
      maxLength: 60,
    });
    fc.assert(
      fc.property(manyBeats, fc.array(op, { minLength: 0, maxLength: 60 }), (first, ops) => {
        const clock = new ManualClock();
        const saved = new WorkerRegistry({ clock, offlineAfterMs: 30_000, evictAfterMs: 60_000 });
        first.forEach((b, i) => saved.heartbeat(`w${i}`, `h${b.hive}`, b.fields));
        const reader = saved.openSnapshot();
        const r = new WorkerRegistry({ clock, offlineAfterMs: 30_000, evictAfterMs: 60_000 });
        const restorer = r.beginRestore(reader.header);
        for (let part = reader.read(7); part.length > 0; part = reader.read(7)) for (const w of part) restorer.add(w);
        restorer.finish();
        // Ids w10 and up are beyond the ops' reach: they stay as restored, and picks among them test the built trees.
        replay(r, clock, ops);
        r.sync();
        for (const model of MODELS)
          for (const q of [{}, { minFreeVramBytes: 10 * GB }, { backend: 'cuda' }, { strict: true, minFreeVramBytes: 1 }]) {
            const got = r.scheduling.best(model, q);
            expect(got === undefined ? undefined : { id: got.worker.workerId, match: got.match }).to.deep.equal(referenceBest(r, model, q));
          }
      }),
      { numRuns: 300 },
    );
  });

  it('finds the one worker with enough free VRAM among thousands that share GPUs and fall short', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    // 4,000 workers on 400 hosts, 10 a GPU: every GPU is full, though each worker alone uses a quarter of it.
    for (let i = 0; i < 4000; i++)
      r.heartbeat(`w${i}`, `h${i % 400}`, { modelId: 'm', deviceId: 0, gpuPercent: i % 100, vramBytes: 6 * GB, vramTotalBytes: 24 * GB });
    expect(r.scheduling.best('m', { minFreeVramBytes: 19 * GB })).to.equal(undefined);
    // One host's workers but one leave: its GPU has 24 - 6 = 18 GB free.
    for (let i = 7; i < 4000; i += 400) if (i !== 7) r.removeWorker(`w${i}`);
    expect(r.scheduling.best('m', { minFreeVramBytes: 18 * GB })?.worker.workerId).to.equal('w7');
    expect(r.scheduling.best('m', { minFreeVramBytes: 19 * GB })).to.equal(undefined);
    // Its VRAM use drops: more free, still the only one.
    r.heartbeat('w7', 'h7', { vramBytes: 1 * GB });
    expect(r.scheduling.best('m', { minFreeVramBytes: 23 * GB })?.worker.workerId).to.equal('w7');
    // It moves to a full host: none again.
    r.heartbeat('w7', 'h8', {});
    expect(r.scheduling.best('m', { minFreeVramBytes: 18 * GB })).to.equal(undefined);
  });
});

describe('best-worker index: filing deferred to the next query', () => {
  // Registrations, removals and re-files only queue a worker on its bucket's pending list; the next query of the
  // bucket files the list, in bulk (a rebuild) when it is long against the tree, else one by one. Long runs of
  // changes between queries over a fleet of up to 150 workers, mostly in one bucket, take both ways.
  it('picks what a scan picks after long runs of registrations, removals and re-files between queries', () => {
    const fields = fc.record(
      {
        ...FIELDS,
        modelId: fc.constantFrom('m0', 'm0', 'm0', 'm1'),
        gpuPercent: fc.constantFrom(5, 5, 5, 5, 5.5, 60),
        state: fc.constantFrom('Idle' as const, 'Idle' as const, 'Idle' as const, 'Idle' as const, 'Busy' as const),
      },
      { requiredKeys: [] },
    );
    const change = fc.oneof(
      {
        weight: 12,
        arbitrary: fc.record({
          kind: fc.constant('beat' as const),
          id: fc.integer({ min: 0, max: 149 }),
          hive: fc.integer({ min: 0, max: 2 }),
          fields,
        }),
      },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('del' as const), id: fc.integer({ min: 0, max: 149 }) }) },
    );
    const ask = fc.oneof(
      fc.record({ kind: fc.constant('best' as const), model: fc.constantFrom('m0', 'm1', 'm2'), q: query }),
      fc.record({ kind: fc.constant('claim' as const), model: fc.constantFrom('m0', 'm1'), q: query }),
    );
    // Runs of 0 to 90 changes, each followed by a query.
    const rounds = fc.array(fc.tuple(fc.array(change, { maxLength: 90 }), ask), { minLength: 3, maxLength: 10 });
    const before = settlePaths();
    fc.assert(
      fc.property(fc.integer({ min: 20, max: 150 }), rounds, (fleet, history) => {
        const clock = new ManualClock();
        const r = new WorkerRegistry({ clock, offlineAfterMs: 30_000, evictAfterMs: 60_000 });
        for (let i = 0; i < fleet; i++)
          r.heartbeat(`w${i}`, `h${i % 3}`, { modelId: 'm0', gpuPercent: 5, url: i % 7 === 0 ? null : 'http://a' });
        replay(
          r,
          clock,
          history.flatMap(([changes, q]) => [...changes, q]),
        );
      }),
      { numRuns: 60 },
    );
    const after = settlePaths();
    expect(after.rebuilt - before.rebuilt, 'settles that rebuilt a tree').to.be.above(50);
    expect(after.inserted - before.inserted, 'settles that inserted one by one').to.be.above(50);
  });

  it('files waiting workers once MAX_PENDING wait, and a restore at its end only', () => {
    const clock = new ManualClock();
    const r = new WorkerRegistry({ clock });
    const n = MAX_PENDING * 4 + 10;
    const before = settlePaths();
    for (let i = 0; i < n; i++) r.heartbeat(`w${i}`, `h${i % 7}`, { modelId: 'm', gpuPercent: 0, url: 'http://x' });
    const after = settlePaths();
    // No query ran: only full lists were filed, one per MAX_PENDING registrations.
    expect(after.rebuilt + after.inserted - before.rebuilt - before.inserted).to.equal(Math.floor(n / MAX_PENDING));
    expect(r.scheduling.best('m', {})?.worker.workerId).to.equal(referenceBest(r, 'm', {})?.id);

    // A restore still gathers every worker and builds the tree once at its end.
    const reader = r.openSnapshot();
    const records = [];
    for (let part = reader.read(500); part.length > 0; part = reader.read(500)) records.push(...part);
    r.stop();
    const next = new WorkerRegistry({ clock });
    const restorer = next.beginRestore(reader.header);
    const beforeRestore = settlePaths();
    for (const w of records) restorer.add(w);
    expect(settlePaths()).to.deep.equal(beforeRestore);
    restorer.finish();
    expect(settlePaths().rebuilt).to.equal(beforeRestore.rebuilt + 1);
    expect(next.scheduling.best('m', {})?.worker.workerId).to.equal(referenceBest(next, 'm', {})?.id);
    next.stop();
  });

  it('files at most MAX_PENDING workers at the first query after registrations spread over many buckets', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    const n = MAX_PENDING * 20 + 7;
    // 5 models by 100 GPU loads by 2 health values: 1000 buckets, about 20 registrations each.
    for (let i = 0; i < n; i++)
      r.heartbeat(`w${i}`, `h${i % 9}`, {
        modelId: `m${i % 5}`,
        gpuPercent: (i >> 3) % 100,
        health: i % 7 === 0 ? 'degraded' : 'healthy',
        url: 'http://x',
      });
    const before = settlePaths().filed;
    // Nothing any model has: every bucket of every model is read (the fallback too).
    expect(r.scheduling.best('m0', { minFreeVramBytes: 1e18 })).to.equal(undefined);
    expect(settlePaths().filed - before).to.be.at.most(MAX_PENDING);
    for (const m of ['m0', 'm3']) expect(r.scheduling.best(m, {})?.worker.workerId).to.equal(referenceBest(r, m, {})?.id);
    r.stop();
  });
});

describe('best-worker index: BACKEND', () => {
  it('finds the few workers of a backend among many of the same model without walking the others', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    // 20,000 workers of one model in one bucket (same health and GPU load), 3 of them on backend rocm, last in order.
    for (let i = 0; i < 20_000; i++) {
      const id = `w${String(i).padStart(5, '0')}`;
      r.heartbeat(id, `h${i % 50}`, { modelId: 'm', gpuPercent: 5, backend: i >= 19_997 ? 'rocm' : 'cuda', url: 'http://x' });
    }
    const before = backendQueryVisits();
    expect(r.scheduling.best('m', { backend: 'rocm' })?.worker.workerId).to.equal('w19997');
    expect(r.scheduling.best('m', { backend: 'rocm', strict: true })?.worker.workerId).to.equal('w19997');
    expect(r.scheduling.best('m', { backend: 'metal' })).to.equal(undefined);
    // A search tree of 20,000 is about 2 x log2(20,000) = 29 deep: a few descents, not a walk of 20,000.
    expect(backendQueryVisits() - before).to.be.below(400);
  });

  it('finds a backend on the shared bit after a bit of its own frees up', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    const beat = (id: string, model: string, backend: string) =>
      r.heartbeat(id, 'h', { modelId: model, backend, gpuPercent: 0, url: 'http://x' });
    // Every bit of its own taken, so backend z shares the last one.
    for (let i = 0; i < 23; i++) beat(`own-${i}`, 'm0', `b${i}`);
    beat('z-shared', 'm1', 'z');
    // A bit frees up; a later z worker must not take it while the first z worker still sits on the shared bit.
    r.removeWorker('own-0');
    beat('z-later', 'm0', 'z');
    expect(r.scheduling.best('m1', { backend: 'z', strict: true })?.worker.workerId).to.equal('z-shared');
    expect(r.scheduling.best('m0', { backend: 'z', strict: true })?.worker.workerId).to.equal('z-later');
  });

  it('picks what a scan picks with more backends in use than have bits of their own, as they come and go', () => {
    const backends = Array.from({ length: 40 }, (_, i) => `b${i}`);
    const beats = fc.array(
      fc.record({
        id: fc.integer({ min: 0, max: 59 }),
        backend: fc.option(fc.constantFrom(...backends), { freq: 10 }),
        gpuPercent: fc.constantFrom(0, 1, 2),
        del: fc.boolean(),
      }),
      { minLength: 30, maxLength: 200 },
    );
    const queries = fc.array(
      fc.record({ model: fc.constantFrom('m0', 'm1'), backend: fc.constantFrom(...backends), strict: fc.boolean() }),
      { minLength: 5, maxLength: 20 },
    );
    fc.assert(
      fc.property(beats, queries, (history, asks) => {
        const r = new WorkerRegistry({ clock: new ManualClock() });
        for (const b of history) {
          if (b.del && b.id % 3 === 0) r.removeWorker(`w${b.id}`);
          else
            r.heartbeat(`w${b.id}`, `h${b.id % 4}`, {
              modelId: `m${b.id % 2}`,
              backend: b.backend,
              gpuPercent: b.gpuPercent,
              url: 'http://x',
            });
        }
        for (const q of asks) {
          const got = r.scheduling.best(q.model, { backend: q.backend, strict: q.strict });
          const expected = referenceBest(r, q.model, { backend: q.backend, strict: q.strict });
          expect(got === undefined ? undefined : { id: got.worker.workerId, match: got.match }, JSON.stringify(q)).to.deep.equal(expected);
        }
      }),
      { numRuns: 200 },
    );
  });
});
