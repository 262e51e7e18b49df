// WorkerRegistry in-process, with a manual clock: registration, liveness, hive sums, routing, removal, listing
// and a clock that misbehaves.

import { expect } from 'chai';
import { WorkerRegistry, type RegistryOptions } from '../../src/registry/registry.js';
import { type HiveView, RegistryError, type WorkerView } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';

const T0 = 1_700_000_000_000;

function setup(options: RegistryOptions = {}): { clock: ManualClock; registry: WorkerRegistry } {
  const clock = new ManualClock(T0);
  return { clock, registry: new WorkerRegistry({ clock, ...options }) };
}

const workerIds = (workers: readonly WorkerView[]): string[] => workers.map((w) => w.workerId);
const hiveIds = (hives: readonly HiveView[]): string[] => hives.map((h) => h.hiveId);

/** The hive's sums and newest heartbeat, in one comparable value. */
function hiveSummary(registry: WorkerRegistry, hiveId: string): unknown {
  const h = registry.getHive(hiveId);
  if (h === undefined) return undefined;
  return { vram: h.vramUsedBytes, ram: h.ramUsedBytes, last: h.lastHeartbeatMs, workers: workerIds(registry.workersOnHive(hiveId)) };
}

/**
 * The heartbeat-ordered lists behind MAXAGE and HIVE.ACTIVE must hold every record in order: any window must
 * give what a filter over all records gives.
 */
function expectListsConsistent(registry: WorkerRegistry): void {
  const all = registry.listWorkers();
  const now = registry.now();
  for (const ms of [0, 1, 1_000, 10_000, 29_999, 30_000, 100_000, 1e12]) {
    expect(workerIds(registry.listWorkers({ maxAgeMs: ms })), `maxAge ${ms}`).to.deep.equal(
      workerIds(all.filter((w) => now - w.lastSeenMs < ms)),
    );
    const hives = registry.listHives().filter((h) => now - h.lastHeartbeatMs < ms);
    expect(hiveIds(registry.activeHives(ms)), `activeHives ${ms}`).to.deep.equal(hiveIds(hives));
  }
  for (const h of registry.listHives())
    expect(h.lastHeartbeatMs).to.equal(Math.max(...registry.workersOnHive(h.hiveId).map((w) => w.lastSeenMs)));
}

