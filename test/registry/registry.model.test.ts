// WorkerRegistry against a naive reference: a plain Map of workers and full scans for every answer. Random
// sequences of heartbeats, removals and clock moves (forwards and backwards) must get the same answers from both.

import { expect } from 'chai';
import fc from 'fast-check';
import { type BestWorkerQuery, type RegistryOptions, type WorkerFilter, WorkerRegistry } from '../../src/registry/registry.js';
import { SKEW_WARN_MS } from '../../src/registry/workers.js';
import { HEALTH_VALUES, type HeartbeatFields, type WorkerView, WORKER_STATES, type WorkerState } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';
import { fastExpect } from '../helpers/fast-expect.js';

const OFFLINE_AFTER_MS = 30_000;
const WORKERS = ['w1', 'w2', 'w3', 'w4', 'w5', 'W6', 'w10'];
const HIVES = ['hive-a', 'hive-b', 'hive-c', 'Hive-d'];
const MODELS = ['llama', 'mistral', 'qwen'];
const BACKENDS = ['cpu', 'cuda', 'metal'];
const WINDOWS = [0, 1, 999, 1_000, 1_001, 5_000, 15_000, 29_999, 30_000, 30_001, 60_000, Number.MAX_SAFE_INTEGER];
const MIN_FREE = [0, 1, 8e9, 16e9];

/** The fields a worker record keeps, as the reference stores them (null: never reported). */
const RECORD_FIELDS = [
  'state',
  'health',
  'url',
  'modelId',
  'backend',
  'deviceId',
  'vramBytes',
  'vramTotalBytes',
  'ramBytes',
  'cpuPercent',
  'gpuPercent',
  'reportedAt',
] as const;
type RecordFields = { [K in (typeof RECORD_FIELDS)[number]]: NonNullable<HeartbeatFields[K]> | null };

interface RefWorker {
  hiveId: string;
  lastSeenMs: number;
  skewMs: number | null;
  fields: RecordFields;
}

interface RefHive {
  vram: number;
  ram: number;
  last: number;
  online: number;
  onlineVram: number;
  onlineRam: number;
  workers: string[];
}

/** The registry's contract, written the slow and obvious way: one Map and a full scan per answer. */
class ReferenceRegistry {
  readonly workers = new Map<string, RefWorker>();
  private latestMs = 0;

  constructor(
    private readonly clock: ManualClock,
    /** 0: never evict. */
    private readonly evictAfterMs: number,
  ) {
    this.now();
  }

  /** The latest clock reading seen; workers whose eviction is due are gone by then. */
  now(): number {
    this.latestMs = Math.max(this.latestMs, this.clock.now());
    if (this.evictAfterMs > 0) {
      for (const [id, w] of this.workers) if (this.latestMs - w.lastSeenMs >= this.evictAfterMs) this.workers.delete(id);
    }
    return this.latestMs;
  }

  heartbeat(workerId: string, hiveId: string, fields: HeartbeatFields): boolean {
    const now = this.now();
    const known = this.workers.get(workerId);
    const merged = { ...(known?.fields ?? Object.fromEntries(RECORD_FIELDS.map((k) => [k, null]))) } as RecordFields;
    for (const key of RECORD_FIELDS) if (fields[key] !== undefined) (merged as Record<string, unknown>)[key] = fields[key];
    let skewMs = known?.skewMs ?? null;
    if (fields.reportedAt !== undefined) skewMs = fields.reportedAtMs === undefined ? null : fields.reportedAtMs - now;
    this.workers.set(workerId, { hiveId, lastSeenMs: now, skewMs, fields: merged });
    return known === undefined;
  }

  removeWorker(workerId: string): boolean {
    this.now();
    return this.workers.delete(workerId);
  }

  removeHive(hiveId: string): boolean {
    this.now();
    const ids = [...this.workers].filter(([, w]) => w.hiveId === hiveId).map(([id]) => id);
    for (const id of ids) this.workers.delete(id);
    return ids.length > 0;
  }

