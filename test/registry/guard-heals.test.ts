// The mass-expiry guard heals: a cut that heals over a few seconds evicts nobody (the workers it held get one
// offline window of grace after the lift), a fleet stopped on purpose is released after the longest hold and
// evicted at a bounded rate, and a hold or a grace survives a snapshot and restore. All on an injected clock.

import { expect } from 'chai';
import type { RegistryEvent } from '../../src/registry/events.js';
import { type RegistryOptions, WorkerRegistry } from '../../src/registry/registry.js';
import type { SnapshotHeader, WorkerSnapshot } from '../../src/registry/snapshot.js';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';

const T0 = 1_700_000_000_000;
const OFFLINE = 10_000;
const EVICT = 30_000;

function setup(options: RegistryOptions = {}) {
  const clock = new ManualClock(T0);
  const timers = new ManualTimers(clock);
  const registry = new WorkerRegistry({ clock, timers, offlineAfterMs: OFFLINE, evictAfterMs: EVICT, ...options });
  const events: RegistryEvent[] = [];
  registry.onEvent((e) => events.push(e.event));
  const of = (type: string) => events.filter((e) => e.type === type);
  return { clock, timers, registry, events, of };
}

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `w${String(from + i).padStart(2, '0')}`);

/**
 * 50 workers beat at T0; 15 go on beating every second, the other 35 fall silent (a cut) and come back one by
 * one over ~3 s from +45 s, except the last `neverBack` of them.
 */
function cutThatHeals(options: RegistryOptions = {}, neverBack = 0) {
  const f = setup(options);
  const all = ids(50);
  const stay = all.slice(0, 15);
  const cut = all.slice(15);
  for (const id of all) f.registry.heartbeat(id, 'hive-a', {});
  for (let s = 1; s <= 45; s++) {
    f.timers.advance(1_000);
    for (const id of stay) f.registry.heartbeat(id, 'hive-a', {});
  }
  // +45 s: silent for 45 s, past their eviction time (+30 s): held.
  expect(f.registry.guardStatus()).to.include({ active: true, sinceMs: T0 + OFFLINE, baseline: 50 });
  expect(f.of('worker.evicted')).to.deep.equal([]);
  const returning = cut.slice(0, cut.length - neverBack);
  for (const id of returning) {
    f.timers.advance(85); // 35 back over ~3 s
    f.registry.heartbeat(id, 'hive-a', {});
  }
  const alive = [...stay, ...returning];
  /** Time passes by `ms`, the workers that are up beating every second. */
  const live = (ms: number) => {
    for (let left = ms; left > 0; left -= 1_000) {
      f.timers.advance(Math.min(1_000, left));
      for (const id of alive) f.registry.heartbeat(id, 'hive-a', {});
    }
  };
  return { ...f, stay, cut, returning, silent: cut.slice(returning.length), live };
}

