// The counts the registry keeps for /metrics and the dashboard (workers by state, health and liveness; workers
// per model, online or not; hives online) against a plain scan of every worker: after any history of heartbeats
// (state, health and model changes, UNSET, moves between hives), time passing the offline and eviction windows
// (with the expiry guard tripping and holding), removals of workers and hives, FLUSHALL, guard modes and a
// restore from a snapshot, the kept counts are what counting every worker finds. So are each hive's VRAM and RAM
// sums (all and online), its count of workers reporting VRAM_TOTAL, and each worker's free VRAM on its GPU (what
// MINFREE reads): heartbeats touch them only when a figure changed.

import { expect } from 'chai';
import fc from 'fast-check';
import { type GuardMode, WorkerRegistry } from '../../src/registry/registry.js';
import type { SnapshotHeader, WorkerSnapshot } from '../../src/registry/snapshot.js';
import { HEALTH_VALUES, type HiveRecord, type WorkerRecord, WORKER_STATES } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';

const OFFLINE = 10_000;
const EVICT = 30_000;
const MODELS = ['m0', 'm1', 'm2', 'm3'];

/** What the kept counts must say, found by looking at every worker. */
function scan(r: WorkerRegistry) {
  const workers = r.listWorkers();
  const tally: Record<string, number> = {};
  const models = new Map<string, { workers: number; online: number }>();
  const onlineHives = new Set<string>();
  for (const w of workers) {
    const key = `${w.effectiveState}/${w.effectiveHealth}/${w.online}`;
    tally[key] = (tally[key] ?? 0) + 1;
    if (w.online) onlineHives.add(w.hiveId);
    if (w.modelId === null) continue;
    const m = models.get(w.modelId) ?? { workers: 0, online: 0 };
    m.workers++;
    if (w.online) m.online++;
    models.set(w.modelId, m);
  }
  return { tally, models, onlineHives: onlineHives.size };
}

/** Each hive's sums and each worker's free VRAM, kept as the registry keeps them, against sums over its workers. */
function checkSums(r: WorkerRegistry, label: string): void {
  // A best-worker query settles the free VRAM of GPUs changed since the last one.
  r.bestWorker(MODELS[0]!, { minFreeVramBytes: 1 });
  const byHive = new Map<string, WorkerRecord[]>();
  // The views are the records: the free VRAM and the VRAM_TOTAL count are internal figures.
  for (const w of r.listWorkers() as WorkerRecord[]) byHive.set(w.hiveId, [...(byHive.get(w.hiveId) ?? []), w]);
  for (const [hiveId, workers] of byHive) {
    const hive = r.getHive(hiveId) as HiveRecord;
    const want = { vram: 0, ram: 0, onlineVram: 0, onlineRam: 0, vramTotalWorkers: 0 };
    for (const w of workers) {
      want.vram += w.vramBytes ?? 0;
      want.ram += w.ramBytes ?? 0;
      if (w.online) {
        want.onlineVram += w.vramBytes ?? 0;
        want.onlineRam += w.ramBytes ?? 0;
      }
      if (w.vramTotalBytes !== null) want.vramTotalWorkers++;
    }
    const kept = {
      vram: hive.vramUsedBytes,
      ram: hive.ramUsedBytes,
      onlineVram: hive.onlineVramUsedBytes,
      onlineRam: hive.onlineRamUsedBytes,
      vramTotalWorkers: hive.vramTotalWorkers,
    };
    expect(kept, `${label}: hive ${hiveId}`).to.deep.equal(want);
    for (const w of workers) {
      // A GPU is a hive's DEVICE; a worker without one is a GPU of its own. Unknown free VRAM (null) until one of
      // its workers reports VRAM_TOTAL; then the largest total less every worker's VRAM there.
      const gpu = w.deviceId === null ? [w] : workers.filter((o) => o.deviceId === w.deviceId);
      const totals = gpu.flatMap((o) => (o.vramTotalBytes === null ? [] : [o.vramTotalBytes]));
      const used = gpu.reduce((sum, o) => sum + (o.vramBytes ?? 0), 0);
      expect(w.gpuFreeBytes, `${label}: free VRAM of ${w.workerId}`).to.equal(
        totals.length === 0 ? null : Math.max(0, Math.max(...totals) - used),
      );
    }
  }
}

function check(r: WorkerRegistry, label: string): void {
  checkSums(r, label);
  const expected = scan(r);
  for (const state of WORKER_STATES) {
    for (const health of HEALTH_VALUES) {
      for (const online of [false, true]) {
        const key = `${state}/${health}/${online}`;
        expect(r.workerTally(state, health, online), `${label}: ${key}`).to.equal(expected.tally[key] ?? 0);
      }
    }
  }
  const kept = r.modelCounts(Infinity)!;
  expect(new Map(kept.map((m) => [m.modelId, { workers: m.workers, online: m.online }])), `${label}: models`).to.deep.equal(
    expected.models,
  );
  expect(kept.length, `${label}: one entry a model`).to.equal(expected.models.size);
  expect(r.modelCounts(expected.models.size), label).to.not.equal(null);
  if (expected.models.size > 0) expect(r.modelCounts(expected.models.size - 1), label).to.equal(null);
  expect(r.onlineHiveCount(), `${label}: hives online`).to.equal(expected.onlineHives);
  expect(r.activeHives().length, `${label}: HIVE.ACTIVE's count`).to.equal(expected.onlineHives);
}