  online(w: RefWorker, maxAgeMs = OFFLINE_AFTER_MS): boolean {
    return this.now() - w.lastSeenMs < maxAgeMs;
  }

  hives(): Map<string, RefHive> {
    const out = new Map<string, RefHive>();
    for (const [id, w] of this.workers) {
      const h = out.get(w.hiveId) ?? { vram: 0, ram: 0, last: -Infinity, online: 0, onlineVram: 0, onlineRam: 0, workers: [] };
      h.vram += w.fields.vramBytes ?? 0;
      h.ram += w.fields.ramBytes ?? 0;
      h.last = Math.max(h.last, w.lastSeenMs);
      if (this.online(w)) {
        h.online++;
        h.onlineVram += w.fields.vramBytes ?? 0;
        h.onlineRam += w.fields.ramBytes ?? 0;
      }
      h.workers.push(id);
      out.set(w.hiveId, h);
    }
    for (const h of out.values()) h.workers.sort();
    return out;
  }

  listHives(): string[] {
    return [...this.hives().keys()].sort();
  }

  activeHives(maxAgeMs: number): string[] {
    return [...this.hives()]
      .filter(([, h]) => this.now() - h.last < maxAgeMs)
      .map(([id]) => id)
      .sort();
  }

  listWorkers(filter: WorkerFilter): string[] {
    return [...this.workers]
      .filter(
        ([, w]) =>
          (filter.hiveId === undefined || w.hiveId === filter.hiveId) &&
          (filter.state === undefined || (w.fields.state ?? 'Idle') === filter.state) &&
          (filter.modelId === undefined || w.fields.modelId === filter.modelId) &&
          (filter.backend === undefined || w.fields.backend === filter.backend) &&
          (filter.maxAgeMs === undefined || this.online(w, filter.maxAgeMs)),
      )
      .map(([id]) => id)
      .sort();
  }

  skewedWorkerCount(): number {
    return [...this.workers.values()].filter((w) => w.skewMs !== null && Math.abs(w.skewMs) > SKEW_WARN_MS).length;
  }

  /** Free VRAM of w's GPU (its hive and device; no device: its own): the largest total reported on it minus all their VRAM. */
  gpuFree(w: RefWorker): number | null {
    const same =
      w.fields.deviceId === null
        ? [w]
        : [...this.workers.values()].filter((o) => o.hiveId === w.hiveId && o.fields.deviceId === w.fields.deviceId);
    const totals = same.map((o) => o.fields.vramTotalBytes).filter((t): t is number => t !== null);
    if (totals.length === 0) return null;
    return Math.max(0, Math.max(...totals) - same.reduce((sum, o) => sum + (o.fields.vramBytes ?? 0), 0));
  }

  bestWorker(modelId: string, query: BestWorkerQuery): string | undefined {
    const candidates = [...this.workers].filter(
      ([, w]) =>
        this.online(w) &&
        (w.fields.state ?? 'Idle') === 'Idle' &&
        (query.backend === undefined || w.fields.backend === query.backend) &&
        (query.minFreeVramBytes === undefined || (this.gpuFree(w) ?? -1) >= query.minFreeVramBytes),
    );
    const withModel = candidates.filter(([, w]) => w.fields.modelId === modelId);
    // A fallback must be reachable: only workers with a URL.
    const pool = withModel.length > 0 ? withModel : candidates.filter(([, w]) => w.fields.url !== null);
    const rank = ([id, w]: [string, RefWorker]) =>
      [(w.fields.health ?? 'healthy') === 'healthy' ? 0 : 1, w.fields.gpuPercent ?? 100, id] as const;
    pool.sort((a, b) => {
      const [ra, rb] = [rank(a), rank(b)];
      return ra[0] - rb[0] || ra[1] - rb[1] || (ra[2] < rb[2] ? -1 : ra[2] > rb[2] ? 1 : 0);
    });
    return pool[0]?.[0];
  }
}

