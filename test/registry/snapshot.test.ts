// snapshot() and restore(): what survives a restart. Records come back as they were; workers that were online get
// one window of grace from the restore time; offline ones keep their last heartbeat; revisions continue.

import { expect } from 'chai';
import type { RegistryEvent } from '../../src/registry/events.js';
import { type RegistryOptions, WorkerRegistry } from '../../src/registry/registry.js';
import type { WorkerRecord } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';

const T0 = 1_700_000_000_000;
const SAVED_AT = T0 + 40_000;
const RESTORED_AT = SAVED_AT + 100_000;

const FULL = {
  state: 'Busy', health: 'degraded', url: 'http://10.0.0.5:8081', modelId: 'llama', backend: 'cuda', deviceId: 2,
  vramBytes: 8e9, vramTotalBytes: 24e9, ramBytes: 2e9, cpuPercent: 12.5, gpuPercent: 40,
  reportedAt: new Date(T0 + 30_000).toISOString(), reportedAtMs: T0 + 30_000, // sent at +20000: 10 s ahead
} as const;

/** w1 (every field) and w2 online on hive-a; w3 (hive-b) and w4 (hive-c) offline; w5 idle on hive-a. */
function savedRegistry(): { registry: WorkerRegistry; events: RegistryEvent[] } {
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
  return { registry, events };
}

function restored(options: RegistryOptions = {}) {
  const { registry: saved } = savedRegistry();
  const snap = JSON.parse(JSON.stringify(saved.snapshot())) as ReturnType<WorkerRegistry['snapshot']>;
  const clock = new ManualClock(RESTORED_AT);
  const timers = new ManualTimers(clock);
  const registry = new WorkerRegistry({ clock, timers, ...options });
  const events: RegistryEvent[] = [];
  registry.onEvent((e) => events.push(e.event));
  registry.restore(snap);
  return { saved, snap, clock, timers, registry, events };
}

/** Everything a record holds but its liveness. */
function fieldsOf(w: WorkerRecord): Record<string, unknown> {
  const { state, health, url, modelId, backend, deviceId, vramBytes, vramTotalBytes, ramBytes, cpuPercent, gpuPercent, reportedAt, skewMs } = w;
  return { worker: w.workerId, hive: w.hiveId, state, health, url, modelId, backend, deviceId, vramBytes, vramTotalBytes, ramBytes, cpuPercent, gpuPercent, reportedAt, skewMs };
}

const lines = (events: readonly RegistryEvent[]): string[] =>
  events.map((e) => `${e.type} ${e.worker_id ?? '-'} ${e.hive_id ?? '-'} +${e.at_ms - RESTORED_AT}`);

describe('snapshot and restore', () => {
  it('saves every worker, offline ones first, each list oldest heartbeat first, with the revision', () => {
    const { registry, events } = savedRegistry();
    const snap = registry.snapshot();
    expect(snap.savedAtMs).to.equal(SAVED_AT);
    expect(snap.rev).to.equal(events.length);
    expect(snap.workers.map((w) => [w.worker_id, w.online, w.last_seen_ms - T0])).to.deep.equal([
      ['w3', false, 0],
      ['w4', false, 5_000],
      ['w2', true, 20_000],
      ['w1', true, 20_000],
      ['w5', true, 35_000],
    ]);
    expect(snap.workers[3]).to.deep.equal({
      worker_id: 'w1', hive_id: 'hive-a', state: 'Busy', health: 'degraded', url: 'http://10.0.0.5:8081', model_id: 'llama',
      backend: 'cuda', device_id: 2, vram_bytes: 8e9, vram_total_bytes: 24e9, ram_bytes: 2e9, cpu_percent: 12.5, gpu_percent: 40,
      reported_at: new Date(T0 + 30_000).toISOString(), skew_ms: 10_000, last_seen_ms: T0 + 20_000, online: true,
    });
    expect(snap.workers[2]).to.include({ state: null, health: null, model_id: null, vram_bytes: null, skew_ms: null });
  });

  it('brings back the same records, hives, sums and answers, and publishes nothing', () => {
    const { saved, registry, events } = restored();
    expect(events).to.deep.equal([]);
    expect(registry.listWorkers().map(fieldsOf)).to.deep.equal(saved.listWorkers().map(fieldsOf));
    for (const id of ['hive-a', 'hive-b', 'hive-c']) {
      const [was, is] = [saved.getHive(id)!, registry.getHive(id)!];
      const sums = (h: typeof was) => [h.vramUsedBytes, h.ramUsedBytes, h.onlineWorkers, h.onlineVramUsedBytes, h.onlineRamUsedBytes, h.workers.size];
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

  it('gives online workers one window from the restore time and keeps the offline ones\' last heartbeat', () => {
    const { registry, timers, events } = restored({ expiryGuardMinWorkers: 100 });
    expect(registry.listWorkers().map((w) => [w.workerId, w.online, w.lastSeenMs])).to.deep.equal([
      ['w1', true, RESTORED_AT],
      ['w2', true, RESTORED_AT],
      ['w3', false, T0],
      ['w4', false, T0 + 5_000],
      ['w5', true, RESTORED_AT],
    ]);
    expect(registry.getHive('hive-a')!.lastHeartbeatMs).to.equal(RESTORED_AT);
    expect(registry.getHive('hive-c')!.lastHeartbeatMs).to.equal(T0 + 5_000);
    timers.advance(29_999);
    expect(events).to.deep.equal([]);
    // T0 + 300 s (w3's eviction) is RESTORED_AT + 160 s; w4's is 5 s later.
    timers.advance(170_001);
    expect(lines(events)).to.deep.equal([
      'worker.offline w2 hive-a +30000',
      'worker.offline w1 hive-a +30000',
      'worker.offline w5 hive-a +30000',
      'hive.offline - hive-a +30000',
      'worker.evicted w3 hive-b +160000',
      'hive.removed - hive-b +160000',
      'worker.evicted w4 hive-c +165000',
      'hive.removed - hive-c +165000',
    ]);
  });

  it('starts a guard window at the restore time with the restored online workers', () => {
    const { registry } = restored();
    expect(registry.guardStatus()).to.include({ windowStartMs: RESTORED_AT, onlineAtWindowStart: 3, offlinesInWindow: 0, active: false });
  });

  it('continues the revisions from the snapshot\'s', () => {
    const { snap, registry, events } = restored();
    expect(snap.rev).to.be.greaterThan(5);
    expect([registry.events.lastRev, registry.events.oldestRev, registry.events.length]).to.deep.equal([snap.rev, snap.rev + 1, 0]);
    registry.heartbeat('w6', 'hive-d', {});
    expect(events.map((e) => e.rev)).to.deep.equal([snap.rev + 1, snap.rev + 2]);
    expect(registry.events.since(snap.rev).map((e) => e.event)).to.deep.equal(events);
  });

  it('round-trips: a snapshot of the restored registry is the saved one, with the new heartbeat times', () => {
    const { snap, registry } = restored();
    const again = registry.snapshot();
    expect(again.rev).to.equal(snap.rev);
    expect(again.savedAtMs).to.equal(RESTORED_AT);
    expect(again.workers).to.deep.equal(snap.workers.map((w) => (w.online ? { ...w, last_seen_ms: RESTORED_AT } : w)));
  });

  it('refuses to restore into a registry that has workers, and changes nothing', () => {
    const { snap, registry } = restored();
    const before = registry.snapshot();
    expect(() => registry.restore(snap)).to.throw(Error, 'restore needs an empty registry');
    expect(registry.snapshot()).to.deep.equal(before);
    expect(registry.workerCount()).to.equal(5);
  });
});
