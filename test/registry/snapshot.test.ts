// openSnapshot() and beginRestore(): what survives a restart. Records come back as they were; liveness follows
// from each worker's last heartbeat, the current windows and the restart clock (never from what was true at
// the save); revisions continue; a save read in chunks is consistent as of its start.

import { expect } from 'chai';
import type { RegistryEvent } from '../../src/registry/events.js';
import { type RegistryOptions, WorkerRegistry } from '../../src/registry/registry.js';
import type { RestoreReport, SnapshotHeader, WorkerSnapshot } from '../../src/registry/snapshot.js';
import type { WorkerView } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';

const T0 = 1_700_000_000_000;
const SAVED_AT = T0 + 40_000;
const RESTORED_AT = SAVED_AT + 5_000;

const FULL = {
  state: 'Busy',
  health: 'degraded',
  url: 'http://10.0.0.5:8081',
  modelId: 'llama',
  backend: 'cuda',
  deviceId: 2,
  vramBytes: 8e9,
  vramTotalBytes: 24e9,
  ramBytes: 2e9,
  cpuPercent: 12.5,
  gpuPercent: 40,
  reportedAt: new Date(T0 + 30_000).toISOString(),
  reportedAtMs: T0 + 30_000, // sent at +20000: 10 s ahead
} as const;

/** w1 (every field) and w2 online on hive-a; w3 (hive-b) and w4 (hive-c) offline; w5 idle on hive-a. */
function savedRegistry(): { registry: WorkerRegistry; events: RegistryEvent[]; clock: ManualClock } {
  const clock = new ManualClock(T0);
  const registry = new WorkerRegistry({ clock, timers: new ManualTimers(clock) });
  const events: RegistryEvent[] = [];
  registry.onEvent((e) => events.push(e.event));
  registry.heartbeat('w3', 'hive-b', { modelId: 'mistral', vramBytes: 3 });
  clock.advance(5_000);
  registry.heartbeat('w4', 'hive-c', { state: 'Loading' });
  clock.advance(15_000); // +20000
  registry.heartbeat('w2', 'hive-a', {});
  registry.heartbeat('w1', 'hive-a', FULL);
  clock.advance(15_000); // +35000
  registry.heartbeat('w5', 'hive-a', { modelId: 'llama', vramTotalBytes: 16e9, gpuPercent: 90 });
  clock.advance(5_000); // SAVED_AT
  return { registry, events, clock };
}

/** Reads a whole snapshot in chunks of `chunk`, through JSON as a file would hold it. */
function save(registry: WorkerRegistry, chunk = 2): { header: SnapshotHeader; workers: WorkerSnapshot[] } {
  const reader = registry.openSnapshot();
  const workers: WorkerSnapshot[] = [];
  for (let part = reader.read(chunk); part.length > 0; part = reader.read(chunk)) workers.push(...part);
  return JSON.parse(JSON.stringify({ header: reader.header, workers }));
}

function restoreInto(registry: WorkerRegistry, snap: { header: SnapshotHeader; workers: WorkerSnapshot[] }): RestoreReport {
  const restorer = registry.beginRestore(snap.header);
  for (const w of snap.workers) restorer.add(w);
  return restorer.finish();
}

function restored(options: RegistryOptions = {}, at = RESTORED_AT) {
  const { registry: saved } = savedRegistry();
  const snap = save(saved);
  const clock = new ManualClock(at);
  const timers = new ManualTimers(clock);
  const registry = new WorkerRegistry({ clock, timers, ...options });
  const events: RegistryEvent[] = [];
  registry.onEvent((e) => events.push(e.event));
  const report = restoreInto(registry, snap);
  return { saved, snap, clock, timers, registry, events, report };
}

/** Everything a record holds but its liveness. */
function fieldsOf(w: WorkerView): Record<string, unknown> {
  const {
    state,
    health,
    url,
    modelId,
    backend,
    deviceId,
    vramBytes,
    vramTotalBytes,
    ramBytes,
    cpuPercent,
    gpuPercent,
    reportedAt,
    skewMs,
    lastSeenMs,
  } = w;
  return {
    worker: w.workerId,
    hive: w.hiveId,
    state,
    health,
    url,
    modelId,
    backend,
    deviceId,
    vramBytes,
    vramTotalBytes,
    ramBytes,
    cpuPercent,
    gpuPercent,
    reportedAt,
    skewMs,
    lastSeenMs,
  };
}