type Op =
  | { kind: 'beat'; workerId: string; hiveId: string; fields: HeartbeatFields }
  | { kind: 'removeWorker'; workerId: string }
  | { kind: 'removeHive'; hiveId: string }
  | { kind: 'advance'; ms: number };

const T0 = new ManualClock().now();

const fieldsArb: fc.Arbitrary<HeartbeatFields> = fc
  .record(
    {
      state: fc.constantFrom<WorkerState>(...WORKER_STATES),
      health: fc.constantFrom(...HEALTH_VALUES),
      url: fc.constantFrom('http://10.0.0.5:8081', 'http://10.0.0.6:8081'),
      modelId: fc.constantFrom(...MODELS),
      backend: fc.constantFrom(...BACKENDS),
      deviceId: fc.option(fc.nat({ max: 3 }), { freq: 6 }),
      vramBytes: fc.oneof(fc.constantFrom(0, 4e9, 8e9, 24e9), fc.nat({ max: 2 ** 40 })),
      // null: UNSET VRAM_TOTAL or DEVICE (a hive's last total gone, a worker on a GPU of its own).
      vramTotalBytes: fc.constantFrom(8e9, 16e9, 24e9, 80e9, null),
      ramBytes: fc.oneof(fc.constantFrom(0, 1e9, 2e9), fc.nat({ max: 2 ** 40 })),
      cpuPercent: fc.constantFrom(0, 12.5, 100),
      gpuPercent: fc.constantFrom(0, 10, 10.5, 50, 99.9, 100),
      // Near the registry's time (small or large skew as the clock moves) or far from it.
      reportedAt: fc.oneof(
        fc.integer({ min: -20_000, max: 120_000 }).map((ms) => new Date(T0 + ms).toISOString()),
        fc.constant('1999-01-01T00:00:00Z'),
      ),
    },
    { requiredKeys: [] },
  )
  .map((f) => (f.reportedAt === undefined ? f : { ...f, reportedAtMs: Date.parse(f.reportedAt) }));

function opsArb(workers: string[], hives: string[], maxLength: number): fc.Arbitrary<Op[]> {
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constant('beat' as const),
        workerId: fc.constantFrom(...workers),
        hiveId: fc.constantFrom(...hives),
        fields: fieldsArb,
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeWorker' as const), workerId: fc.constantFrom(...workers, 'unknown') }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('removeHive' as const), hiveId: fc.constantFrom(...hives, 'unknown') }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('advance' as const),
        // Mostly forwards, often right at the liveness boundary; sometimes backwards, which the registry must absorb.
        ms: fc.oneof(
          fc.constantFrom(0, 1, 999, 1_000, 5_000, 14_999, 15_000, 29_999, 30_000, 30_001),
          fc.integer({ min: 0, max: 40_000 }),
          fc.integer({ min: -20_000, max: -1 }),
        ),
      }),
    },
  );
  return fc.array(op, { minLength: 1, maxLength });
}

function recordOf(w: WorkerView): RefWorker {
  const fields = Object.fromEntries(RECORD_FIELDS.map((k) => [k, w[k]])) as RecordFields;
  return { hiveId: w.hiveId, lastSeenMs: w.lastSeenMs, skewMs: w.skewMs, fields };
}

const ids = (records: ReadonlyArray<{ workerId: string } | { hiveId: string }>): string[] =>
  records.map((r) => ('workerId' in r ? r.workerId : r.hiveId));

