// Liveness seen from a subscriber: in real time with short windows, worker.offline and worker.evicted arrive
// soon after their deadlines (awaited, never slept for); and the mass-expiry guard over the wire, driven by a
// manual clock: it holds evictions when many workers go silent at once, and REGISTRY.GUARD overrides it.

import { expect } from 'chai';
import { systemClock } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';
import { Inbox, infoField } from './inbox.js';

const OFFLINE_AFTER_MS = 200;
const EVICT_AFTER_MS = 400;
/** How late an event may arrive after its deadline on a loaded 2-core machine. */
const LATE_MS = 500;

describe(`liveness in real time (offline after ${OFFLINE_AFTER_MS} ms, evicted after ${EVICT_AFTER_MS} ms)`, () => {
  let fx: WireFixture;
  let r: Client;
  let inbox: Inbox;

  beforeEach(async () => {
    fx = await WireFixture.start({ clock: systemClock, offlineAfterMs: OFFLINE_AFTER_MS, evictAfterMs: EVICT_AFTER_MS });
    r = await fx.ioredis({ protocol: 2 });
    const sub = await fx.ioredis({ protocol: 2 });
    inbox = Inbox.of(sub);
    await sub.psubscribe('registry:*');
  });

  afterEach(async () => {
    await fx.close();
  });

  it('a silent worker goes offline, then is evicted, each announced at its deadline', async () => {
    const sentAt = performance.now();
    expect(await r.call('HBEAT', 'gpu0', 'hive-a', 'STATE', 'Idle')).to.equal(1);
    const lastSeen = Number(record(await r.call('WORKER.GET', 'gpu0')).last_seen_ms);

    const offline = await inbox.event('worker.offline', (e) => e.worker_id === 'gpu0');
    // The event is stamped with the deadline itself, and arrives no earlier than it and not long after.
    expect(offline.at_ms - lastSeen).to.equal(OFFLINE_AFTER_MS);
    const offlineAfter = offline.receivedAt - sentAt;
    expect(offlineAfter).to.be.at.least(OFFLINE_AFTER_MS - 1);
    expect(offlineAfter).to.be.below(OFFLINE_AFTER_MS + LATE_MS);
    expect(await inbox.event('hive.offline')).to.include({ hive_id: 'hive-a', at_ms: offline.at_ms });
    const gone = record(await r.call('WORKER.GET', 'gpu0'));
    expect(gone).to.include({ online: 0, last_seen_ms: lastSeen });
    expect(Number(gone.age_ms)).to.be.at.least(OFFLINE_AFTER_MS);
    expect(await r.call('HIVE.ONLINE', 'hive-a')).to.equal(0);
    expect(await r.call('WORKER.BEST', 'any')).to.equal(null);

    const evicted = await inbox.event('worker.evicted', (e) => e.worker_id === 'gpu0');
    expect(evicted.at_ms - lastSeen).to.equal(EVICT_AFTER_MS);
    const evictedAfter = evicted.receivedAt - sentAt;
    expect(evictedAfter).to.be.at.least(EVICT_AFTER_MS - 1);
    expect(evictedAfter).to.be.below(EVICT_AFTER_MS + LATE_MS);
    expect(await inbox.event('hive.removed')).to.include({ hive_id: 'hive-a', at_ms: evicted.at_ms });
    expect(await r.call('WORKER.GET', 'gpu0')).to.equal(null);
    expect(await r.call('WORKER.COUNT')).to.equal(0);
    expect(inbox.events.map((e) => e.type)).to.deep.equal([
      'worker.online',
      'hive.online',
      'worker.offline',
      'hive.offline',
      'worker.evicted',
      'hive.removed',
    ]);
  });

  it('an offline worker that beats again is refreshed (HBEAT 0) and announced online again', async () => {
    await r.call('HBEAT', 'gpu0', 'hive-a', 'MODEL', 'llama');
    await inbox.event('worker.offline');
    expect(await r.call('HBEAT', 'gpu0', 'hive-a')).to.equal(0);
    const back = await inbox.event('worker.online', (e) => e.rev > 2);
    expect(back).to.include({ worker_id: 'gpu0', hive_id: 'hive-a', model_id: 'llama' });
    expect(await inbox.event('hive.online', (e) => e.rev > 2)).to.include({ hive_id: 'hive-a' });
    expect(record(await r.call('WORKER.GET', 'gpu0'))).to.include({ online: 1 });
    // Its new deadline counts from the new beat.
    const offlineAgain = await inbox.event('worker.offline', (e) => e.rev > back.rev);
    expect(offlineAgain.at_ms - back.at_ms).to.equal(OFFLINE_AFTER_MS);
  });
});