describe('WorkerRegistry', () => {
  describe('construction', () => {
    it('defaults offlineAfterMs to 30000 and takes another', () => {
      expect(new WorkerRegistry().offlineAfterMs).to.equal(30_000);
      expect(new WorkerRegistry({ offlineAfterMs: 1234 }).offlineAfterMs).to.equal(1234);
    });

    it('rejects an offlineAfterMs that is not positive', () => {
      for (const ms of [0, -1, Number.NaN]) expect(() => new WorkerRegistry({ offlineAfterMs: ms }), String(ms)).to.throw(RangeError);
    });

    it('tells time by the injected clock', () => {
      const { clock, registry } = setup();
      expect(registry.now()).to.equal(T0);
      clock.advance(1234);
      expect(registry.now()).to.equal(T0 + 1234);
    });
  });

  describe('heartbeat', () => {
    it('returns true when it registers a worker and false when it refreshes one', () => {
      const { registry } = setup();
      expect(registry.heartbeat('w1', 'hive-a', {})).to.equal(true);
      expect(registry.heartbeat('w1', 'hive-a', {})).to.equal(false);
      expect(registry.heartbeat('w2', 'hive-a', {})).to.equal(true);
      expect(registry.heartbeat('w1', 'hive-b', {})).to.equal(false);
      expect(registry.workerCount()).to.equal(2);
      expect(registry.hiveCount()).to.equal(2);
    });

    it('creates a record with nothing reported, counted Idle and healthy', () => {
      const { registry } = setup();
      registry.heartbeat('w1', 'hive-a', {});
      const w = registry.getWorker('w1')!;
      expect(w).to.include({
        workerId: 'w1',
        state: null,
        health: null,
        url: null,
        modelId: null,
        backend: null,
        deviceId: null,
        vramBytes: null,
        ramBytes: null,
        cpuPercent: null,
        gpuPercent: null,
        reportedAt: null,
        lastSeenMs: T0,
      });
      expect(w.hiveId).to.equal('hive-a');
      expect(w.effectiveState).to.equal('Idle');
      expect(w.effectiveHealth).to.equal('healthy');
    });

    it('stores every field and reports the sent STATE and HEALTH as effective', () => {
      const { registry } = setup();
      registry.heartbeat('w1', 'hive-a', {
        state: 'Loading',
        health: 'degraded',
        url: 'http://10.0.0.5:8081',
        modelId: 'llama',
        backend: 'cuda',
        deviceId: 2,
        vramBytes: 8e9,
        ramBytes: 2e9,
        cpuPercent: 12.5,
        gpuPercent: 40,
        reportedAt: '2025-01-31T12:00:00Z',
      });
      const w = registry.getWorker('w1')!;
      expect(w).to.include({
        state: 'Loading',
        health: 'degraded',
        url: 'http://10.0.0.5:8081',
        modelId: 'llama',
        backend: 'cuda',
        deviceId: 2,
        vramBytes: 8e9,
        ramBytes: 2e9,
        cpuPercent: 12.5,
        gpuPercent: 40,
        reportedAt: '2025-01-31T12:00:00Z',
      });
      expect(w.effectiveState).to.equal('Loading');
      expect(w.effectiveHealth).to.equal('degraded');
    });

    it('keeps the last value of every field a beat omits (upsert)', () => {
      const { clock, registry } = setup();
      const full = {
        state: 'Busy',
        health: 'degraded',
        url: 'http://10.0.0.5:8081',
        modelId: 'llama',
        backend: 'cuda',
        deviceId: 2,
        vramBytes: 8e9,
        ramBytes: 2e9,
        cpuPercent: 12.5,
        gpuPercent: 40,
        reportedAt: '2025-01-31T12:00:00Z',
      } as const;
      registry.heartbeat('w1', 'hive-a', full);
      clock.advance(5_000);
      expect(registry.heartbeat('w1', 'hive-a', { gpuPercent: 75 })).to.equal(false);
      expect(registry.getWorker('w1')).to.include({ ...full, gpuPercent: 75, lastSeenMs: T0 + 5_000 });
      clock.advance(5_000);
      registry.heartbeat('w1', 'hive-a', {});
      expect(registry.getWorker('w1')).to.include({ ...full, gpuPercent: 75, lastSeenMs: T0 + 10_000 });
      registry.heartbeat('w1', 'hive-a', { state: 'Idle', health: 'healthy', modelId: 'mistral', vramBytes: 0 });
      expect(registry.getWorker('w1')).to.include({
        ...full,
        gpuPercent: 75,
        state: 'Idle',
        health: 'healthy',
        modelId: 'mistral',
        vramBytes: 0,
      });
    });

    it("times liveness by the registry's clock, never by the worker's reported time", () => {
      const { clock, registry } = setup();
      registry.heartbeat('w-past', 'hive-a', { reportedAt: '1999-01-01T00:00:00Z' });
      registry.heartbeat('w-future', 'hive-b', { reportedAt: '2999-01-01T00:00:00Z' });
      expect(registry.getWorker('w-past')!.lastSeenMs).to.equal(T0);
      expect(registry.getWorker('w-future')!.lastSeenMs).to.equal(T0);
      expect(registry.onlineWorkerCount()).to.equal(2);
      clock.advance(30_000);
      expect(registry.onlineWorkerCount()).to.equal(0);
      expect(registry.getWorker('w-future')!.reportedAt).to.equal('2999-01-01T00:00:00Z');
    });

    it('rejects an empty worker or hive id and changes nothing', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-a', { vramBytes: 10 });
      clock.advance(1_000);
      expect(() => registry.heartbeat('', 'hive-b', { vramBytes: 5 })).to.throw(
        RegistryError,
        /^invalid worker_id '': expected a non-empty string$/,
      );
      expect(() => registry.heartbeat('w1', '', { vramBytes: 5 })).to.throw(
        RegistryError,
        /^invalid hive_id '': expected a non-empty string$/,
      );
      expect(() => registry.heartbeat('w2', '', {})).to.throw(RegistryError, /^invalid hive_id ''/);
      expect(hiveIds(registry.listHives())).to.deep.equal(['hive-a']);
      expect(workerIds(registry.listWorkers())).to.deep.equal(['w1']);
      expect(registry.getWorker('w1')).to.include({ vramBytes: 10, lastSeenMs: T0 });
      expect(hiveSummary(registry, 'hive-a')).to.deep.equal({ vram: 10, ram: 0, last: T0, workers: ['w1'] });
    });
  });

  describe('liveness', () => {
    it('counts a worker online while its heartbeat is younger than offlineAfterMs, offline at exactly that age', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-a', { url: 'http://10.0.0.9:1' });
      const last = registry.getWorker('w1')!.lastSeenMs;
      clock.advance(29_999);
      expect(registry.ageMs(last)).to.equal(29_999);
      expect(registry.getWorker('w1')!.online).to.equal(true);
      expect(registry.isHiveOnline('hive-a')).to.equal(true);
      expect(registry.onlineWorkerCount()).to.equal(1);
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-a']);
      expect(workerIds(registry.listWorkers({ maxAgeMs: 30_000 }))).to.deep.equal(['w1']);
      expect(registry.bestWorker('any')?.workerId).to.equal('w1');
      clock.advance(1);
      expect(registry.ageMs(last)).to.equal(30_000);
      expect(registry.getWorker('w1')!.online).to.equal(false);
      expect(registry.isHiveOnline('hive-a')).to.equal(false);
      expect(registry.onlineWorkerCount()).to.equal(0);
      expect(registry.activeHives()).to.deep.equal([]);
      expect(registry.listWorkers({ maxAgeMs: 30_000 })).to.deep.equal([]);
      expect(registry.bestWorker('any')).to.equal(undefined);
      // Offline workers are still known and listed without MAXAGE.
      expect(registry.workerCount()).to.equal(1);
      expect(workerIds(registry.listWorkers())).to.deep.equal(['w1']);
      expect(hiveIds(registry.listHives())).to.deep.equal(['hive-a']);
    });

    it('uses a custom offlineAfterMs as the default window everywhere', () => {
      const { clock, registry } = setup({ offlineAfterMs: 5_000 });
      registry.heartbeat('w1', 'hive-a', { url: 'http://10.0.0.9:1' });
      clock.advance(4_999);
      expect([registry.isHiveOnline('hive-a'), registry.onlineWorkerCount(), registry.activeHives().length]).to.deep.equal([true, 1, 1]);
      expect(registry.bestWorker('m')?.workerId).to.equal('w1');
      clock.advance(1);
      expect([registry.isHiveOnline('hive-a'), registry.onlineWorkerCount(), registry.activeHives().length]).to.deep.equal([false, 0, 0]);
      expect(registry.bestWorker('m')).to.equal(undefined);
      // An explicit window still overrides it.
      expect(registry.isHiveOnline('hive-a', 5_001)).to.equal(true);
      expect(registry.onlineWorkerCount(5_001)).to.equal(1);
    });

    it('answers activeHives for any window, sorted by id', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w-c', 'hive-c', {}); // T0
      clock.advance(10_000);
      registry.heartbeat('w-a', 'hive-a', {}); // T0 + 10 s
      clock.advance(10_000);
      registry.heartbeat('w-b', 'hive-b', {}); // T0 + 20 s
      clock.advance(5_000); // ages: c 25 s, a 15 s, b 5 s
      const windows: Array<[number, string[]]> = [
        [0, []],
        [1, []],
        [5_000, []],
        [5_001, ['hive-b']],
        [15_000, ['hive-b']],
        [15_001, ['hive-a', 'hive-b']],
        [25_000, ['hive-a', 'hive-b']],
        [25_001, ['hive-a', 'hive-b', 'hive-c']],
        [Number.MAX_SAFE_INTEGER, ['hive-a', 'hive-b', 'hive-c']],
      ];
      for (const [ms, expected] of windows) {
        expect(hiveIds(registry.activeHives(ms)), `window ${ms}`).to.deep.equal(expected);
        for (const id of ['hive-a', 'hive-b', 'hive-c'])
          expect(registry.isHiveOnline(id, ms), `${id} ${ms}`).to.equal(expected.includes(id));
        expect(registry.onlineWorkerCount(ms), `count ${ms}`).to.equal(expected.length);
      }
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-a', 'hive-b', 'hive-c']);
      clock.advance(5_000); // c 30 s: offline by default
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-a', 'hive-b']);
    });

    it('keeps a hive online while any of its workers is', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-a', {});
      clock.advance(20_000);
      registry.heartbeat('w2', 'hive-a', {});
      clock.advance(15_000); // w1 35 s, w2 15 s
      expect(registry.isHiveOnline('hive-a')).to.equal(true);
      expect(registry.onlineWorkerCount()).to.equal(1);
      expect(registry.getHive('hive-a')!.lastHeartbeatMs).to.equal(T0 + 20_000);
    });

    it('brings a stale worker and its hive back online on its next beat', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-a', {});
      clock.advance(60_000);
      expect(registry.isHiveOnline('hive-a')).to.equal(false);
      expect(registry.heartbeat('w1', 'hive-a', {})).to.equal(false);
      expect(registry.isHiveOnline('hive-a')).to.equal(true);
      expect(registry.onlineWorkerCount()).to.equal(1);
      expect(registry.getWorker('w1')!.lastSeenMs).to.equal(T0 + 60_000);
    });

    it('reports an unknown hive as offline', () => {
      const { registry } = setup();
      registry.heartbeat('w1', 'hive-a', {});
      expect(registry.isHiveOnline('hive-z')).to.equal(false);
      expect(registry.isHiveOnline('hive-z', Number.MAX_SAFE_INTEGER)).to.equal(false);
    });
  });

  describe('hive resources', () => {
    it('sums the VRAM and RAM its workers report, counting unreported as 0', () => {
      const { registry } = setup();
      registry.heartbeat('w1', 'hive-a', { vramBytes: 8e9, ramBytes: 1e9 });
      registry.heartbeat('w2', 'hive-a', { vramBytes: 4e9 });
      registry.heartbeat('w3', 'hive-a', {});
      registry.heartbeat('w4', 'hive-b', { ramBytes: 3 });
      expect(hiveSummary(registry, 'hive-a')).to.deep.include({ vram: 12e9, ram: 1e9 });
      expect(hiveSummary(registry, 'hive-b')).to.deep.include({ vram: 0, ram: 3 });
    });

    it("replaces a worker's share when it reports new values and keeps it when it omits them", () => {
      const { registry } = setup();
      registry.heartbeat('w1', 'hive-a', { vramBytes: 8e9, ramBytes: 1e9 });
      registry.heartbeat('w2', 'hive-a', { vramBytes: 4e9, ramBytes: 5 });
      registry.heartbeat('w1', 'hive-a', { vramBytes: 2e9 });
      expect(hiveSummary(registry, 'hive-a')).to.deep.include({ vram: 6e9, ram: 1e9 + 5 });
      registry.heartbeat('w2', 'hive-a', { ramBytes: 0 });
      expect(hiveSummary(registry, 'hive-a')).to.deep.include({ vram: 6e9, ram: 1e9 });
      registry.heartbeat('w2', 'hive-a', {});
      expect(hiveSummary(registry, 'hive-a')).to.deep.include({ vram: 6e9, ram: 1e9 });
    });

    it("moves a worker's share with the worker and drops the hive it leaves empty", () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-a', { vramBytes: 8e9, ramBytes: 1e9 });
      registry.heartbeat('w2', 'hive-a', { vramBytes: 4e9, ramBytes: 2e9 });
      registry.heartbeat('w3', 'hive-b', { vramBytes: 1, ramBytes: 2 });
      clock.advance(1_000);
      expect(registry.heartbeat('w1', 'hive-b', {})).to.equal(false);
      expect(registry.getWorker('w1')!.hiveId).to.equal('hive-b');
      expect(hiveSummary(registry, 'hive-a')).to.deep.equal({ vram: 4e9, ram: 2e9, last: T0, workers: ['w2'] });
      expect(hiveSummary(registry, 'hive-b')).to.deep.equal({ vram: 8e9 + 1, ram: 1e9 + 2, last: T0 + 1_000, workers: ['w1', 'w3'] });

      // Moving to a new hive with new values in the same beat: the old hive loses the old share, the new one
      // gets the new share; hive-a is left empty and dropped.
      clock.advance(1_000);
      registry.heartbeat('w2', 'hive-c', { vramBytes: 3e9 });
      expect(registry.getHive('hive-a')).to.equal(undefined);
      expect(hiveIds(registry.listHives())).to.deep.equal(['hive-b', 'hive-c']);
      expect(registry.hiveCount()).to.equal(2);
      expect(registry.workersOnHive('hive-a')).to.deep.equal([]);
      expect(registry.isHiveOnline('hive-a')).to.equal(false);
      expect(hiveSummary(registry, 'hive-c')).to.deep.equal({ vram: 3e9, ram: 2e9, last: T0 + 2_000, workers: ['w2'] });
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-b', 'hive-c']);
      expect(workerIds(registry.listWorkers({ hiveId: 'hive-a' }))).to.deep.equal([]);
      expect(workerIds(registry.listWorkers({ hiveId: 'hive-c' }))).to.deep.equal(['w2']);
      expectListsConsistent(registry);
    });

    it("subtracts a removed worker's share and drops the hive with its last worker", () => {
      const { registry } = setup();
      registry.heartbeat('w1', 'hive-a', { vramBytes: 8e9, ramBytes: 1e9 });
      registry.heartbeat('w2', 'hive-a', { vramBytes: 4e9, ramBytes: 2e9 });
      expect(registry.removeWorker('w1')).to.equal(true);
      expect(hiveSummary(registry, 'hive-a')).to.deep.include({ vram: 4e9, ram: 2e9, workers: ['w2'] });
      expect(registry.removeWorker('w2')).to.equal(true);
      expect(registry.getHive('hive-a')).to.equal(undefined);
      expect(registry.hiveCount()).to.equal(0);
      // A fresh hive of the same name starts from zero.
      registry.heartbeat('w3', 'hive-a', { ramBytes: 7 });
      expect(hiveSummary(registry, 'hive-a')).to.deep.include({ vram: 0, ram: 7, workers: ['w3'] });
    });

    it("keeps lastHeartbeatMs at its newest worker's beat, falling back to the next newest when that one leaves", () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-a', {}); // T0
      clock.advance(10_000);
      registry.heartbeat('w3', 'hive-b', {}); // T0 + 10 s
      clock.advance(5_000);
      registry.heartbeat('w0', 'hive-a', {}); // T0 + 15 s
      clock.advance(5_000);
      registry.heartbeat('w2', 'hive-a', {}); // T0 + 20 s: hive-a is now the newest hive
      expect(registry.getHive('hive-a')!.lastHeartbeatMs).to.equal(T0 + 20_000);

      expect(registry.removeWorker('w2')).to.equal(true);
      expect(registry.getHive('hive-a')!.lastHeartbeatMs).to.equal(T0 + 15_000);
      expectListsConsistent(registry);

      // The newest remaining worker moves away: back to w1's beat, older than hive-b's.
      registry.heartbeat('w0', 'hive-d', {}); // T0 + 20 s
      expect(registry.getHive('hive-a')!.lastHeartbeatMs).to.equal(T0);
      expectListsConsistent(registry);

      clock.advance(15_000); // T0 + 35 s: hive-a 35 s (offline), hive-b 25 s, hive-d 15 s
      expect(registry.isHiveOnline('hive-a')).to.equal(false);
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-b', 'hive-d']);
      expect(hiveIds(registry.activeHives(25_001))).to.deep.equal(['hive-b', 'hive-d']);
      expect(hiveIds(registry.activeHives(25_000))).to.deep.equal(['hive-d']);
      expect(hiveIds(registry.activeHives(35_001))).to.deep.equal(['hive-a', 'hive-b', 'hive-d']);
    });

    it('keeps activeHives right when the newest hive loses its newest worker and becomes stale', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-a', {}); // T0
      clock.advance(10_000);
      registry.heartbeat('w3', 'hive-b', {}); // T0 + 10 s
      clock.advance(10_000);
      registry.heartbeat('w2', 'hive-a', {}); // T0 + 20 s
      registry.removeWorker('w2');
      clock.advance(15_000); // hive-a 35 s, hive-b 25 s
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-b']);
      expect(registry.isHiveOnline('hive-b')).to.equal(true);
    });

    it("keeps activeHives right when a hive's newest worker moves into a brand-new hive", () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-old', {}); // T0
      clock.advance(10_000);
      registry.heartbeat('w2', 'hive-x', {}); // T0 + 10 s
      clock.advance(10_000);
      registry.heartbeat('w3', 'hive-old', {}); // T0 + 20 s
      registry.heartbeat('w3', 'hive-new', {}); // hive-old falls back to T0, older than hive-x
      expect(registry.getHive('hive-old')!.lastHeartbeatMs).to.equal(T0);
      expectListsConsistent(registry);
      clock.advance(19_999); // hive-old 39 999 ms, hive-x 29 999 ms, hive-new 19 999 ms
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-new', 'hive-x']);
      expect(hiveIds(registry.activeHives(39_999))).to.deep.equal(['hive-new', 'hive-x']);
      expect(hiveIds(registry.activeHives(40_000))).to.deep.equal(['hive-new', 'hive-old', 'hive-x']);
    });

    it('lists the workers on a hive by id', () => {
      const { registry } = setup();
      for (const id of ['w3', 'w10', 'w1', 'W2']) registry.heartbeat(id, 'hive-a', {});
      registry.heartbeat('w0', 'hive-b', {});
      expect(workerIds(registry.workersOnHive('hive-a'))).to.deep.equal(['W2', 'w1', 'w10', 'w3']);
      expect(workerIds(registry.workersOnHive('hive-b'))).to.deep.equal(['w0']);
      expect(registry.workersOnHive('hive-z')).to.deep.equal([]);
    });
  });

  describe('bestWorker', () => {
    it('picks an online idle worker with the model over a busy, loading or offline one', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w-stale', 'hive-a', { modelId: 'llama', state: 'Idle', gpuPercent: 0 });
      clock.advance(30_000);
      registry.heartbeat('w-busy', 'hive-a', { modelId: 'llama', state: 'Busy', gpuPercent: 0 });
      registry.heartbeat('w-loading', 'hive-a', { modelId: 'llama', state: 'Loading', gpuPercent: 0 });
      registry.heartbeat('w-other', 'hive-a', { modelId: 'mistral', state: 'Idle', gpuPercent: 0, url: 'http://10.0.0.9:1' });
      registry.heartbeat('w-idle', 'hive-b', { modelId: 'llama', state: 'Idle', gpuPercent: 90 });
      expect(registry.bestWorker('llama')?.workerId).to.equal('w-idle');
      registry.heartbeat('w-idle', 'hive-b', { state: 'Busy' });
      // Now nobody idle and online has llama: any online idle worker.
      expect(registry.bestWorker('llama')?.workerId).to.equal('w-other');
      registry.heartbeat('w-other', 'hive-a', { state: 'Loading' });
      expect(registry.bestWorker('llama')).to.equal(undefined);
    });

    it('prefers healthy to degraded, then lower GPU load, then the lower worker id', () => {
      const { registry } = setup();
      registry.heartbeat('w-d', 'hive-a', { modelId: 'm', health: 'degraded', gpuPercent: 0 });
      registry.heartbeat('w-h90', 'hive-a', { modelId: 'm', health: 'healthy', gpuPercent: 90 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-h90');
      registry.heartbeat('w-h50', 'hive-b', { modelId: 'm', gpuPercent: 50 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-h50');
      registry.heartbeat('w-h50b', 'hive-b', { modelId: 'm', gpuPercent: 50 });
      registry.heartbeat('w-h50a', 'hive-b', { modelId: 'm', gpuPercent: 50 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-h50');
      registry.heartbeat('w-h50', 'hive-b', { gpuPercent: 50.5 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-h50a');
      // Every healthy one turns degraded: the least loaded degraded wins.
      for (const id of ['w-h90', 'w-h50', 'w-h50a', 'w-h50b']) registry.heartbeat(id, 'hive-b', { health: 'degraded' });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-d');
    });

    it('counts a missing GPU load as 100', () => {
      const { registry } = setup();
      registry.heartbeat('w-b', 'hive-a', { modelId: 'm' });
      registry.heartbeat('w-c', 'hive-a', { modelId: 'm', gpuPercent: 99.9 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-c');
      registry.heartbeat('w-c', 'hive-a', { gpuPercent: 100 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-b'); // a tie at 100: by id
      registry.heartbeat('w-a', 'hive-a', { modelId: 'm', gpuPercent: 100 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-a');
    });

    it('breaks ties by worker id whatever the heartbeat order', () => {
      for (const order of [
        ['w1', 'w2', 'w3'],
        ['w3', 'w2', 'w1'],
        ['w2', 'w3', 'w1'],
      ]) {
        const { registry } = setup();
        for (const id of order) registry.heartbeat(id, `hive-${id}`, { modelId: 'm', gpuPercent: 10, url: 'http://10.0.0.9:1' });
        expect(registry.bestWorker('m')?.workerId, order.join()).to.equal('w1');
        expect(registry.bestWorker('other')?.workerId, order.join()).to.equal('w1');
      }
    });

    it('counts a worker that never sent STATE as Idle and one that never sent HEALTH as healthy', () => {
      const { registry } = setup();
      registry.heartbeat('w-a', 'hive-a', { modelId: 'm', state: 'Idle', health: 'degraded', gpuPercent: 0 });
      registry.heartbeat('w-z', 'hive-a', { modelId: 'm', gpuPercent: 50 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-z');
      expect(workerIds(registry.listWorkers({ state: 'Idle' }))).to.deep.equal(['w-a', 'w-z']);
    });

    it('falls back to the best online idle worker of any model when none has the model', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w-stale', 'hive-a', { modelId: 'llama', gpuPercent: 0 });
      clock.advance(30_000);
      registry.heartbeat('w-busy', 'hive-a', { modelId: 'mistral', state: 'Busy', gpuPercent: 0 });
      registry.heartbeat('w-deg', 'hive-a', { modelId: 'mistral', health: 'degraded', gpuPercent: 0 });
      registry.heartbeat('w-60', 'hive-b', { modelId: 'mistral', gpuPercent: 60 });
      registry.heartbeat('w-30', 'hive-b', { gpuPercent: 30, url: 'http://10.0.0.9:1' });
      expect(registry.bestWorker('llama')?.workerId).to.equal('w-30');
      expect(registry.bestWorker('never-seen')?.workerId).to.equal('w-30');
      // With the model on a worker that can take it, that worker wins even when busier.
      expect(registry.bestWorker('mistral')?.workerId).to.equal('w-60');
    });

    it('filters by backend, in the model match and in the fallback', () => {
      const { registry } = setup();
      registry.heartbeat('w-cuda', 'hive-a', { modelId: 'm', backend: 'cuda', gpuPercent: 0 });
      registry.heartbeat('w-cpu', 'hive-a', { modelId: 'm', backend: 'cpu', gpuPercent: 80 });
      registry.heartbeat('w-metal', 'hive-b', { modelId: 'x', backend: 'metal', gpuPercent: 10, url: 'http://10.0.0.9:1' });
      registry.heartbeat('w-none', 'hive-b', { modelId: 'm', gpuPercent: 5 });
      expect(registry.bestWorker('m')?.workerId).to.equal('w-cuda');
      expect(registry.bestWorker('m', { backend: 'cpu' })?.workerId).to.equal('w-cpu');
      expect(registry.bestWorker('m', { backend: 'cuda' })?.workerId).to.equal('w-cuda');
      expect(registry.bestWorker('m', { backend: 'metal' })?.workerId).to.equal('w-metal');
      expect(registry.bestWorker('m', { backend: 'rocm' })).to.equal(undefined);
      expect(registry.bestWorker('m', { backend: 'CUDA' })).to.equal(undefined);
      registry.heartbeat('w-cuda', 'hive-a', { state: 'Busy' });
      expect(registry.bestWorker('m', { backend: 'cuda' })).to.equal(undefined);
      expect(registry.bestWorker('m')?.workerId).to.equal('w-none');
    });

    it('follows a worker that changes model', () => {
      const { registry } = setup();
      registry.heartbeat('w1', 'hive-a', { modelId: 'llama', gpuPercent: 90 });
      registry.heartbeat('w2', 'hive-a', { modelId: 'mistral', gpuPercent: 10 });
      expect(registry.bestWorker('llama')?.workerId).to.equal('w1');
      registry.heartbeat('w1', 'hive-a', { modelId: 'mistral' });
      registry.heartbeat('w2', 'hive-a', { modelId: 'llama' });
      expect(registry.bestWorker('llama')?.workerId).to.equal('w2');
      expect(registry.bestWorker('mistral')?.workerId).to.equal('w1');
      expect(workerIds(registry.listWorkers({ modelId: 'llama' }))).to.deep.equal(['w2']);
    });

    it('returns undefined on an empty registry', () => {
      const { registry } = setup();
      expect(registry.bestWorker('m')).to.equal(undefined);
      expect(registry.bestWorker('m', { backend: 'cuda' })).to.equal(undefined);
    });
  });

  describe('removal', () => {
    it('removeWorker returns false for an unknown worker and true once for a known one', () => {
      const { registry } = setup();
      expect(registry.removeWorker('w1')).to.equal(false);
      registry.heartbeat('w1', 'hive-a', { modelId: 'm', backend: 'cuda' });
      registry.heartbeat('w2', 'hive-a', { modelId: 'm', backend: 'cuda' });
      expect(registry.removeWorker('w1')).to.equal(true);
      expect(registry.removeWorker('w1')).to.equal(false);
      expect(registry.getWorker('w1')).to.equal(undefined);
      expect(registry.workerCount()).to.equal(1);
      expect(workerIds(registry.listWorkers())).to.deep.equal(['w2']);
      expect(workerIds(registry.listWorkers({ modelId: 'm' }))).to.deep.equal(['w2']);
      expect(workerIds(registry.listWorkers({ maxAgeMs: 1_000 }))).to.deep.equal(['w2']);
      expect(workerIds(registry.workersOnHive('hive-a'))).to.deep.equal(['w2']);
      expect(registry.onlineWorkerCount()).to.equal(1);
      expect(registry.bestWorker('m')?.workerId).to.equal('w2');
      expectListsConsistent(registry);
    });

    it('registers a removed worker anew when it beats again, without its old fields', () => {
      const { registry } = setup();
      registry.heartbeat('w1', 'hive-a', { modelId: 'm', vramBytes: 5, state: 'Busy' });
      registry.removeWorker('w1');
      expect(registry.heartbeat('w1', 'hive-a', {})).to.equal(true);
      expect(registry.getWorker('w1')).to.include({ modelId: null, vramBytes: null, state: null });
      expect(registry.getHive('hive-a')!.vramUsedBytes).to.equal(0);
      expect(registry.listWorkers({ modelId: 'm' })).to.deep.equal([]);
      expect(registry.heartbeat('w1', 'hive-a', {})).to.equal(false);
    });

    it('removeHive removes the hive and every worker on it, and nothing else', () => {
      const { registry } = setup();
      expect(registry.removeHive('hive-a')).to.equal(false);
      registry.heartbeat('w1', 'hive-a', { modelId: 'm', vramBytes: 1 });
      registry.heartbeat('w2', 'hive-a', { modelId: 'm', vramBytes: 2 });
      registry.heartbeat('w3', 'hive-b', { modelId: 'm', vramBytes: 4 });
      expect(registry.removeHive('hive-a')).to.equal(true);
      expect(registry.removeHive('hive-a')).to.equal(false);
      expect(registry.getHive('hive-a')).to.equal(undefined);
      expect(registry.getWorker('w1')).to.equal(undefined);
      expect(registry.getWorker('w2')).to.equal(undefined);
      expect([registry.workerCount(), registry.hiveCount(), registry.onlineWorkerCount()]).to.deep.equal([1, 1, 1]);
      expect(hiveIds(registry.listHives())).to.deep.equal(['hive-b']);
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-b']);
      expect(workerIds(registry.listWorkers({ modelId: 'm' }))).to.deep.equal(['w3']);
      expect(registry.bestWorker('m')?.workerId).to.equal('w3');
      expect(hiveSummary(registry, 'hive-b')).to.deep.include({ vram: 4, workers: ['w3'] });
      expect(registry.removeWorker('w1')).to.equal(false);
      expectListsConsistent(registry);
      // Its workers come back as new ones.
      expect(registry.heartbeat('w1', 'hive-a', {})).to.equal(true);
      expect(registry.heartbeat('w2', 'hive-b', {})).to.equal(true);
      expect(hiveSummary(registry, 'hive-a')).to.deep.include({ vram: 0, workers: ['w1'] });
    });
  });

  describe('listWorkers and listHives', () => {
    function populated(): { clock: ManualClock; registry: WorkerRegistry } {
      const { clock, registry } = setup();
      registry.heartbeat('w10', 'hive-b', { state: 'Busy', modelId: 'llama', backend: 'cuda' }); // T0
      clock.advance(10_000);
      registry.heartbeat('w2', 'hive-a', { state: 'Idle', modelId: 'llama', backend: 'cpu' }); // T0 + 10 s
      registry.heartbeat('W1', 'hive-a', { modelId: 'mistral', backend: 'cuda' }); // T0 + 10 s, never sent STATE
      clock.advance(10_000);
      registry.heartbeat('w1', 'hive-c', { state: 'Loading', backend: 'cuda' }); // T0 + 20 s
      registry.heartbeat('a0', 'hive-b', { state: 'Idle', modelId: 'llama', backend: 'cuda' }); // T0 + 20 s
      clock.advance(5_000); // ages: w10 25 s, w2 and W1 15 s, w1 and a0 5 s
      return { clock, registry };
    }

    it('lists every worker by id, online or not', () => {
      const { clock, registry } = populated();
      expect(workerIds(registry.listWorkers())).to.deep.equal(['W1', 'a0', 'w1', 'w10', 'w2']);
      clock.advance(60_000);
      expect(workerIds(registry.listWorkers())).to.deep.equal(['W1', 'a0', 'w1', 'w10', 'w2']);
    });

    it('filters by each field alone', () => {
      const { registry } = populated();
      const cases: Array<[Parameters<WorkerRegistry['listWorkers']>[0], string[]]> = [
        [{ hiveId: 'hive-a' }, ['W1', 'w2']],
        [{ hiveId: 'hive-b' }, ['a0', 'w10']],
        [{ hiveId: 'hive-z' }, []],
        [{ state: 'Idle' }, ['W1', 'a0', 'w2']],
        [{ state: 'Busy' }, ['w10']],
        [{ state: 'Loading' }, ['w1']],
        [{ modelId: 'llama' }, ['a0', 'w10', 'w2']],
        [{ modelId: 'mistral' }, ['W1']],
        [{ modelId: 'nope' }, []],
        [{ backend: 'cuda' }, ['W1', 'a0', 'w1', 'w10']],
        [{ backend: 'cpu' }, ['w2']],
        [{ backend: 'CPU' }, []],
        [{ maxAgeMs: 0 }, []],
        [{ maxAgeMs: 5_000 }, []],
        [{ maxAgeMs: 5_001 }, ['a0', 'w1']],
        [{ maxAgeMs: 15_001 }, ['W1', 'a0', 'w1', 'w2']],
        [{ maxAgeMs: 30_000 }, ['W1', 'a0', 'w1', 'w10', 'w2']],
      ];
      for (const [filter, expected] of cases)
        expect(workerIds(registry.listWorkers(filter)), JSON.stringify(filter)).to.deep.equal(expected);
    });

    it('combines filters', () => {
      const { registry } = populated();
      const cases: Array<[Parameters<WorkerRegistry['listWorkers']>[0], string[]]> = [
        [{ hiveId: 'hive-b', state: 'Idle' }, ['a0']],
        [{ modelId: 'llama', backend: 'cuda' }, ['a0', 'w10']],
        [{ modelId: 'llama', hiveId: 'hive-a' }, ['w2']],
        [{ modelId: 'llama', state: 'Idle', maxAgeMs: 30_000 }, ['a0', 'w2']],
        [{ modelId: 'llama', state: 'Idle', maxAgeMs: 10_000 }, ['a0']],
        [{ hiveId: 'hive-a', maxAgeMs: 15_000 }, []],
        [{ hiveId: 'hive-a', backend: 'cuda', state: 'Idle', modelId: 'mistral', maxAgeMs: 15_001 }, ['W1']],
        [{ backend: 'cuda', maxAgeMs: 20_000 }, ['W1', 'a0', 'w1']],
        [{ hiveId: 'hive-c', modelId: 'llama' }, []],
      ];
      for (const [filter, expected] of cases)
        expect(workerIds(registry.listWorkers(filter)), JSON.stringify(filter)).to.deep.equal(expected);
    });

    it('follows workers that move hives or change fields', () => {
      const { registry } = populated();
      registry.heartbeat('w10', 'hive-a', { state: 'Idle', backend: 'cpu', modelId: 'mistral' });
      expect(workerIds(registry.listWorkers({ hiveId: 'hive-a' }))).to.deep.equal(['W1', 'w10', 'w2']);
      expect(workerIds(registry.listWorkers({ hiveId: 'hive-b' }))).to.deep.equal(['a0']);
      expect(workerIds(registry.listWorkers({ modelId: 'mistral' }))).to.deep.equal(['W1', 'w10']);
      expect(workerIds(registry.listWorkers({ modelId: 'llama' }))).to.deep.equal(['a0', 'w2']);
      expect(workerIds(registry.listWorkers({ state: 'Busy' }))).to.deep.equal([]);
      expect(workerIds(registry.listWorkers({ backend: 'cpu' }))).to.deep.equal(['w10', 'w2']);
      expect(workerIds(registry.listWorkers({ maxAgeMs: 1 }))).to.deep.equal(['w10']);
    });

    it('lists every hive by id, online or not', () => {
      const { clock, registry } = populated();
      expect(hiveIds(registry.listHives())).to.deep.equal(['hive-a', 'hive-b', 'hive-c']);
      clock.advance(60_000);
      expect(hiveIds(registry.listHives())).to.deep.equal(['hive-a', 'hive-b', 'hive-c']);
      expect(registry.activeHives()).to.deep.equal([]);
      expect(registry.hiveCount()).to.equal(3);
    });
  });

  describe('a clock that steps back', () => {
    it('never makes time, or a worker, go backwards', () => {
      const { clock, registry } = setup();
      registry.heartbeat('w1', 'hive-a', {}); // T0
      clock.advance(20_000);
      registry.heartbeat('w2', 'hive-b', {}); // T0 + 20 s
      clock.set(T0 + 5_000); // 15 s back
      expect(registry.now()).to.equal(T0 + 20_000);
      registry.heartbeat('w3', 'hive-c', {});
      registry.heartbeat('w1', 'hive-a', {});
      // Both beats count as received at the registry's latest time, not at the clock's earlier one.
      expect(registry.getWorker('w3')!.lastSeenMs).to.equal(T0 + 20_000);
      expect(registry.getWorker('w1')!.lastSeenMs).to.equal(T0 + 20_000);
      expect(registry.ageMs(registry.getWorker('w2')!.lastSeenMs)).to.equal(0);
      expectListsConsistent(registry);

      // The clock resumes from its earlier value: nothing looks younger than it is.
      clock.advance(20_000); // the clock reads T0 + 25 s
      expect(registry.now()).to.equal(T0 + 25_000);
      expect(registry.ageMs(registry.getWorker('w1')!.lastSeenMs)).to.equal(5_000);
      registry.heartbeat('w4', 'hive-a', { url: 'http://10.0.0.9:1' });
      expectListsConsistent(registry);
      clock.advance(29_999); // w1/w2/w3 at 34 999 ms, w4 at 29 999 ms
      expect(workerIds(registry.listWorkers({ maxAgeMs: 30_000 }))).to.deep.equal(['w4']);
      expect(hiveIds(registry.activeHives())).to.deep.equal(['hive-a']);
      expect(registry.onlineWorkerCount()).to.equal(1);
      expect(registry.bestWorker('m')?.workerId).to.equal('w4');
    });

    it('keeps workers and hives in heartbeat order when the clock jumps back repeatedly', () => {
      const { clock, registry } = setup();
      const steps = [5_000, -3_000, 1_000, -10_000, 7_000, 0, -1, 20_000, -20_000];
      const beats = ['w1:hive-a', 'w2:hive-b', 'w3:hive-a', 'w1:hive-c', 'w4:hive-b', 'w2:hive-a', 'w5:hive-d', 'w3:hive-d', 'w4:hive-b'];
      let maxClock = T0;
      beats.forEach((beat, i) => {
        clock.advance(steps[i]!);
        maxClock = Math.max(maxClock, clock.now());
        const [worker, hive] = beat.split(':') as [string, string];
        registry.heartbeat(worker, hive, {});
        expect(registry.getWorker(worker)!.lastSeenMs).to.equal(maxClock);
        expectListsConsistent(registry);
      });
      for (const w of registry.listWorkers()) expect(registry.ageMs(w.lastSeenMs)).to.be.at.least(0);
    });
  });
});