const lines = (events: readonly RegistryEvent[], from = T0): string[] =>
  events.map((e) => `${e.type} ${e.worker_id ?? '-'} ${e.hive_id ?? '-'} +${e.at_ms - from}`);

/** What every query says about one worker's liveness: they must agree. */
function answers(registry: WorkerRegistry, workerId: string) {
  const w = registry.getWorker(workerId)!;
  return {
    get: w.online,
    rule: registry.now() - w.lastSeenMs < registry.offlineAfterMs,
    hiveActive: registry.activeHives().some((h) => h.hiveId === w.hiveId),
    hiveOnline: registry.getHive(w.hiveId)!.online,
    listed: registry.listWorkers({ maxAgeMs: registry.offlineAfterMs }).some((x) => x.workerId === workerId),
    best: registry.bestWorker(w.modelId ?? '')?.workerId === workerId,
  };
}

describe('snapshot and restore', () => {
  it('saves every worker once with the revision, and no liveness flag', () => {
    const { registry, events } = savedRegistry();
    const snap = save(registry);
    expect(snap.header).to.deep.equal({
      rev: events.length,
      savedAtMs: SAVED_AT,
      workers: 5,
      guard: { mode: 'auto', active: false, since_ms: 0, baseline: 0, evictions_resume_at_ms: 0 },
    });
    expect(snap.workers.map((w) => [w.worker_id, w.last_seen_ms - T0]).sort()).to.deep.equal([
      ['w1', 20_000],
      ['w2', 20_000],
      ['w3', 0],
      ['w4', 5_000],
      ['w5', 35_000],
    ]);
    expect(snap.workers.find((w) => w.worker_id === 'w1')).to.deep.equal({
      worker_id: 'w1',
      hive_id: 'hive-a',
      state: 'Busy',
      health: 'degraded',
      url: 'http://10.0.0.5:8081',
      model_id: 'llama',
      backend: 'cuda',
      device_id: 2,
      vram_bytes: 8e9,
      vram_total_bytes: 24e9,
      ram_bytes: 2e9,
      cpu_percent: 12.5,
      gpu_percent: 40,
      reported_at: new Date(T0 + 30_000).toISOString(),
      skew_ms: 10_000,
      last_seen_ms: T0 + 20_000,
    });
    expect(snap.workers.find((w) => w.worker_id === 'w2')).to.include({
      state: null,
      health: null,
      model_id: null,
      vram_bytes: null,
      skew_ms: null,
    });
  });

  it('brings back the same records, hives, sums and answers, and publishes nothing', () => {
    const { saved, registry, events, report } = restored();
    expect(events).to.deep.equal([]);
    expect(report).to.deep.equal({ workers: 5, hives: 3, online: 3, offline: 2, evicted: 0, held: 0, clockAheadMs: 0 });
    expect(registry.listWorkers().map(fieldsOf)).to.deep.equal(saved.listWorkers().map(fieldsOf));
    for (const id of ['hive-a', 'hive-b', 'hive-c']) {
      const [was, is] = [saved.getHive(id)!, registry.getHive(id)!];
      const sums = (h: typeof was) => [
        h.vramUsedBytes,
        h.ramUsedBytes,
        h.onlineWorkers,
        h.onlineVramUsedBytes,
        h.onlineRamUsedBytes,
        h.workerCount,
        h.lastHeartbeatMs,
      ];
      expect(sums(is), id).to.deep.equal(sums(was));
    }
    expect(registry.listHives().map((h) => h.hiveId)).to.deep.equal(['hive-a', 'hive-b', 'hive-c']);
    expect(registry.activeHives().map((h) => h.hiveId)).to.deep.equal(['hive-a']);
    expect(registry.onlineWorkerCount()).to.equal(3);
    expect(registry.skewedWorkerCount()).to.equal(1);
    expect(registry.bestWorker('llama')?.workerId).to.equal('w5');
    expect(registry.bestWorker('llama', { minFreeVramBytes: 16e9 })?.workerId).to.equal('w5');
    expect(registry.bestWorker('llama', { minFreeVramBytes: 16e9 + 1 })?.workerId).to.equal(undefined);
    expect(registry.bestWorker('mistral')?.workerId).to.equal(saved.bestWorker('mistral')?.workerId);
    expect(registry.listWorkers({ modelId: 'llama' }).map((w) => w.workerId)).to.deep.equal(['w1', 'w5']);
    expect(registry.listWorkers({ state: 'Loading' }).map((w) => w.workerId)).to.deep.equal(['w4']);
  });

  it('keeps every deadline where the saved heartbeats put it: the restart neither ages nor refreshes a worker', () => {
    const { registry, timers, events } = restored({ expiryGuardMinWorkers: 100 });
    expect(registry.listWorkers().map((w) => [w.workerId, w.online, w.lastSeenMs - T0])).to.deep.equal([
      ['w1', true, 20_000],
      ['w2', true, 20_000],
      ['w3', false, 0],
      ['w4', false, 5_000],
      ['w5', true, 35_000],
    ]);
    timers.advance(T0 + 306_000 - RESTORED_AT);
    expect(lines(events)).to.deep.equal([
      'worker.offline w2 hive-a +50000',
      'worker.offline w1 hive-a +50000',
      'worker.offline w5 hive-a +65000',
      'hive.offline - hive-a +65000',
      'worker.evicted w3 hive-b +300000',
      'hive.removed - hive-b +300000',
      'worker.evicted w4 hive-c +305000',
      'hive.removed - hive-c +305000',
    ]);
  });

  it('derives liveness from the current windows: an offline worker saved, restored with a longer offline window, is online to every query', () => {
    const { registry } = restored({ offlineAfterMs: 60_000 });
    // w3: last heartbeat 45 s before the restart, offline when saved (30 s window), online under 60 s.
    expect(answers(registry, 'w3')).to.deep.equal({ get: true, rule: true, hiveActive: true, hiveOnline: true, listed: true, best: true });
    expect(registry.onlineWorkerCount()).to.equal(5);
    const shorter = restored({ offlineAfterMs: 10_000 }).registry;
    // w5: online when saved (10 s old), 10 s old at the restart: offline under a 10 s window.
    expect(answers(shorter, 'w5')).to.deep.equal({
      get: false,
      rule: false,
      hiveActive: false,
      hiveOnline: false,
      listed: false,
      best: false,
    });
    expect(shorter.onlineWorkerCount()).to.equal(0);
  });

  it('moves the times of a snapshot from the future of the restart clock back, keeping ages as at the save, and says so', () => {
    const { registry, report, timers, events } = restored({ expiryGuardMinWorkers: 100 }, SAVED_AT - 3_600_000);
    expect(report.clockAheadMs).to.equal(3_600_000);
    const now = registry.now();
    expect(registry.listWorkers().map((w) => [w.workerId, now - w.lastSeenMs, w.online])).to.deep.equal([
      ['w1', 20_000, true],
      ['w2', 20_000, true],
      ['w3', 40_000, false],
      ['w4', 35_000, false],
      ['w5', 5_000, true],
    ]);
    for (const id of ['w1', 'w3', 'w5']) {
      const a = answers(registry, id);
      expect(Object.values(a).every((v) => v === a.get) || (id === 'w1' && !a.best), `${id} ${JSON.stringify(a)}`).to.equal(true);
    }
    timers.advance(10_000);
    expect(lines(events, now)).to.deep.equal(['worker.offline w2 hive-a +10000', 'worker.offline w1 hive-a +10000']);
  });

  it('does not load a worker already past its eviction time at the restart, and counts it', () => {
    const { registry, report, events } = restored({}, T0 + 302_000);
    expect(report).to.deep.equal({ workers: 4, hives: 2, online: 0, offline: 4, evicted: 1, held: 0, clockAheadMs: 0 });
    expect(registry.getWorker('w3')).to.equal(undefined);
    expect(registry.listHives().map((h) => h.hiveId)).to.deep.equal(['hive-a', 'hive-c']);
    expect(events).to.deep.equal([]);
  });

  it('puts records read in any order back in heartbeat order', () => {
    const { registry: saved } = savedRegistry();
    const snap = save(saved);
    snap.workers.reverse();
    const clock = new ManualClock(RESTORED_AT);
    const timers = new ManualTimers(clock);
    const registry = new WorkerRegistry({ clock, timers, expiryGuardMinWorkers: 100 });
    const events: RegistryEvent[] = [];
    registry.onEvent((e) => events.push(e.event));
    restoreInto(registry, snap);
    expect(registry.listWorkers({ maxAgeMs: 21_000 }).map((w) => w.workerId)).to.deep.equal(['w5']);
    timers.advance(300_000);
    expect(lines(events).slice(0, 3)).to.deep.equal([
      'worker.offline w1 hive-a +50000',
      'worker.offline w2 hive-a +50000',
      'worker.offline w5 hive-a +65000',
    ]);
  });

  it('starts a guard window at the restore time with the restored online workers', () => {
    const { registry } = restored();
    expect(registry.guardStatus()).to.include({ windowStartMs: RESTORED_AT, onlineAtWindowStart: 3, offlinesInWindow: 0, active: false });
  });

  it("continues the revisions from the snapshot's", () => {
    const { snap, registry, events } = restored();
    expect(snap.header.rev).to.be.greaterThan(5);
    expect([registry.events.lastRev, registry.events.oldestRev, registry.events.length]).to.deep.equal([
      snap.header.rev,
      snap.header.rev + 1,
      0,
    ]);
    registry.heartbeat('w6', 'hive-d', {});
    expect(events.map((e) => e.rev)).to.deep.equal([snap.header.rev + 1, snap.header.rev + 2]);
    expect(registry.events.since(snap.header.rev).map((e) => e.event)).to.deep.equal(events);
  });

  it('round-trips: a snapshot of the restored registry holds the saved records', () => {
    const { snap, registry } = restored();
    const again = save(registry);
    expect(again.header).to.deep.equal({ ...snap.header, savedAtMs: RESTORED_AT });
    const byId = (a: WorkerSnapshot, b: WorkerSnapshot) => (a.worker_id < b.worker_id ? -1 : 1);
    expect(again.workers.sort(byId)).to.deep.equal(snap.workers.sort(byId));
  });

  it('refuses to restore into a registry that has workers, and changes nothing', () => {
    const { snap, registry } = restored();
    const before = save(registry);
    expect(() => registry.beginRestore(snap.header)).to.throw(Error, 'restore needs an empty registry');
    expect(save(registry)).to.deep.equal(before);
  });

  it('a save read in chunks holds the registry as it was when it opened, whatever happens between chunks', () => {
    const { registry, clock } = savedRegistry();
    const before = save(registry, 1000);
    const reader = registry.openSnapshot();
    const got = reader.read(2);
    clock.advance(1_000);
    // Change or remove every worker, read or not, and add new ones (one under a removed id).
    registry.heartbeat('w1', 'hive-z', { state: 'Idle', vramBytes: 1 });
    registry.heartbeat('w5', 'hive-a', { gpuPercent: 1 });
    registry.removeWorker('w2');
    registry.removeHive('hive-c');
    registry.heartbeat('w2', 'hive-a', { modelId: 'new' });
    registry.heartbeat('w9', 'hive-a', {});
    registry.heartbeat('w3', 'hive-b', { vramBytes: 4 });
    expect(() => registry.openSnapshot()).to.throw(Error, 'a snapshot is already being read');
    for (let part = reader.read(2); part.length > 0; part = reader.read(2)) got.push(...part);
    const byId = (a: WorkerSnapshot, b: WorkerSnapshot) => (a.worker_id < b.worker_id ? -1 : 1);
    expect(got.length).to.equal(reader.header.workers);
    expect(JSON.parse(JSON.stringify(got)).sort(byId)).to.deep.equal(before.workers.sort(byId));
    // The reader closed at its end: the next save sees the changes.
    expect(
      save(registry)
        .workers.map((w) => w.worker_id)
        .sort(),
    ).to.deep.equal(['w1', 'w2', 'w3', 'w5', 'w9']);
  });
});
