// HIVE.ACTIVE's and HIVE.LIST's lists (and the online hive count) against a plain scan of every worker: after any
// history of heartbeats (moves between hives, load changes), removals, HIVE.DEL, FLUSHALL, a restart from a
// snapshot, time passing (past windows and eviction, and a clock set back), the hives active within any window
// are those with a worker heard from within it. The lists are kept between queries (the online hives as they come
// and go, the last answer for another window while it holds), so the queries are interleaved with every change.

import { expect } from 'chai';
import fc from 'fast-check';
import { WorkerRegistry } from '../../src/registry/registry.js';
import type { RegistryOptions } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';

const OFFLINE_AFTER_MS = 30_000;
const WINDOWS = [undefined, 0, 1, 999, 1_000, 15_000, 29_999, 30_000, 30_001, 45_000, 60_000, 90_000, 1e12];
const TICKS = [0, 1, 999, 1_000, 14_999, 15_000, 29_999, 30_000, 30_001, 60_000];

/** The reference: hives with a worker whose heartbeat is younger than the window, by a scan of every worker. */
function scan(r: WorkerRegistry, maxAgeMs = OFFLINE_AFTER_MS): { active: string[]; all: string[] } {
  r.sync();
  const now = r.now();
  const active = new Set<string>();
  const all = new Set<string>();
  for (const w of r.listWorkers()) {
    all.add(w.hiveId);
    if (now - w.lastSeenMs < maxAgeMs) active.add(w.hiveId);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { active: sorted(active), all: sorted(all) };
}

/** A restart: the registry saved to a snapshot and loaded into a new one, `downMs` later. */
function restart(r: WorkerRegistry, clock: ManualClock, options: RegistryOptions, downMs: number, queryMs?: number): WorkerRegistry {
  const reader = r.openSnapshot();
  const workers = [];
  for (let part = reader.read(3); part.length > 0; part = reader.read(3)) workers.push(...part);
  r.stop();
  clock.advance(downMs);
  const next = new WorkerRegistry(options);
  const restorer = next.beginRestore(reader.header);
  workers.forEach((w, i) => {
    restorer.add(w);
    // Lists asked for during the load (not checked: the heartbeat order is restored at the end) must not outlive it.
    if (i === workers.length >> 1) next.activeHiveIds(queryMs);
  });
  restorer.finish();
  return next;
}

const worker = fc.integer({ min: 0, max: 7 });
const hive = fc.integer({ min: 0, max: 3 });
const op = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('beat' as const),
      id: worker,
      hive,
      vramBytes: fc.option(fc.constantFrom(0, 1e9, 8e9), { freq: 3 }),
    }),
  },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.constantFrom(...TICKS) }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('query' as const), maxAgeMs: fc.constantFrom(...WINDOWS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('del' as const), id: worker }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delHive' as const), hive }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('back' as const), ms: fc.constantFrom(1, 1_000, 40_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('restart' as const),
      downMs: fc.constantFrom(0, 20_000, 70_000),
      queryMs: fc.constantFrom(...WINDOWS),
    }),
  },
);

describe('hive lists against a plain scan', () => {
  it('lists the hives a scan of every worker finds, for any window, after any history', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 60_000), fc.array(op, { minLength: 20, maxLength: 150 }), (evictAfterMs, ops) => {
        const clock = new ManualClock();
        const options: RegistryOptions = { clock, offlineAfterMs: OFFLINE_AFTER_MS, evictAfterMs };
        let r = new WorkerRegistry(options);
        for (const o of ops) {
          if (o.kind === 'beat') r.heartbeat(`w${o.id}`, `h${o.hive}`, o.vramBytes === null ? {} : { vramBytes: o.vramBytes });
          else if (o.kind === 'tick') clock.advance(o.ms);
          else if (o.kind === 'back') clock.advance(-o.ms);
          else if (o.kind === 'del') r.removeWorker(`w${o.id}`);
          else if (o.kind === 'delHive') r.removeHive(`h${o.hive}`);
          else if (o.kind === 'flush') r.flush();
          else if (o.kind === 'restart') r = restart(r, clock, options, o.downMs, o.queryMs);
          else {
            const label = `${JSON.stringify(o)} at ${r.now()}`;
            const expected = scan(r, o.maxAgeMs);
            expect(r.activeHiveIds(o.maxAgeMs), label).to.deep.equal(expected.active);
            if (o.maxAgeMs === undefined) expect(r.onlineHiveCount(), label).to.equal(expected.active.length);
            expect(
              r.activeHives(o.maxAgeMs).map((h) => h.hiveId),
              label,
            ).to.deep.equal(expected.active);
            expect(r.listHiveIds(), label).to.deep.equal(expected.all);
          }
        }
        r.stop();
      }),
      { numRuns: 300 },
    );
  });

  it('hands out the same list while the answer holds, and a new one once it changes', () => {
    const clock = new ManualClock();
    const r = new WorkerRegistry({ clock, offlineAfterMs: OFFLINE_AFTER_MS, evictAfterMs: 0 });
    r.heartbeat('w-old', 'h-old', {});
    clock.advance(20_000);
    r.heartbeat('w-a', 'h-a', {});
    r.heartbeat('w-b', 'h-b', {});
    const online = r.activeHiveIds();
    const recent = r.activeHiveIds(10_000);
    const all = r.listHiveIds();
    expect([online, recent, all]).to.deep.equal([
      ['h-a', 'h-b', 'h-old'],
      ['h-a', 'h-b'],
      ['h-a', 'h-b', 'h-old'],
    ]);
    // Heartbeats from listed hives, time passing within the windows, another window with the same answer.
    clock.advance(5_000);
    r.heartbeat('w-a', 'h-a', { vramBytes: 1e9 });
    expect(r.activeHiveIds()).to.equal(online);
    expect(r.activeHiveIds(10_000)).to.equal(recent);
    expect(r.activeHiveIds(20_000)).to.equal(recent);
    expect(r.listHiveIds()).to.equal(all);
    // h-old goes offline: the default window's list changes; the hive is still known.
    clock.advance(5_000);
    expect(r.activeHiveIds()).to.deep.equal(['h-a', 'h-b']);
    expect(r.onlineHiveCount()).to.equal(2);
    expect(r.listHiveIds()).to.equal(all);
    // h-b ages out of the 10 s window (its heartbeat is 10 s old); h-old heard from again comes back into it.
    expect(r.activeHiveIds(10_000)).to.deep.equal(['h-a']);
    r.heartbeat('w-old', 'h-old', {});
    expect(r.activeHiveIds(10_000)).to.deep.equal(['h-a', 'h-old']);
    expect(r.activeHiveIds()).to.deep.equal(['h-a', 'h-b', 'h-old']);
  });
});
