// The liveness engine driven by fake timers: transitions at their deadlines, the events they publish, queries
// that stay exact when no timer (or a late one) has run, batched timer runs, and the mass-expiry guard.

import { expect } from 'chai';
import type { RegistryEvent } from '../../src/registry/events.js';
import { type GuardMode, type RegistryOptions, WorkerRegistry } from '../../src/registry/registry.js';
import { systemTimers, type Timers } from '../../src/registry/timers.js';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';

const T0 = 1_700_000_000_000;

interface Fixture {
  clock: ManualClock;
  timers: ManualTimers;
  registry: WorkerRegistry;
  /** Every event, in the order the registry published it. */
  all: RegistryEvent[];
  /** The clock reading when each event was published (a timer runs with the clock at its due time). */
  publishedAt: number[];
  /** The events since the previous take, one line each. */
  take(): string[];
}

function setup(options: RegistryOptions & { withTimers?: boolean; guard?: GuardMode } = {}): Fixture {
  const { withTimers = true, guard = 'auto', ...rest } = options;
  const clock = new ManualClock(T0);
  const timers = new ManualTimers(clock);
  const registry = new WorkerRegistry({ clock, ...(withTimers ? { timers } : {}), ...rest });
  registry.setGuardMode(guard);
  const all: RegistryEvent[] = [];
  const publishedAt: number[] = [];
  registry.onEvent((e) => {
    all.push(e.event);
    publishedAt.push(clock.now());
  });
  let taken = 0;
  return {
    clock,
    timers,
    registry,
    all,
    publishedAt,
    take() {
      const out = lines(all.slice(taken));
      taken = all.length;
      return out;
    },
  };
}