const FIELDS = {
  state: fc.option(fc.constantFrom(...WORKER_STATES), { freq: 6 }),
  health: fc.option(fc.constantFrom(...HEALTH_VALUES), { freq: 6 }),
  modelId: fc.option(fc.constantFrom(...MODELS), { freq: 6 }),
  vramBytes: fc.option(fc.constantFrom(0, 3e9, 8e9), { freq: 4 }),
  ramBytes: fc.option(fc.constantFrom(0, 1e9), { freq: 4 }),
  vramTotalBytes: fc.option(fc.constantFrom(16e9, 24e9), { freq: 3 }),
  deviceId: fc.option(fc.constantFrom(0, 1), { freq: 3 }),
};

const op = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('beat' as const),
      id: fc.integer({ min: 0, max: 11 }),
      hive: fc.integer({ min: 0, max: 3 }),
      fields: fc.record(FIELDS, { requiredKeys: [] }),
    }),
  },
  // Up to past the offline and eviction windows, and steps that land exactly on a deadline.
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(1, 1000, 5000, OFFLINE, 20_000, EVICT, 60_000) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('del' as const), id: fc.integer({ min: 0, max: 11 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delHive' as const), hive: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('guard' as const), mode: fc.constantFrom<GuardMode>('on', 'off', 'auto') }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('restore' as const), afterMs: fc.constantFrom(0, 5000, OFFLINE, 25_000, 90_000) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'flush' as const }) },
);

function snapshotOf(r: WorkerRegistry): { header: SnapshotHeader; workers: WorkerSnapshot[] } {
  const reader = r.openSnapshot();
  const workers: WorkerSnapshot[] = [];
  for (let part = reader.read(5); part.length > 0; part = reader.read(5)) workers.push(...part);
  return JSON.parse(JSON.stringify({ header: reader.header, workers }));
}

describe('registry counts against a plain scan', () => {
  it('keeps workers by state, health and liveness, per model, and hives online as a scan counts them', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.array(op, { minLength: 20, maxLength: 150 }), (withTimers, ops) => {
        const clock = new ManualClock();
        const make = () => {
          const timers = withTimers ? new ManualTimers(clock) : undefined;
          // The guard trips when 3 of 4 or more go at once, so long silences see it hold evictions.
          const r = new WorkerRegistry({ clock, timers, offlineAfterMs: OFFLINE, evictAfterMs: EVICT, expiryGuardMinWorkers: 3 });
          return { r, timers };
        };
        let { r, timers } = make();
        for (const o of ops) {
          const label = JSON.stringify(o);
          if (o.kind === 'beat') r.heartbeat(`w${o.id}`, `h${o.hive}`, o.fields);
          else if (o.kind === 'tick') {
            if (timers !== undefined) timers.advance(o.ms);
            else clock.advance(o.ms);
          } else if (o.kind === 'del') r.removeWorker(`w${o.id}`);
          else if (o.kind === 'delHive') r.removeHive(`h${o.hive}`);
          else if (o.kind === 'guard') r.setGuardMode(o.mode);
          else if (o.kind === 'flush') r.flush();
          else {
            const snap = snapshotOf(r);
            r.stop();
            clock.advance(o.afterMs);
            ({ r, timers } = make());
            const restorer = r.beginRestore(snap.header);
            for (const w of snap.workers) restorer.add(w);
            restorer.finish();
          }
          check(r, label);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('counts a worker that never reported STATE or HEALTH as Idle and healthy, and UNSET as never reported', () => {
    const clock = new ManualClock();
    const r = new WorkerRegistry({ clock, offlineAfterMs: OFFLINE, evictAfterMs: EVICT });
    r.heartbeat('w1', 'h', {});
    r.heartbeat('w2', 'h', { state: 'Busy', health: 'degraded', modelId: 'm' });
    expect(r.workerTally('Idle', 'healthy', true)).to.equal(1);
    expect(r.workerTally('Busy', 'degraded', true)).to.equal(1);
    r.heartbeat('w2', 'h', { state: null, health: null, modelId: null });
    expect(r.workerTally('Idle', 'healthy', true)).to.equal(2);
    expect(r.workerTally('Busy', 'degraded', true)).to.equal(0);
    expect(r.modelCounts(10)).to.deep.equal([]);
    clock.advance(OFFLINE);
    expect(r.workerTally('Idle', 'healthy', false)).to.equal(2);
    expect(r.onlineHiveCount()).to.equal(0);
  });
});