for (const mode of MODES) {
  describe(`the mass-expiry guard over the wire (ioredis ${mode.name}, manual clock)`, () => {
    const WINDOW_MS = 1000;
    let clock: ManualClock;
    let timers: ManualTimers;
    let fx: WireFixture;
    let r: Client;
    let inbox: Inbox;
    let t0: number;

    const info = async (key: string) => infoField(await r.call('INFO', 'registry'), key);

    beforeEach(async () => {
      clock = new ManualClock();
      timers = new ManualTimers(clock);
      t0 = clock.now();
      fx = await WireFixture.start({ clock, timers, offlineAfterMs: WINDOW_MS, evictAfterMs: 2 * WINDOW_MS });
      r = await fx.ioredis(mode.options);
      const sub = await fx.ioredis(mode.options);
      inbox = Inbox.of(sub);
      await sub.psubscribe('registry:*');
      // Five workers; gpu0 keeps beating, gpu1..gpu4 go silent.
      for (let i = 0; i < 5; i++) await r.call('HBEAT', `gpu${i}`, 'hive-a');
      timers.advance(600);
      await r.call('HBEAT', 'gpu0', 'hive-a');
      timers.advance(400); // t0 + 1000: gpu1..gpu4 are due
    });

    afterEach(async () => {
      await fx.close();
    });

    it('trips when most workers go silent at once: guard.on, expiry_guard:1, evictions held', async () => {
      const on = await inbox.event('guard.on');
      // The third of five going offline within one window crosses 50%.
      expect(on).to.include({ at_ms: t0 + WINDOW_MS, mode: 'auto', baseline: 5, online: 2 });
      const offline = inbox.events.filter((e) => e.type === 'worker.offline').map((e) => e.worker_id);
      expect(offline).to.deep.equal(['gpu1', 'gpu2', 'gpu3', 'gpu4']);
      expect(await info('expiry_guard')).to.equal('1');
      expect(await info('expiry_guard_mode')).to.equal('auto');
      expect(await info('workers_online')).to.equal('1');
      expect(record(await r.call('REGISTRY.GUARD'))).to.deep.equal({
        mode: 'auto',
        active: 1,
        percent: 50,
        window_start_ms: t0 + WINDOW_MS,
        online_at_window_start: 5,
        offlines_in_window: 4,
        baseline: 5,
        since_ms: t0 + WINDOW_MS,
        max_hold_ms: 900_000,
        evictions_resume_at_ms: 0,
      });
      expect(await info('expiry_guard_since_ms')).to.equal(String(t0 + WINDOW_MS));
      expect(await info('expiry_guard_max_hold_ms')).to.equal('900000');

      // Well past their eviction deadline (t0 + 2000), the silent workers are still there.
      timers.advance(500);
      await r.call('HBEAT', 'gpu0', 'hive-a');
      timers.advance(900); // t0 + 2400
      expect(await r.call('WORKER.COUNT')).to.equal(5);
      expect(inbox.events.some((e) => e.type === 'worker.evicted')).to.equal(false);

      // The operator lifts it: guard.off, and the held evictions happen at once.
      expect(await r.call('REGISTRY.GUARD', 'OFF')).to.equal('OK');
      expect(await inbox.event('guard.off')).to.include({ at_ms: t0 + 2400, mode: 'off' });
      expect(await r.call('WORKER.COUNT')).to.equal(1);
      for (const id of ['gpu1', 'gpu2', 'gpu3', 'gpu4']) {
        expect(await inbox.event('worker.evicted', (e) => e.worker_id === id)).to.include({ at_ms: t0 + 2400, hive_id: 'hive-a' });
      }
      expect(await info('expiry_guard')).to.equal('0');
      expect(record(await r.call('REGISTRY.GUARD'))).to.include({ mode: 'off', active: 0 });
    });

    it('in AUTO it lifts by itself when enough workers come back; the rest are then evicted', async () => {
      await inbox.event('guard.on');
      await r.call('HBEAT', 'gpu1', 'hive-a');
      expect(await info('expiry_guard')).to.equal('1', 'gpu0 and gpu1 online: 2 of 5 is not more than half back');
      // Wait: (100 - 50)% of the baseline of 5 is 2.5, so the third worker back lifts it.
      await r.call('HBEAT', 'gpu2', 'hive-a');
      expect(await inbox.event('guard.off')).to.include({ mode: 'auto', online: 3, at_ms: t0 + WINDOW_MS });
      expect(await info('expiry_guard')).to.equal('0');
      timers.advance(500);
      for (const id of ['gpu0', 'gpu1', 'gpu2']) await r.call('HBEAT', id, 'hive-a');
      timers.advance(500); // t0 + 2000: gpu3 and gpu4 are evicted
      expect(await r.call('WORKER.COUNT')).to.equal(3);
      const evicted = inbox.events.filter((e) => e.type === 'worker.evicted');
      expect(evicted.map((e) => [e.worker_id, e.at_ms])).to.deep.equal([
        ['gpu3', t0 + 2 * WINDOW_MS],
        ['gpu4', t0 + 2 * WINDOW_MS],
      ]);
    });

    it('once lifted, one more worker going offline in the same window does not trip it again while most are online', async () => {
      await inbox.event('guard.on');
      for (const id of ['gpu1', 'gpu2', 'gpu3', 'gpu4']) await r.call('HBEAT', id, 'hive-a');
      expect(await inbox.event('guard.off')).to.include({ mode: 'auto', online: 3, at_ms: t0 + WINDOW_MS });
      timers.advance(500);
      for (const id of ['gpu1', 'gpu2', 'gpu3', 'gpu4']) await r.call('HBEAT', id, 'hive-a');
      timers.advance(100); // t0 + 1600: gpu0 goes offline, still in the window that started at t0 + 1000
      expect(await inbox.event('worker.offline', (e) => e.worker_id === 'gpu0')).to.include({ at_ms: t0 + 1600 });
      expect(await info('workers_online')).to.equal('4');
      expect(await info('expiry_guard')).to.equal('0', '4 of 5 online: the guard would lift at once');
      expect(inbox.events.filter((e) => e.type.startsWith('guard.')).map((e) => e.type)).to.deep.equal(['guard.on', 'guard.off']);
      // So gpu0 is evicted on time.
      timers.advance(800);
      for (const id of ['gpu1', 'gpu2', 'gpu3', 'gpu4']) await r.call('HBEAT', id, 'hive-a');
      timers.advance(200); // t0 + 2600
      expect(await inbox.event('worker.evicted', (e) => e.worker_id === 'gpu0')).to.include({ at_ms: t0 + 2600 });
      expect(await r.call('WORKER.COUNT')).to.equal(4);
    });

    it('ON holds evictions until AUTO; a bad mode is refused and changes nothing', async () => {
      await inbox.event('guard.on');
      expect((await rejection(r.call('REGISTRY.GUARD', 'maybe'))).message).to.equal(
        "ERR invalid guard mode 'maybe': expected ON, OFF or AUTO",
      );
      expect(await r.call('REGISTRY.GUARD', 'on')).to.equal('OK');
      expect(record(await r.call('REGISTRY.GUARD'))).to.include({ mode: 'on', active: 1 });
      expect(await info('expiry_guard_mode')).to.equal('on');
      // Everyone back does not lift a forced guard.
      for (const id of ['gpu1', 'gpu2', 'gpu3']) await r.call('HBEAT', id, 'hive-a');
      expect(await info('expiry_guard')).to.equal('1');
      expect(await r.call('REGISTRY.GUARD', 'AUTO')).to.equal('OK');
      const off = await inbox.event('guard.off');
      expect(off).to.include({ mode: 'auto', online: 4 });
      expect(record(await r.call('REGISTRY.GUARD'))).to.include({ mode: 'auto', active: 0 });
    });
  });
}