/** `type worker hive +ms`, the time relative to T0: readable in a failing diff. */
function lines(events: readonly RegistryEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.worker_id ?? '-'} ${e.hive_id ?? '-'} +${e.at_ms - T0}`);
}

const ids = (records: ReadonlyArray<{ workerId: string } | { hiveId: string }>): string[] =>
  records.map((r) => ('workerId' in r ? r.workerId : r.hiveId));

describe('liveness engine', () => {
  describe('timed transitions', () => {
    it('takes a worker offline when its timer fires at the deadline, not a millisecond earlier', () => {
      const f = setup();
      f.registry.heartbeat('w1', 'hive-a', {});
      const w1 = f.registry.getWorker('w1')!;
      f.take();
      expect(f.timers.nextAt).to.equal(T0 + 30_000);
      f.timers.advance(29_999);
      // No query in between: only a timer can have changed anything.
      expect(f.take()).to.deep.equal([]);
      expect(w1.online).to.equal(true);
      f.timers.advance(10_001);
      expect(f.take()).to.deep.equal(['worker.offline w1 hive-a +30000', 'hive.offline - hive-a +30000']);
      expect(f.publishedAt.slice(-2)).to.deep.equal([T0 + 30_000, T0 + 30_000]);
      expect(w1.online).to.equal(false);
      expect(f.registry.getHive('hive-a')).to.include({ onlineWorkers: 0, onlineVramUsedBytes: 0, onlineRamUsedBytes: 0 });
    });

    it('evicts an offline worker when its timer fires at lastSeen + evictAfterMs, and drops its empty hive', () => {
      const f = setup();
      f.registry.heartbeat('w1', 'hive-a', {});
      f.timers.advance(299_999);
      expect(f.take()).to.deep.equal([
        'worker.online w1 hive-a +0',
        'hive.online - hive-a +0',
        'worker.offline w1 hive-a +30000',
        'hive.offline - hive-a +30000',
      ]);
      f.timers.advance(50_001);
      expect(f.take()).to.deep.equal(['worker.evicted w1 hive-a +300000', 'hive.removed - hive-a +300000']);
      expect(f.publishedAt.slice(-2)).to.deep.equal([T0 + 300_000, T0 + 300_000]);
      expect(f.registry.getWorker('w1')).to.equal(undefined);
      expect(f.registry.listHives()).to.deep.equal([]);
      expect(f.timers.size).to.equal(0);
    });

    it('never evicts with evictAfterMs 0, and arms no timer once nothing is pending', () => {
      const f = setup({ evictAfterMs: 0 });
      f.registry.heartbeat('w1', 'hive-a', { vramBytes: 7 });
      f.timers.advance(30_000);
      expect(f.timers.size).to.equal(0);
      f.timers.advance(10 * 86_400_000);
      expect(f.take().slice(2)).to.deep.equal(['worker.offline w1 hive-a +30000', 'hive.offline - hive-a +30000']);
      expect(f.registry.getWorker('w1')).to.include({ online: false, vramBytes: 7, lastSeenMs: T0 });
      expect(f.registry.getHive('hive-a')).to.include({ vramUsedBytes: 7, onlineVramUsedBytes: 0 });
    });

    it('moves the deadline with every beat; the timer armed for the old one changes nothing', () => {
      const f = setup();
      f.registry.heartbeat('w1', 'hive-a', {});
      f.timers.advance(20_000);
      f.registry.heartbeat('w1', 'hive-a', {});
      f.take();
      f.timers.advance(29_999); // T0 + 49 999: past the first deadline
      expect(f.take()).to.deep.equal([]);
      f.timers.advance(1);
      expect(f.take()).to.deep.equal(['worker.offline w1 hive-a +50000', 'hive.offline - hive-a +50000']);
    });

    it('takes workers due at the same ms offline in heartbeat order, and offline before evicted', () => {
      // Guard off: both workers of hive-a dying at once would trip it and hold the evictions.
      const f = setup({ evictAfterMs: 60_000, guard: 'off' });
      f.registry.heartbeat('w2', 'hive-a', {});
      f.registry.heartbeat('w1', 'hive-a', {});
      f.timers.advance(30_000);
      f.registry.heartbeat('w3', 'hive-b', {}); // T0 + 30 s: offline at T0 + 60 s, when w1 and w2 are evicted
      f.take();
      f.timers.advance(30_000);
      expect(f.take().slice(0, 2)).to.deep.equal(['worker.offline w3 hive-b +60000', 'hive.offline - hive-b +60000']);
      expect(
        lines(f.all)
          .filter((l) => l.startsWith('worker.offline'))
          .slice(0, 2),
      ).to.deep.equal(['worker.offline w2 hive-a +30000', 'worker.offline w1 hive-a +30000']);
      expect(lines(f.all).slice(-5)).to.deep.equal([
        'worker.offline w3 hive-b +60000',
        'hive.offline - hive-b +60000',
        'worker.evicted w2 hive-a +60000',
        'worker.evicted w1 hive-a +60000',
        'hive.removed - hive-a +60000',
      ]);
    });

    it('applies offline and eviction of one worker at the same ms in that order when the windows are equal', () => {
      const f = setup({ evictAfterMs: 30_000 });
      f.registry.heartbeat('w1', 'hive-a', {});
      f.take();
      f.timers.advance(30_000);
      expect(f.take()).to.deep.equal([
        'worker.offline w1 hive-a +30000',
        'hive.offline - hive-a +30000',
        'worker.evicted w1 hive-a +30000',
        'hive.removed - hive-a +30000',
      ]);
    });

    it('brings an offline worker back (false) and registers an evicted one anew (true)', () => {
      const f = setup({ evictAfterMs: 60_000 });
      f.registry.heartbeat('w1', 'hive-a', { modelId: 'llama', vramBytes: 5 });
      f.timers.advance(40_000);
      f.take();
      expect(f.registry.heartbeat('w1', 'hive-a', {})).to.equal(false);
      expect(f.take()).to.deep.equal(['worker.online w1 hive-a +40000', 'hive.online - hive-a +40000']);
      expect(f.registry.getWorker('w1')).to.include({ online: true, modelId: 'llama', vramBytes: 5 });
      expect(f.registry.getHive('hive-a')).to.include({ onlineWorkers: 1, onlineVramUsedBytes: 5 });
      expect(f.registry.bestWorker('llama')?.workerId).to.equal('w1');
      f.timers.advance(90_000); // offline at +70000, evicted at +100000
      expect(f.take()).to.deep.equal([
        'worker.offline w1 hive-a +70000',
        'hive.offline - hive-a +70000',
        'worker.evicted w1 hive-a +100000',
        'hive.removed - hive-a +100000',
      ]);
      expect(f.registry.heartbeat('w1', 'hive-a', {})).to.equal(true);
      expect(f.registry.getWorker('w1')).to.include({ modelId: null, vramBytes: null });
    });
  });

  describe('queries without timers', () => {
    it('answers exactly from the clock alone, with each event at its deadline', () => {
      const f = setup({ withTimers: false, evictAfterMs: 300_000, guard: 'off' });
      f.registry.heartbeat('w1', 'hive-a', { modelId: 'llama', vramBytes: 3, ramBytes: 4 });
      f.clock.advance(10_000);
      f.registry.heartbeat('w2', 'hive-b', { modelId: 'mistral', url: 'http://10.0.0.2:1' });
      f.take();
      f.clock.advance(19_999);
      expect(f.registry.onlineWorkerCount()).to.equal(2);
      expect(f.take()).to.deep.equal([]);
      f.clock.advance(1);
      expect(f.registry.onlineWorkerCount()).to.equal(1);
      expect(ids(f.registry.activeHives())).to.deep.equal(['hive-b']);
      expect(f.registry.getHive('hive-a')).to.include({
        onlineWorkers: 0,
        onlineVramUsedBytes: 0,
        onlineRamUsedBytes: 0,
        vramUsedBytes: 3,
      });
      expect(f.registry.bestWorker('llama')?.workerId).to.equal('w2');
      f.clock.advance(100_000); // T0 + 130 s, long after w2's deadline
      expect(f.registry.onlineWorkerCount()).to.equal(0);
      f.clock.advance(200_000); // T0 + 330 s: w1 due at +300000, w2 at +310000
      expect(f.registry.workerCount()).to.equal(0);
      expect(f.take()).to.deep.equal([
        'worker.offline w1 hive-a +30000',
        'hive.offline - hive-a +30000',
        'worker.offline w2 hive-b +40000',
        'hive.offline - hive-b +40000',
        'worker.evicted w1 hive-a +300000',
        'hive.removed - hive-a +300000',
        'worker.evicted w2 hive-b +310000',
        'hive.removed - hive-b +310000',
      ]);
    });

    it('answers exactly when the timer is late, and the late timer then adds nothing', () => {
      const f = setup();
      f.registry.heartbeat('w1', 'hive-a', {});
      f.take();
      f.clock.advance(45_000); // the clock moves; the timer due at +30000 has not run
      expect(f.registry.isHiveOnline('hive-a')).to.equal(false);
      expect(f.take()).to.deep.equal(['worker.offline w1 hive-a +30000', 'hive.offline - hive-a +30000']);
      f.timers.advance(0);
      expect(f.take()).to.deep.equal([]);
    });

    // Each query alone must first apply what is due: w-gone (clock-skewed, idle with model llama, hive-a) went
    // offline and was evicted at +30000 exactly; w-live (hive-b) is online. Nothing looked in between.
    const queries: Array<[string, (r: WorkerRegistry) => unknown, unknown]> = [
      ['getWorker', (r) => r.getWorker('w-gone'), undefined],
      ['getHive', (r) => r.getHive('hive-a'), undefined],
      ['workersOnHive', (r) => ids(r.workersOnHive('hive-a')), []],
      ['listWorkers', (r) => ids(r.listWorkers()), ['w-live']],
      ['listWorkers by model', (r) => ids(r.listWorkers({ modelId: 'llama' })), []],
      ['listHives', (r) => ids(r.listHives()), ['hive-b']],
      ['activeHives', (r) => ids(r.activeHives()), ['hive-b']],
      ['isHiveOnline', (r) => r.isHiveOnline('hive-a'), false],
      ['onlineWorkerCount', (r) => r.onlineWorkerCount(), 1],
      ['workerCount', (r) => r.workerCount(), 1],
      ['hiveCount', (r) => r.hiveCount(), 1],
      ['bestWorker', (r) => r.bestWorker('llama')?.workerId, 'w-live'],
      ['skewedWorkerCount', (r) => r.skewedWorkerCount(), 0],
      [
        'openSnapshot',
        (r) => {
          const reader = r.openSnapshot();
          const ids = reader.read(100).map((w) => w.worker_id);
          reader.close();
          return ids;
        },
        ['w-live'],
      ],
    ];
    for (const [name, query, expected] of queries) {
      it(`${name} applies the due transitions first`, () => {
        const f = setup({ withTimers: false, evictAfterMs: 30_000 });
        f.registry.heartbeat('w-gone', 'hive-a', { modelId: 'llama', reportedAt: 'far ahead', reportedAtMs: T0 + 3_600_000 });
        f.clock.advance(10_000);
        f.registry.heartbeat('w-live', 'hive-b', { modelId: 'mistral', url: 'http://10.0.0.2:1' });
        f.take();
        f.clock.advance(20_000);
        expect(query(f.registry)).to.deep.equal(expected);
        expect(f.take()).to.deep.equal([
          'worker.offline w-gone hive-a +30000',
          'hive.offline - hive-a +30000',
          'worker.evicted w-gone hive-a +30000',
          'hive.removed - hive-a +30000',
        ]);
      });
    }
  });

  describe('events', () => {
    it('publishes worker.state only when the state, health or model really changes', () => {
      const f = setup();
      f.registry.heartbeat('w1', 'hive-a', { state: 'Idle', modelId: 'llama' });
      f.registry.heartbeat('w2', 'hive-a', {});
      f.clock.advance(1_000);
      f.take();
      f.registry.heartbeat('w1', 'hive-a', {
        state: 'Idle',
        modelId: 'llama',
        gpuPercent: 50,
        vramBytes: 5,
        url: 'http://h:1',
        backend: 'cuda',
      });
      // Never sent STATE/HEALTH: it already counted as Idle and healthy, so naming them changes nothing.
      f.registry.heartbeat('w2', 'hive-a', { state: 'Idle', health: 'healthy' });
      expect(f.take()).to.deep.equal([]);
      f.registry.heartbeat('w1', 'hive-a', { state: 'Busy' });
      f.registry.heartbeat('w1', 'hive-a', { state: 'Busy', health: 'degraded' });
      f.registry.heartbeat('w1', 'hive-a', { modelId: 'mistral' });
      f.registry.heartbeat('w2', 'hive-a', { modelId: 'qwen' });
      f.registry.heartbeat('w1', 'hive-a', { modelId: 'mistral', state: 'Busy', health: 'degraded' });
      expect(f.take()).to.deep.equal([
        'worker.state w1 hive-a +1000',
        'worker.state w1 hive-a +1000',
        'worker.state w1 hive-a +1000',
        'worker.state w2 hive-a +1000',
      ]);
      const details = f.all.slice(-4).map(({ state, health, model_id, url, backend }) => ({ state, health, model_id, url, backend }));
      expect(details).to.deep.equal([
        { state: 'Busy', health: 'healthy', model_id: 'llama', url: 'http://h:1', backend: 'cuda' },
        { state: 'Busy', health: 'degraded', model_id: 'llama', url: 'http://h:1', backend: 'cuda' },
        { state: 'Busy', health: 'degraded', model_id: 'mistral', url: 'http://h:1', backend: 'cuda' },
        { state: 'Idle', health: 'healthy', model_id: 'qwen', url: null, backend: null },
      ]);
    });

    it('gives worker.online the state the worker came with, and hive.online only for the first online worker', () => {
      const f = setup();
      f.registry.heartbeat('w1', 'hive-a', { state: 'Loading', modelId: 'llama', health: 'degraded' });
      f.registry.heartbeat('w2', 'hive-a', {});
      expect(f.take()).to.deep.equal(['worker.online w1 hive-a +0', 'hive.online - hive-a +0', 'worker.online w2 hive-a +0']);
      expect(f.all[0]).to.include({ state: 'Loading', health: 'degraded', model_id: 'llama' });
      expect(f.all[2]).to.include({ state: 'Idle', health: 'healthy', model_id: null });
    });

    it('reports a move as worker.state with moved_from, with the hive changes it causes', () => {
      const f = setup({ expiryGuardMinWorkers: 100 });
      f.registry.heartbeat('w1', 'hive-a', {});
      f.registry.heartbeat('w2', 'hive-a', {});
      f.registry.heartbeat('w3', 'hive-b', {});
      f.clock.advance(1_000);
      f.take();
      f.registry.heartbeat('w1', 'hive-b', {});
      f.registry.heartbeat('w2', 'hive-c', { state: 'Busy' });
      expect(f.take()).to.deep.equal([
        'worker.state w1 hive-b +1000',
        'worker.state w2 hive-c +1000',
        'hive.online - hive-c +1000',
        'hive.removed - hive-a +1000',
      ]);
      expect(f.all.slice(-4, -2).map((e) => [e.moved_from, e.state])).to.deep.equal([
        ['hive-a', 'Idle'],
        ['hive-a', 'Busy'],
      ]);

      // Leaving behind only offline workers takes the old hive offline.
      f.timers.advance(20_000); // +21000
      f.registry.heartbeat('w2', 'hive-c', {});
      f.timers.advance(15_000); // +36000: w1 and w3 went offline at +31000
      f.take();
      f.registry.heartbeat('w2', 'hive-b', {});
      expect(f.take()).to.deep.equal(['worker.state w2 hive-b +36000', 'hive.online - hive-b +36000', 'hive.removed - hive-c +36000']);
      f.registry.heartbeat('w4', 'hive-c', {});
      f.registry.heartbeat('w2', 'hive-c', {});
      expect(f.take()).to.deep.equal([
        'worker.online w4 hive-c +36000',
        'hive.online - hive-c +36000',
        'worker.state w2 hive-c +36000',
        'hive.offline - hive-b +36000',
      ]);

      // An offline worker that comes back elsewhere: worker.online in the new hive (no worker.state).
      f.registry.heartbeat('w3', 'hive-d', {});
      f.registry.heartbeat('w1', 'hive-c', {});
      expect(f.take()).to.deep.equal([
        'worker.online w3 hive-d +36000',
        'hive.online - hive-d +36000',
        'worker.online w1 hive-c +36000',
        'hive.removed - hive-b +36000',
      ]);
      expect(ids(f.registry.workersOnHive('hive-c'))).to.deep.equal(['w1', 'w2', 'w4']);
      expect(f.registry.getHive('hive-c')!.onlineWorkers).to.equal(3);
    });

    it('publishes removals, and hive.offline or hive.removed for the hive they leave', () => {
      const f = setup({ evictAfterMs: 0, expiryGuardMinWorkers: 100 });
      f.registry.heartbeat('w1', 'hive-a', {});
      f.registry.heartbeat('w2', 'hive-a', {});
      f.registry.heartbeat('w4', 'hive-b', {});
      f.registry.heartbeat('w3', 'hive-b', {});
      f.registry.heartbeat('w5', 'hive-c', {});
      f.timers.advance(10_000);
      f.registry.heartbeat('w6', 'hive-c', {});
      f.timers.advance(25_000); // +35000: w1..w5 offline since +30000
      f.registry.heartbeat('w1', 'hive-a', {});
      f.registry.heartbeat('w2', 'hive-a', {});
      f.take();
      expect(f.registry.removeWorker('nope')).to.equal(false);
      expect(f.registry.removeHive('nope')).to.equal(false);
      expect(f.registry.removeWorker('w1')).to.equal(true);
      expect(f.registry.removeWorker('w2')).to.equal(true);
      expect(f.registry.removeWorker('w6')).to.equal(true);
      expect(f.registry.removeHive('hive-b')).to.equal(true);
      expect(f.registry.removeHive('hive-c')).to.equal(true);
      expect(f.take()).to.deep.equal([
        'worker.removed w1 hive-a +35000',
        'worker.removed w2 hive-a +35000',
        'hive.removed - hive-a +35000',
        'worker.removed w6 hive-c +35000',
        'hive.offline - hive-c +35000',
        // By worker id, not heartbeat order; an offline hive gets no hive.offline on its way out.
        'worker.removed w3 hive-b +35000',
        'worker.removed w4 hive-b +35000',
        'hive.removed - hive-b +35000',
        'worker.removed w5 hive-c +35000',
        'hive.removed - hive-c +35000',
      ]);
      expect(f.registry.workerCount()).to.equal(0);
      expect(f.registry.onlineWorkerCount()).to.equal(0);
    });

    it('numbers events 1, 2, 3… and keeps them in the log in the order published', () => {
      const f = setup({ evictAfterMs: 60_000 });
      f.registry.heartbeat('w1', 'hive-a', {});
      f.registry.heartbeat('w2', 'hive-b', { state: 'Busy' });
      f.registry.heartbeat('w2', 'hive-a', {});
      f.timers.advance(120_000);
      f.registry.heartbeat('w1', 'hive-a', {});
      f.registry.removeHive('hive-a');
      expect(f.all.length).to.be.greaterThan(8);
      expect(f.all.map((e) => e.rev)).to.deep.equal(f.all.map((_, i) => i + 1));
      expect(f.registry.events.lastRev).to.equal(f.all.length);
      const logged = f.registry.events.since(0);
      expect(logged.map((e) => e.event)).to.deep.equal(f.all);
      expect(logged.map((e) => JSON.parse(e.json))).to.deep.equal(JSON.parse(JSON.stringify(f.all)));
      for (let i = 1; i < f.all.length; i++) expect(f.all[i]!.at_ms).to.be.at.least(f.all[i - 1]!.at_ms);
    });
  });

  describe('deadlines further away than a timer can wait (2^31-1 ms)', () => {
    const DAY = 86_400_000;

    it('reaches a 30-day eviction in a few timer runs, at its exact time (a timer clamped to 1 ms would spin)', () => {
      const f = setup({ evictAfterMs: 30 * DAY });
      f.registry.heartbeat('w1', 'hive-a', {});
      f.timers.advance(30_000);
      expect(f.take()).to.deep.equal([
        'worker.online w1 hive-a +0',
        'hive.online - hive-a +0',
        'worker.offline w1 hive-a +30000',
        'hive.offline - hive-a +30000',
      ]);
      const before = f.timers.fired;
      f.timers.advance(30 * DAY - 30_001);
      expect(f.take()).to.deep.equal([]);
      expect(f.registry.getWorker('w1')?.online).to.equal(false);
      f.timers.advance(1);
      expect(f.take()).to.deep.equal([`worker.evicted w1 hive-a +${30 * DAY}`, `hive.removed - hive-a +${30 * DAY}`]);
      // One wake-up at 2^31-1 ms (about 24.8 days), one at the deadline.
      expect(f.timers.fired - before).to.equal(2);
    });

    it('arms the real timer without a TimeoutOverflowWarning', async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.name);
      process.on('warning', onWarning);
      const registry = new WorkerRegistry({ timers: systemTimers, offlineAfterMs: 30 * DAY, evictAfterMs: 60 * DAY });
      try {
        registry.heartbeat('w1', 'hive-a', {});
        // Node emits the warning on the next tick.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
      } finally {
        registry.stop();
        process.off('warning', onWarning);
      }
      expect(warnings).to.not.include('TimeoutOverflowWarning');
    });
  });

  describe('batched timer runs', () => {
    /** Fake timers that run one due timer at a time, so a test can look between runs. */
    class SteppedTimers implements Timers {
      readonly armed: Array<{ id: number; at: number; delayMs: number; fn: () => void }> = [];
      private nextId = 1;
      constructor(private readonly clock: ManualClock) {}
      set(fn: () => void, delayMs: number): unknown {
        const id = this.nextId++;
        this.armed.push({ id, at: this.clock.now() + delayMs, delayMs, fn });
        return id;
      }
      clear(handle: unknown): void {
        const i = this.armed.findIndex((t) => t.id === handle);
        if (i >= 0) this.armed.splice(i, 1);
      }
      /** Runs the earliest timer due by now; returns its delay, or undefined when none is due. */
      runOne(): number | undefined {
        const due = this.armed.filter((t) => t.at <= this.clock.now()).sort((a, b) => a.at - b.at || a.id - b.id)[0];
        if (due === undefined) return undefined;
        this.armed.splice(this.armed.indexOf(due), 1);
        due.fn();
        return due.delayMs;
      }
    }

    function hundredWorkers(timerBatch: number) {
      const clock = new ManualClock(T0);
      const timers = new SteppedTimers(clock);
      const registry = new WorkerRegistry({ clock, timers, timerBatch, evictAfterMs: 60_000 });
      registry.setGuardMode('off'); // a hundred workers dying at once would trip it
      const events: RegistryEvent[] = [];
      registry.onEvent((e) => events.push(e.event));
      for (let i = 0; i < 100; i++) registry.heartbeat(`w${String(i).padStart(3, '0')}`, `hive-${i % 10}`, {});
      events.length = 0;
      return { clock, timers, registry, events };
    }

    const count = (events: RegistryEvent[], type: string) => events.filter((e) => e.type === type).length;

    it('applies at most timerBatch transitions per run and re-arms with no delay until done', () => {
      const { clock, timers, events } = hundredWorkers(10);
      expect(timers.armed.map((t) => t.delayMs)).to.deep.equal([30_000]);
      clock.advance(30_000);
      const runs: Array<[number | undefined, number]> = [];
      for (;;) {
        const before = count(events, 'worker.offline');
        const delay = timers.runOne();
        if (delay === undefined) break;
        runs.push([delay, count(events, 'worker.offline') - before]);
      }
      expect(runs).to.deep.equal([[30_000, 10], ...Array.from({ length: 9 }, () => [0, 10])]);
      // In heartbeat order, each at the deadline, and every hive offline once its last worker is.
      const offline = events.filter((e) => e.type === 'worker.offline');
      expect(offline.map((e) => e.worker_id)).to.deep.equal(Array.from({ length: 100 }, (_, i) => `w${String(i).padStart(3, '0')}`));
      expect(new Set(events.map((e) => e.at_ms))).to.deep.equal(new Set([T0 + 30_000]));
      expect(count(events, 'hive.offline')).to.equal(10);
      // The next timer is the evictions', batched the same way.
      expect(timers.armed.map((t) => t.at)).to.deep.equal([T0 + 60_000]);
      clock.advance(30_000);
      const evictions: number[] = [];
      while (timers.runOne() !== undefined) evictions.push(count(events, 'worker.evicted'));
      expect(evictions).to.deep.equal([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
      expect(timers.armed).to.deep.equal([]);
    });

    it('does not re-arm when a run ends exactly at the batch size', () => {
      const clock = new ManualClock(T0);
      const timers = new SteppedTimers(clock);
      const registry = new WorkerRegistry({ clock, timers, timerBatch: 10, evictAfterMs: 0 });
      registry.setGuardMode('off');
      for (let i = 0; i < 10; i++) registry.heartbeat(`w${i}`, 'hive-a', {});
      clock.advance(30_000);
      expect(timers.runOne()).to.equal(30_000);
      expect(timers.armed).to.deep.equal([]);
    });

    it('a query between two runs applies the rest at once; the next run finds nothing', () => {
      const { clock, timers, registry, events } = hundredWorkers(10);
      clock.advance(30_000);
      timers.runOne();
      expect(count(events, 'worker.offline')).to.equal(10);
      expect(registry.onlineWorkerCount()).to.equal(0);
      expect(count(events, 'worker.offline')).to.equal(100);
      expect(timers.runOne()).to.equal(0);
      expect(count(events, 'worker.offline')).to.equal(100);
      expect(timers.armed.map((t) => t.at)).to.deep.equal([T0 + 60_000]);
    });
  });

  describe('mass-expiry guard', () => {
    /** Four workers on hive-a at T0; a window starts at T0, then every 30 s. */
    function four(options: RegistryOptions = {}): Fixture {
      const f = setup({ evictAfterMs: 60_000, ...options });
      for (const id of ['w1', 'w2', 'w3', 'w4']) f.registry.heartbeat(id, 'hive-a', {});
      return f;
    }

    it('trips when more than half the workers online at a window start go offline in it, and holds evictions', () => {
      const f = four();
      f.timers.advance(10_000);
      f.registry.heartbeat('w4', 'hive-a', {});
      f.take();
      f.timers.advance(20_000); // +30000: a new window with 4 online; w1..w3 go offline at its start
      expect(f.take()).to.deep.equal([
        'worker.offline w1 hive-a +30000',
        'worker.offline w2 hive-a +30000',
        'worker.offline w3 hive-a +30000',
        'guard.on - - +30000',
      ]);
      expect(f.all.at(-1)).to.include({ mode: 'auto', online: 1, baseline: 4 });
      expect(f.registry.guardStatus()).to.include({ mode: 'auto', active: true, baseline: 4, onlineAtWindowStart: 4, offlinesInWindow: 3 });
      // Held: past every eviction deadline (+60000, and +70000 for w4), nothing is evicted.
      f.timers.advance(70_000); // +100000
      expect(f.take()).to.deep.equal(['worker.offline w4 hive-a +40000', 'hive.offline - hive-a +40000']);
      expect(f.registry.workerCount()).to.equal(4);
      expect(f.registry.getWorker('w1')).to.include({ online: false, lastSeenMs: T0 });

      // Lifts when more than half the baseline (here 3 of 4) is back; the workers it held get one offline window
      // of grace from the lift (they may be on their way back), then are evicted.
      f.registry.heartbeat('w1', 'hive-a', {});
      f.registry.heartbeat('w2', 'hive-a', {});
      expect(f.registry.guardStatus().active).to.equal(true); // 2 of 4 is not more than half
      f.timers.advance(1_000); // +101000
      f.registry.heartbeat('w3', 'hive-a', {});
      f.timers.advance(20_000); // +121000
      for (const id of ['w1', 'w2', 'w3']) f.registry.heartbeat(id, 'hive-a', {});
      f.timers.advance(10_000 - 1);
      expect(f.take()).to.deep.equal([
        'worker.online w1 hive-a +100000',
        'hive.online - hive-a +100000',
        'worker.online w2 hive-a +100000',
        'worker.online w3 hive-a +101000',
        'guard.off - - +101000',
      ]);
      expect(f.all.at(-1)).to.include({ mode: 'auto', online: 3, baseline: 4, reason: 'back', evictions_resume_at_ms: T0 + 131_000 });
      expect(f.registry.guardStatus()).to.include({ active: false, sinceMs: 0, evictionsResumeAtMs: T0 + 131_000 });
      f.timers.advance(1);
      expect(f.take()).to.deep.equal(['worker.evicted w4 hive-a +131000']);
      expect(ids(f.registry.listWorkers())).to.deep.equal(['w1', 'w2', 'w3']);
    });

    it('does not trip again in the window it lifted in while enough workers are online', () => {
      const f = four();
      f.timers.advance(10_000);
      f.registry.heartbeat('w4', 'hive-a', {}); // offline at +40000
      f.timers.advance(21_000); // tripped at +30000 by w1..w3
      for (const id of ['w1', 'w2', 'w3']) f.registry.heartbeat(id, 'hive-a', {}); // lifts at w2 (3 of 4 online)
      f.timers.advance(14_000); // +45000
      // w4 makes 4 offlines in the window that started with 4 online, but 3 are online: lifting would be immediate.
      expect(lines(f.all).filter((l) => l.startsWith('guard') || l.startsWith('worker.offline w4'))).to.deep.equal([
        'guard.on - - +30000',
        'guard.off - - +31000',
        'worker.offline w4 hive-a +40000',
      ]);
      expect(f.registry.guardStatus()).to.include({ active: false, onlineAtWindowStart: 4, offlinesInWindow: 4 });
    });

    it('does not trip when exactly half go offline; they are evicted on time', () => {
      const f = four();
      f.timers.advance(20_000);
      f.registry.heartbeat('w3', 'hive-a', {});
      f.registry.heartbeat('w4', 'hive-a', {});
      f.take();
      f.timers.advance(25_000); // +45000
      f.registry.heartbeat('w3', 'hive-a', {});
      f.registry.heartbeat('w4', 'hive-a', {});
      f.timers.advance(15_000); // +60000
      expect(f.take()).to.deep.equal([
        'worker.offline w1 hive-a +30000',
        'worker.offline w2 hive-a +30000',
        'worker.evicted w1 hive-a +60000',
        'worker.evicted w2 hive-a +60000',
      ]);
      expect(f.registry.guardStatus()).to.include({ active: false, onlineAtWindowStart: 2, offlinesInWindow: 0 });
    });

    it('judges each window alone: half in one window and half in the next does not trip it', () => {
      const f = four();
      f.timers.advance(20_000);
      f.registry.heartbeat('w3', 'hive-a', {});
      f.registry.heartbeat('w4', 'hive-a', {});
      f.timers.advance(15_000); // w1, w2 offline at +30000: 2 of the 4 online when that window started
      f.registry.heartbeat('w3', 'hive-a', {}); // offline at +65000, in the next window
      f.registry.heartbeat('w4', 'hive-a', {});
      f.timers.advance(25_000); // +60000: a window starts with w3 and w4 online
      f.registry.heartbeat('w4', 'hive-a', {});
      f.timers.advance(70_000); // +130000
      const changes = lines(f.all).filter((l) => !l.startsWith('worker.online') && !l.startsWith('hive.online'));
      expect(changes).to.deep.equal([
        'worker.offline w1 hive-a +30000',
        'worker.offline w2 hive-a +30000',
        'worker.evicted w1 hive-a +60000',
        'worker.evicted w2 hive-a +60000',
        'worker.offline w3 hive-a +65000',
        'worker.offline w4 hive-a +90000',
        'hive.offline - hive-a +90000',
        'worker.evicted w3 hive-a +95000',
        'worker.evicted w4 hive-a +120000',
        'hive.removed - hive-a +120000',
      ]);
    });

    it('trips on three of four going offline over one window, not only at one instant', () => {
      const f = four();
      f.timers.advance(30_000 - 1);
      f.registry.heartbeat('w2', 'hive-a', {}); // offline at +59999, still in the window starting at +30000
      f.registry.heartbeat('w4', 'hive-a', {});
      f.take();
      f.timers.advance(40_000);
      expect(f.take().slice(0, 4)).to.deep.equal([
        'worker.offline w1 hive-a +30000',
        'worker.offline w3 hive-a +30000',
        'worker.offline w2 hive-a +59999',
        'guard.on - - +59999',
      ]);
    });

    it('counts a window start after the window rolls: offlines at the boundary belong to the new window', () => {
      // Two workers at T0: the first window starts at T0 with none online, so their offlines at +30000 are judged
      // against the window starting at +30000, with two online: 2 of 2 trips it.
      const f = setup();
      f.registry.heartbeat('w1', 'hive-a', {});
      f.registry.heartbeat('w2', 'hive-b', {});
      f.timers.advance(30_000);
      expect(lines(f.all).at(-1)).to.equal('guard.on - - +30000');
      expect(f.registry.guardStatus()).to.include({ windowStartMs: T0 + 30_000, onlineAtWindowStart: 2, offlinesInWindow: 2, baseline: 2 });
    });

    it('ignores windows that start with fewer online workers than expiryGuardMinWorkers', () => {
      const lone = setup({ evictAfterMs: 60_000 });
      lone.registry.heartbeat('w1', 'hive-a', {});
      lone.timers.advance(60_000);
      expect(lone.take().slice(-2)).to.deep.equal(['worker.evicted w1 hive-a +60000', 'hive.removed - hive-a +60000']);

      for (const [min, trips] of [
        [5, false],
        [4, true],
      ] as const) {
        const f = four({ expiryGuardMinWorkers: min });
        f.timers.advance(60_000);
        expect(
          lines(f.all).some((l) => l.startsWith('guard.on')),
          `min ${min}`,
        ).to.equal(trips);
        expect(f.registry.workerCount(), `min ${min}`).to.equal(trips ? 4 : 0);
      }
    });

    it('takes another percent', () => {
      for (const [percent, trips] of [
        [75, false],
        [74, true],
      ] as const) {
        const f = four({ expiryGuardPercent: percent });
        f.timers.advance(10_000);
        f.registry.heartbeat('w4', 'hive-a', {});
        f.timers.advance(20_000); // 3 of 4 (75%) go offline at +30000
        expect(f.registry.guardStatus().active, `percent ${percent}`).to.equal(trips);
      }
    });

    it('ON holds evictions whatever the heartbeats, OFF releases them at once', () => {
      const f = four();
      f.timers.advance(10_000);
      f.registry.setGuardMode('on');
      expect(f.take().at(-1)).to.equal('guard.on - - +10000');
      expect(f.all.at(-1)).to.include({ mode: 'on', online: 4, baseline: 4 });
      for (const id of ['w1', 'w2', 'w3']) f.registry.heartbeat(id, 'hive-a', {});
      expect(f.registry.guardStatus()).to.include({ mode: 'on', active: true });
      f.timers.advance(100_000); // +110000: w4 offline at +30000, would be evicted at +60000
      expect(f.take()).to.deep.equal([
        'worker.offline w4 hive-a +30000',
        'worker.offline w1 hive-a +40000',
        'worker.offline w2 hive-a +40000',
        'worker.offline w3 hive-a +40000',
        'hive.offline - hive-a +40000',
      ]);
      expect(f.registry.workerCount()).to.equal(4);
      f.registry.heartbeat('w1', 'hive-a', {});
      f.registry.heartbeat('w2', 'hive-a', {});
      f.registry.heartbeat('w3', 'hive-a', {});
      expect(f.registry.guardStatus().active).to.equal(true);
      f.take();
      f.timers.advance(1_000); // +111000
      f.registry.setGuardMode('off');
      expect(f.registry.workerCount()).to.equal(3);
      expect(f.take()).to.deep.equal(['guard.off - - +111000', 'worker.evicted w4 hive-a +111000']);
      expect(f.all.at(-2)).to.include({ mode: 'off', reason: 'operator', evictions_resume_at_ms: T0 + 111_000 });
    });

    it('OFF never trips on a mass expiry', () => {
      const f = four();
      f.registry.setGuardMode('off');
      f.timers.advance(60_000);
      expect(lines(f.all).filter((l) => l.startsWith('guard'))).to.deep.equal([]);
      expect(f.registry.workerCount()).to.equal(0);
    });

    it('AUTO after ON lifts at once when enough workers are online, and otherwise when they come back', () => {
      const f = four();
      f.registry.setGuardMode('on');
      f.registry.setGuardMode('auto'); // all 4 of the baseline online
      expect(lines(f.all).filter((l) => l.startsWith('guard'))).to.deep.equal(['guard.on - - +0', 'guard.off - - +0']);

      const g = four();
      g.timers.advance(30_000); // all four offline at +30000: AUTO trips it (baseline 4)
      // ON while already held publishes nothing but takes the current online count (0) as the new baseline.
      g.registry.setGuardMode('on');
      g.registry.setGuardMode('auto');
      expect(g.registry.guardStatus()).to.include({ mode: 'auto', active: true });
      g.registry.heartbeat('w1', 'hive-a', {});
      expect(lines(g.all).filter((l) => l.startsWith('guard'))).to.deep.equal(['guard.on - - +30000', 'guard.off - - +30000']);
    });
  });
});