/** Every question the registry answers, asked of both. */
function expectSameAnswers(registry: WorkerRegistry, ref: ReferenceRegistry, step: string): void {
  // chai's proxies cost more than the registry itself here: see fast-expect.ts.
  const expect = fastExpect;
  expect(registry.now(), `${step}: now`).to.equal(ref.now());
  expect(registry.workerCount(), `${step}: workerCount`).to.equal(ref.workers.size);
  expect(registry.skewedWorkerCount(), `${step}: skewedWorkerCount`).to.equal(ref.skewedWorkerCount());
  expect(registry.hiveCount(), `${step}: hiveCount`).to.equal(ref.listHives().length);
  expect(ids(registry.listHives()), `${step}: listHives`).to.deep.equal(ref.listHives());

  const refHives = ref.hives();
  for (const [hiveId, h] of refHives) {
    const hive = registry.getHive(hiveId);
    expect(hive, `${step}: getHive ${hiveId}`).not.to.equal(undefined);
    expect(
      {
        vram: hive!.vramUsedBytes,
        ram: hive!.ramUsedBytes,
        last: hive!.lastHeartbeatMs,
        online: hive!.onlineWorkers,
        onlineVram: hive!.onlineVramUsedBytes,
        onlineRam: hive!.onlineRamUsedBytes,
        workers: ids(registry.workersOnHive(hiveId)),
      },
      `${step}: hive ${hiveId}`,
    ).to.deep.equal(h);
  }
  for (const hiveId of [...HIVES, 'unknown']) {
    if (!refHives.has(hiveId)) {
      expect(registry.getHive(hiveId), `${step}: getHive ${hiveId}`).to.equal(undefined);
      expect(registry.workersOnHive(hiveId), `${step}: workersOnHive ${hiveId}`).to.deep.equal([]);
    }
  }

  for (const ms of WINDOWS) {
    const active = ref.activeHives(ms);
    expect(ids(registry.activeHives(ms)), `${step}: activeHives(${ms})`).to.deep.equal(active);
    expect(registry.onlineWorkerCount(ms), `${step}: onlineWorkerCount(${ms})`).to.equal(ref.listWorkers({ maxAgeMs: ms }).length);
    for (const hiveId of HIVES)
      expect(registry.isHiveOnline(hiveId, ms), `${step}: isHiveOnline(${hiveId}, ${ms})`).to.equal(active.includes(hiveId));
  }
  expect(ids(registry.activeHives()), `${step}: activeHives()`).to.deep.equal(ref.activeHives(OFFLINE_AFTER_MS));
  expect(registry.onlineWorkerCount(), `${step}: onlineWorkerCount()`).to.equal(ref.listWorkers({ maxAgeMs: OFFLINE_AFTER_MS }).length);
  for (const hiveId of HIVES)
    expect(registry.isHiveOnline(hiveId), `${step}: isHiveOnline(${hiveId})`).to.equal(ref.activeHives(OFFLINE_AFTER_MS).includes(hiveId));

  const all = registry.listWorkers();
  expect(ids(all), `${step}: listWorkers()`).to.deep.equal(ref.listWorkers({}));
  for (const w of all) {
    expect(recordOf(w), `${step}: worker ${w.workerId}`).to.deep.equal(ref.workers.get(w.workerId));
    expect(w.online, `${step}: ${w.workerId}.online`).to.equal(ref.online(ref.workers.get(w.workerId)!));
  }
  for (const workerId of WORKERS) {
    if (!ref.workers.has(workerId)) expect(registry.getWorker(workerId), `${step}: getWorker ${workerId}`).to.equal(undefined);
  }

  const filters: WorkerFilter[] = [
    ...HIVES.map((hiveId) => ({ hiveId })),
    ...WORKER_STATES.map((state) => ({ state })),
    ...MODELS.map((modelId) => ({ modelId })),
    ...BACKENDS.map((backend) => ({ backend })),
    ...[0, 1_000, 15_000, 30_000].map((maxAgeMs) => ({ maxAgeMs })),
    { hiveId: 'hive-a', state: 'Idle' },
    { modelId: 'llama', state: 'Idle', maxAgeMs: 30_000 },
    { modelId: 'llama', hiveId: 'hive-b', backend: 'cuda' },
    { backend: 'cuda', maxAgeMs: 15_000 },
    { hiveId: 'hive-c', maxAgeMs: 5_000 },
    { modelId: 'unknown' },
  ];
  for (const filter of filters) {
    expect(ids(registry.listWorkers(filter)), `${step}: listWorkers(${JSON.stringify(filter)})`).to.deep.equal(ref.listWorkers(filter));
  }

  for (const modelId of [...MODELS, 'unknown']) {
    for (const backend of [undefined, ...BACKENDS]) {
      if (backend !== undefined) {
        expect(registry.bestWorker(modelId, { backend })?.workerId, `${step}: bestWorker(${modelId}, '${backend}')`).to.equal(
          ref.bestWorker(modelId, { backend }),
        );
      }
      for (const minFreeVramBytes of [undefined, ...MIN_FREE]) {
        const query: BestWorkerQuery = { backend, minFreeVramBytes };
        expect(registry.bestWorker(modelId, query)?.workerId, `${step}: bestWorker(${modelId}, ${JSON.stringify(query)})`).to.equal(
          ref.bestWorker(modelId, query),
        );
      }
    }
  }
  expect(registry.bestWorker('llama')?.workerId, `${step}: bestWorker(llama)`).to.equal(ref.bestWorker('llama', {}));

  // The heartbeat-ordered lists behind activeHives and MAXAGE are checked above: each window is compared with
  // the reference, which filters all workers.
}

