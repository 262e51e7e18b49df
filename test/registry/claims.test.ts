// Reservations in the registry with a manual clock and timers: a lease ends at its deadline by the timer alone
// (no query needed), leases of different lengths end in deadline order, and a reserved worker is never picked.

import { expect } from 'chai';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { ClaimBook } from '../../src/registry/claims.js';
import { WorkerRecord, HiveRecord } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';

const T0 = 1_700_000_000_000;

describe('WorkerRegistry claims', () => {
  it('ends each lease at its deadline from the timer, in deadline order, and publishes it', () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const registry = new WorkerRegistry({ clock, timers, offlineAfterMs: 60_000 });
    const released: Array<[string, number]> = [];
    registry.onEvent((e) => {
      if (e.event.type === 'worker.released') released.push([e.event.worker_id!, e.event.at_ms]);
    });
    for (const id of ['a', 'b', 'c']) registry.heartbeat(id, 'h', { modelId: 'm', url: 'http://10.0.0.1:1' });
    const leases = [3000, 1000, 2000];
    const claimed = leases.map((leaseMs) => registry.scheduling.claim('m', { leaseMs, strict: true })!.worker.workerId);
    expect(claimed).to.deep.equal(['a', 'b', 'c']);
    expect(registry.scheduling.claim('m')).to.equal(undefined);
    timers.advance(3000);
    expect(released).to.deep.equal([
      ['b', T0 + 1000],
      ['c', T0 + 2000],
      ['a', T0 + 3000],
    ]);
    expect(registry.scheduling.best('m')?.worker.workerId).to.equal('a');
  });

  it('a released or re-claimed worker leaves no stale deadline behind', () => {
    const clock = new ManualClock(T0);
    const timers = new ManualTimers(clock);
    const registry = new WorkerRegistry({ clock, timers });
    registry.heartbeat('a', 'h', { modelId: 'm' });
    const first = registry.scheduling.claim('m', { leaseMs: 1000 })!;
    expect(registry.scheduling.release('a', first.claim.token)).to.equal(true);
    const second = registry.scheduling.claim('m', { leaseMs: 5000 })!;
    timers.advance(1000);
    // The first claim's deadline passed: the second, longer one still holds.
    expect(registry.scheduling.claimOf(second.worker)?.token).to.equal(second.claim.token);
    expect(registry.scheduling.best('m')).to.equal(undefined);
    timers.advance(4000);
    expect(registry.scheduling.claimOf(second.worker)).to.equal(undefined);
    expect(registry.scheduling.best('m')?.worker.workerId).to.equal('a');
  });
});

describe('ClaimBook', () => {
  it('hands out expiries in order whatever order they were added in', () => {
    const book = new ClaimBook();
    const hive = new HiveRecord('h');
    const workers = Array.from({ length: 200 }, (_, i) => new WorkerRecord(`w${i}`, hive, T0));
    // A fixed shuffle of deadlines, some equal.
    const deadlines = workers.map((_, i) => (i * 7919) % 101);
    workers.forEach((w, i) => book.add(w, deadlines[i]!));
    // Some end early: they must not come out of takeDue.
    for (let i = 0; i < 200; i += 3) book.delete(workers[i]!);
    const due = book.takeDue(1000).map((e) => e.expiresMs);
    expect(due).to.deep.equal([...due].sort((a, b) => a - b));
    expect(due).to.have.length(200 - 67);
    expect(book.size).to.equal(0);
  });
});