describe('the mass-expiry guard heals', () => {
  it('35 of 50 silent for 45 s, all back within 3 s: the guard lifts at 26 online and nobody is evicted', () => {
    const f = cutThatHeals();
    const off = f.of('guard.off');
    expect(off).to.have.length(1);
    // 15 stayed, 11 back: 26 of 50 is more than half.
    expect(off[0]).to.include({ reason: 'back', online: 26, baseline: 50, at_ms: T0 + 45_000 + 11 * 85 });
    expect(off[0]!.evictions_resume_at_ms).to.equal(T0 + 45_000 + 11 * 85 + OFFLINE);
    f.live(10 * 60_000);
    expect(f.of('worker.evicted')).to.deep.equal([]);
    expect(f.of('worker.online').filter((e) => f.cut.includes(e.worker_id!) && e.at_ms > T0)).to.have.length(35);
    expect(f.of('guard.on')).to.have.length(1);
    expect(f.registry.workerCount()).to.equal(50);
  });

  it('evicts the ones still silent one offline window after the lift, none of those that came back', () => {
    const f = cutThatHeals({}, 5);
    const lift = f.of('guard.off')[0]!;
    expect(lift.reason).to.equal('back');
    f.live(OFFLINE - 1 - (f.clock.now() - lift.at_ms));
    expect(f.of('worker.evicted')).to.deep.equal([]);
    f.timers.advance(1);
    f.live(60_000);
    const evicted = f.of('worker.evicted');
    expect(evicted.map((e) => e.worker_id)).to.deep.equal(f.silent);
    expect(evicted.every((e) => e.at_ms === lift.at_ms + OFFLINE)).to.equal(true);
    expect(f.registry.workerCount()).to.equal(45);
  });

  it('drains a backlog at most --evict-rate a second, in heartbeat order', () => {
    const f = cutThatHeals({ evictRate: 2 }, 5);
    const resume = f.of('guard.off')[0]!.evictions_resume_at_ms as number;
    f.live(resume + 5_000 - f.clock.now());
    expect(f.of('worker.evicted').map((e) => [e.worker_id, e.at_ms - resume])).to.deep.equal([
      [f.silent[0], 0],
      [f.silent[1], 0],
      [f.silent[2], 1_000],
      [f.silent[3], 1_000],
      [f.silent[4], 2_000],
    ]);
  });

  describe('--expiry-guard-max-hold', () => {
    /** 20 workers beat once at T0 and never again: a fleet stopped on purpose. */
    function stopped(options: RegistryOptions) {
      const f = setup(options);
      for (const id of ids(20)) f.registry.heartbeat(id, 'hive-a', {});
      f.timers.advance(OFFLINE);
      expect(f.registry.guardStatus()).to.include({ active: true, sinceMs: T0 + OFFLINE });
      return f;
    }

    it('lets go after the longest hold: a guard.off saying so, one window of grace, then evictions at the rate', () => {
      const f = stopped({ expiryGuardMaxHoldMs: 60_000, evictRate: 5 });
      expect(f.registry.guardStatus()).to.include({ maxHoldMs: 60_000 });
      f.timers.advance(60_000 - 1);
      expect(f.registry.guardStatus().active).to.equal(true);
      f.timers.advance(1); // +70 s
      expect(f.of('guard.off')).to.have.length(1);
      expect(f.of('guard.off')[0]).to.include({ reason: 'max-hold', at_ms: T0 + 70_000, evictions_resume_at_ms: T0 + 80_000 });
      expect(f.registry.guardStatus()).to.include({ active: false, sinceMs: 0 });
      f.timers.advance(60_000);
      const at = f.of('worker.evicted').map((e) => e.at_ms - T0);
      expect(at).to.deep.equal([...Array(5).fill(80_000), ...Array(5).fill(81_000), ...Array(5).fill(82_000), ...Array(5).fill(83_000)]);
      expect(f.of('hive.removed')).to.have.length(1);
      expect(f.of('guard.on')).to.have.length(1); // the fleet going nowhere does not trip it again
    });

    it('0 holds until enough workers are back, however long', () => {
      const f = stopped({ expiryGuardMaxHoldMs: 0 });
      f.timers.advance(24 * 3600_000);
      expect(f.registry.guardStatus().active).to.equal(true);
      expect(f.registry.workerCount()).to.equal(20);
    });

    it('does not end a hold the operator asked for with ON', () => {
      const f = setup({ expiryGuardMaxHoldMs: 60_000 });
      for (const id of ids(20)) f.registry.heartbeat(id, 'hive-a', {});
      f.registry.setGuardMode('on');
      f.timers.advance(3600_000);
      expect(f.registry.guardStatus()).to.include({ mode: 'on', active: true, sinceMs: T0 });
      expect(f.registry.workerCount()).to.equal(20);
      // Back to AUTO an hour in: the hold is already longer than the limit, so it ends now, not in the past.
      f.registry.setGuardMode('auto');
      expect(f.of('guard.off')[0]).to.include({ reason: 'max-hold', at_ms: T0 + 3600_000 });
    });

    it('a shorter limit set at run time releases a hold already longer, at the time it is set', () => {
      const f = stopped({ expiryGuardMaxHoldMs: 900_000 });
      f.timers.advance(120_000); // +130 s
      f.registry.setGuardLimits({ maxHoldMs: 60_000 });
      expect(f.of('guard.off')[0]).to.include({ reason: 'max-hold', at_ms: T0 + 130_000 });
      f.timers.advance(OFFLINE);
      expect(f.registry.workerCount()).to.equal(0);
      // A longer one later: holds that long (the timer armed for the old limit wakes and arms again).
      const g = stopped({ expiryGuardMaxHoldMs: 60_000 });
      g.registry.setGuardLimits({ maxHoldMs: 120_000 });
      g.timers.advance(120_000 - 1);
      expect(g.registry.guardStatus().active).to.equal(true);
      g.timers.advance(1);
      expect(g.of('guard.off')[0]).to.include({ reason: 'max-hold', at_ms: T0 + OFFLINE + 120_000 });
    });
  });

  describe('across a restart', () => {
    function save(registry: WorkerRegistry): { header: SnapshotHeader; workers: WorkerSnapshot[] } {
      const reader = registry.openSnapshot();
      const workers: WorkerSnapshot[] = [];
      for (let part = reader.read(7); part.length > 0; part = reader.read(7)) workers.push(...part);
      return JSON.parse(JSON.stringify({ header: reader.header, workers }));
    }

    function restore(snap: { header: SnapshotHeader; workers: WorkerSnapshot[] }, at: number, options: RegistryOptions = {}) {
      const clock = new ManualClock(at);
      const timers = new ManualTimers(clock);
      const registry = new WorkerRegistry({ clock, timers, offlineAfterMs: OFFLINE, evictAfterMs: EVICT, ...options });
      const events: RegistryEvent[] = [];
      registry.onEvent((e) => events.push(e.event));
      const restorer = registry.beginRestore(snap.header);
      for (const w of snap.workers) restorer.add(w);
      return { clock, timers, registry, events, report: restorer.finish() };
    }

    it('keeps every worker the guard held, past its eviction time, and the hold with its start', () => {
      const f = setup();
      for (const id of ids(50)) f.registry.heartbeat(id, 'hive-a', {});
      f.timers.advance(100_000); // all 50 offline at +10 s (trips), past eviction at +30 s: held
      expect(f.registry.workerCount()).to.equal(50);
      const snap = save(f.registry);
      expect(snap.header.guard).to.deep.equal({
        mode: 'auto',
        active: true,
        since_ms: T0 + OFFLINE,
        baseline: 50,
        evictions_resume_at_ms: 0,
      });

      const r = restore(snap, T0 + 160_000);
      expect(r.report).to.include({ workers: 50, offline: 50, evicted: 0, held: 50 });
      expect(r.registry.guardStatus()).to.include({ mode: 'auto', active: true, sinceMs: T0 + OFFLINE, baseline: 50 });
      r.timers.advance(3600_000);
      expect(r.registry.workerCount()).to.equal(50);
      expect(r.events).to.deep.equal([]);
      // They come back: the guard lifts at 26 and the rest get their grace.
      for (const id of ids(30)) r.registry.heartbeat(id, 'hive-a', {});
      expect(r.events.filter((e) => e.type === 'guard.off')[0]).to.include({ reason: 'back', online: 26 });
    });

    it('keeps the grace a lift gave: a restart during it evicts nobody before it ends', () => {
      const f = cutThatHeals({}, 5);
      const resume = f.of('guard.off')[0]!.evictions_resume_at_ms as number;
      const snap = save(f.registry);
      expect(snap.header.guard).to.include({ active: false, evictions_resume_at_ms: resume });
      const r = restore(snap, resume - 2_000);
      expect(r.report).to.include({ workers: 50, held: 5, evicted: 0 });
      const alive = [...f.stay, ...f.returning];
      for (const id of alive) r.registry.heartbeat(id, 'hive-a', {});
      r.timers.advance(2_000 - 1);
      expect(r.registry.workerCount()).to.equal(50);
      r.timers.advance(1);
      expect(r.events.filter((e) => e.type === 'worker.evicted').map((e) => e.worker_id)).to.deep.equal(f.silent);
    });

    it('a hold restored past the longest hold ends at the restore, with the grace', () => {
      const f = setup({ expiryGuardMaxHoldMs: 60_000 });
      for (const id of ids(20)) f.registry.heartbeat(id, 'hive-a', {});
      f.timers.advance(40_000);
      const r = restore(save(f.registry), T0 + 500_000, { expiryGuardMaxHoldMs: 60_000 });
      expect(r.report).to.include({ workers: 20, held: 20 });
      expect(r.events.map((e) => [e.type, e.reason, e.at_ms - T0])).to.deep.equal([['guard.off', 'max-hold', 500_000]]);
      r.timers.advance(OFFLINE);
      expect(r.registry.workerCount()).to.equal(0);
    });

    it('moves the hold back with the times of a snapshot from a clock ahead', () => {
      const f = setup();
      for (const id of ids(20)) f.registry.heartbeat(id, 'hive-a', {});
      f.timers.advance(50_000);
      const snap = save(f.registry); // saved at +50 s
      const r = restore(snap, T0 + 50_000 - 3600_000); // this clock is an hour behind
      expect(r.report).to.include({ clockAheadMs: 3600_000, held: 20 });
      expect(r.registry.guardStatus()).to.include({ active: true, sinceMs: T0 + OFFLINE - 3600_000 });
    });
  });
});