/** Applies one step to the registry and the reference; returns both replies. */
function applyToBoth(op: Op, registry: WorkerRegistry, ref: ReferenceRegistry, clock: ManualClock): [unknown, unknown] {
  switch (op.kind) {
    case 'beat':
      return [registry.heartbeat(op.workerId, op.hiveId, op.fields), ref.heartbeat(op.workerId, op.hiveId, op.fields)];
    case 'removeWorker':
      return [registry.removeWorker(op.workerId), ref.removeWorker(op.workerId)];
    case 'removeHive':
      return [registry.removeHive(op.hiveId), ref.removeHive(op.hiveId)];
    case 'advance':
      clock.advance(op.ms);
      return [undefined, undefined];
  }
}

function runHistory(ops: readonly Op[], options: RegistryOptions & { evictAfterMs: number }, checkEvery: number): void {
  const clock = new ManualClock();
  const registry = new WorkerRegistry({ ...options, clock, offlineAfterMs: OFFLINE_AFTER_MS });
  // Without the guard, eviction is simply "this long after the newest heartbeat".
  registry.setGuardMode('off');
  const ref = new ReferenceRegistry(clock, options.evictAfterMs);
  ops.forEach((op, i) => {
    const step = `step ${i} ${JSON.stringify(op)}`;
    const [actual, expected] = applyToBoth(op, registry, ref, clock);
    expect(actual, step).to.equal(expected);
    if (i % checkEvery === checkEvery - 1 || i === ops.length - 1) expectSameAnswers(registry, ref, step);
  });
}

describe('WorkerRegistry against a reference model', function () {
  // CPU-bound property runs (numRuns histories, chai checks after every step): 5-20 s on two busy cores, so
  // their own budget keeps them far from a timeout that is there to catch hangs.
  this.timeout(90_000);
  it('gives the same answers after every step of a random history (no eviction)', () => {
    fc.assert(
      fc.property(opsArb(WORKERS, HIVES, 60), (ops) => runHistory(ops, { evictAfterMs: 0 }, 1)),
      { numRuns: 250 },
    );
  });

  it('gives the same answers after every step when offline workers are evicted', () => {
    fc.assert(
      fc.property(opsArb(WORKERS, HIVES, 60), (ops) => runHistory(ops, { evictAfterMs: 45_000 }, 1)),
      { numRuns: 250 },
    );
  });

  it('agrees on long histories over few workers, where hives empty and refill often', () => {
    const few = opsArb(['w1', 'w2', 'w3'], ['hive-a', 'hive-b', 'hive-c'], 200);
    fc.assert(
      fc.property(few, (ops) => runHistory(ops, { evictAfterMs: 0 }, 10)),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(few, (ops) => runHistory(ops, { evictAfterMs: 30_000 }, 10)),
      { numRuns: 100 },
    );
  });
});
