// EventLog: revisions, the ring that keeps the last N events, reading from a revision (and COMPACTED when it is
// gone), and the one-shot wait for the next event.

import { expect } from 'chai';
import { CompactedError, EventLog, type RegistryEvent } from '../../src/registry/events.js';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { ManualClock } from '../helpers/clock.js';

const T0 = 1_700_000_000_000;

function appendN(log: EventLog, n: number): void {
  for (let i = 0; i < n; i++) log.append({ type: 'worker.online', at_ms: T0 + i, worker_id: `w${i}`, hive_id: 'hive-a' });
}

const revs = (log: EventLog, rev: number, count?: number): number[] => log.since(rev, count).map((e) => e.rev);

function compactedErrorOf(fn: () => unknown): CompactedError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(CompactedError);
    return e as CompactedError;
  }
  return expect.fail('expected a CompactedError, nothing was thrown');
}

describe('EventLog', () => {
  it('refuses a capacity below 1', () => {
    for (const capacity of [0, -1, Number.NaN]) expect(() => new EventLog(capacity), String(capacity)).to.throw(RangeError);
    expect(new EventLog(1).capacity).to.equal(1);
  });

  it('numbers events from 1 and puts the revision right after the type', () => {
    const log = new EventLog(10);
    expect([log.lastRev, log.oldestRev, log.length]).to.deep.equal([0, 1, 0]);
    expect(log.since(0)).to.deep.equal([]);
    const first = log.append({ type: 'hive.online', at_ms: T0, hive_id: 'hive-a' });
    const second = log.append({ type: 'guard.on', at_ms: T0 + 1, mode: 'auto', online: 1, baseline: 4 });
    expect([first.rev, second.rev, log.lastRev, log.oldestRev, log.length]).to.deep.equal([1, 2, 2, 1, 2]);
    expect(first.json).to.equal(`{"type":"hive.online","rev":1,"at_ms":${T0},"hive_id":"hive-a"}`);
    expect(JSON.parse(second.json)).to.deep.equal({ type: 'guard.on', rev: 2, at_ms: T0 + 1, mode: 'auto', online: 1, baseline: 4 });
  });

  it('keeps the last `capacity` events as the ring wraps, any number of times', () => {
    for (let capacity = 1; capacity <= 5; capacity++) {
      for (let appended = 0; appended <= 13; appended++) {
        const log = new EventLog(capacity);
        appendN(log, appended);
        const label = `capacity ${capacity}, ${appended} appended`;
        const oldest = Math.max(1, appended - capacity + 1);
        expect([log.length, log.oldestRev, log.lastRev], label).to.deep.equal([Math.min(capacity, appended), oldest, appended]);
        for (let rev = 0; rev <= appended + 1; rev++) {
          if (rev + 1 < oldest || rev > appended) {
            // Too old for the ring, or a revision never given out (a restart without snapshot): resync.
            expect(compactedErrorOf(() => log.since(rev)).oldestRev, `${label}, since ${rev}`).to.equal(oldest);
          } else {
            const expected = Array.from({ length: Math.max(0, appended - rev) }, (_, i) => rev + 1 + i);
            expect(revs(log, rev), `${label}, since ${rev}`).to.deep.equal(expected);
            expect(
              log.since(rev).map((e) => e.event.worker_id),
              `${label}, since ${rev}`,
            ).to.deep.equal(expected.map((r) => `w${r - 1}`));
          }
        }
      }
    }
  });

  it('returns at most `count` events, oldest first', () => {
    const log = new EventLog(4);
    appendN(log, 6); // keeps 3..6
    expect(revs(log, 2, 2)).to.deep.equal([3, 4]);
    expect(revs(log, 4, 1)).to.deep.equal([5]);
    expect(revs(log, 4, 10)).to.deep.equal([5, 6]);
    expect(revs(log, 4, 0)).to.deep.equal([]);
    expect(revs(log, 6, 5)).to.deep.equal([]);
  });

  it('tells a reader that fell behind which revision is the oldest kept', () => {
    const log = new EventLog(3);
    appendN(log, 5); // keeps 3, 4, 5
    const error = compactedErrorOf(() => log.since(1));
    expect(error.oldestRev).to.equal(3);
    expect(error.message).to.equal('COMPACTED revisions up to 2 are gone; the oldest revision kept is 3: resync with a full read');
    expect(compactedErrorOf(() => log.since(0)).oldestRev).to.equal(3);
    expect(revs(log, 2)).to.deep.equal([3, 4, 5]);
  });

  it('continues from a start revision', () => {
    const log = new EventLog(3, 100);
    expect([log.lastRev, log.oldestRev, log.length]).to.deep.equal([100, 101, 0]);
    expect(log.since(100)).to.deep.equal([]);
    expect(compactedErrorOf(() => log.since(99)).oldestRev).to.equal(101);
    appendN(log, 1);
    expect([log.lastRev, log.oldestRev]).to.deep.equal([101, 101]);
    expect(revs(log, 100)).to.deep.equal([101]);
  });

  it('calls each onNextAppend waiter once, at the next append, after the event is readable', () => {
    const log = new EventLog(2);
    const calls: string[] = [];
    log.onNextAppend(() => calls.push(`a saw ${log.lastRev}`));
    const cancelB = log.onNextAppend(() => calls.push('b'));
    log.onNextAppend(() => {
      calls.push(`c saw ${revs(log, log.lastRev - 1).join(',')}`);
      // A waiter added while waiters run waits for the following append.
      log.onNextAppend(() => calls.push(`d saw ${log.lastRev}`));
    });
    expect(log.waiting).to.equal(3);
    cancelB();
    expect(log.waiting).to.equal(2);
    appendN(log, 1);
    expect(calls).to.deep.equal(['a saw 1', 'c saw 1']);
    expect(log.waiting).to.equal(1);
    appendN(log, 2);
    expect(calls).to.deep.equal(['a saw 1', 'c saw 1', 'd saw 2']);
    expect(log.waiting).to.equal(0);
  });

  it('is sized by the registry option eventLogSize and fed by every registry change', () => {
    const registry = new WorkerRegistry({ clock: new ManualClock(T0), eventLogSize: 4 });
    const seen: RegistryEvent[] = [];
    registry.onEvent((e) => seen.push(e.event));
    for (const id of ['w1', 'w2', 'w3', 'w4', 'w5']) registry.heartbeat(id, `hive-${id}`, {}); // 10 events
    expect(registry.events.capacity).to.equal(4);
    expect(registry.events.lastRev).to.equal(10);
    expect(compactedErrorOf(() => registry.events.since(5)).oldestRev).to.equal(7);
    expect(registry.events.since(6).map((e) => e.event)).to.deep.equal(seen.slice(6));
  });
});
