// EventFollower against a real server: it follows EVENTS.READ BLOCK, and crosses a COMPACTED by yielding a full
// state read in one MULTI with its revision, then goes on from that revision without losing or repeating events.

import { expect } from 'chai';
import { EventFollower, type FollowerItem } from 'rbee-registry/client';
import { WireFixture } from '../wire/fixture.js';

describe('EventFollower', () => {
  let fx: WireFixture;
  const followers: EventFollower[] = [];

  beforeEach(async () => {
    fx = await WireFixture.start({ eventLogSize: 5 });
  });
  afterEach(async () => {
    for (const f of followers.splice(0)) await f.close();
    await fx.close();
  });

  function follow(since?: number, count?: number): { follower: EventFollower; next: () => Promise<FollowerItem> } {
    const follower = new EventFollower({ port: fx.port, host: '127.0.0.1', since, count, blockMs: 10_000 });
    followers.push(follower);
    const it = follower[Symbol.asyncIterator]();
    return {
      follower,
      next: async () => {
        const r = await it.next();
        if (r.done) throw new Error('the follower ended');
        return r.value;
      },
    };
  }

  it('crosses a COMPACTED: yields a consistent full state, then the events after it', async () => {
    const redis = await fx.ioredis();
    for (let i = 0; i < 4; i++) await redis.call('HBEAT', `w${i}`, 'h', 'MODEL', 'm');
    // 4 workers online + 1 hive online = 5 events; a 5-event log still holds revision 1, so reading from 0 works
    // (one event per read, so the follower has not fetched ahead):
    const { follower, next } = follow(0, 1);
    const first = await next();
    expect(first).to.deep.include({ kind: 'event' });
    // Push the log past what the follower has read: 3 more beats, 3 more events, revisions 1..3 are gone.
    for (let i = 4; i < 7; i++) await redis.call('HBEAT', `w${i}`, 'h');
    const seen: FollowerItem[] = [];
    for (;;) {
      const item = await next();
      seen.push(item);
      if (item.kind === 'resync') break;
    }
    const resync = seen.at(-1) as Extract<FollowerItem, { kind: 'resync' }>;
    expect(resync.reason).to.equal('compacted');
    expect(resync.state.rev).to.equal(8);
    expect(resync.state.workers.map((w) => w.workerId)).to.deep.equal(['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
    expect(resync.state.hiveIds).to.deep.equal(['h']);
    expect(follower.revision).to.equal(8);

    // It blocks for what comes next, and sees it once.
    const pending = next();
    await redis.call('WORKER.DEL', 'w0');
    const after = await pending;
    expect(after.kind).to.equal('event');
    expect(after.kind === 'event' && after.event).to.include({ type: 'worker.removed', worker_id: 'w0', rev: 9 });
  });

  it('without `since`, starts with the full state and follows from its revision', async () => {
    const redis = await fx.ioredis();
    await redis.call('HBEAT', 'a', 'h');
    const { next } = follow();
    const start = await next();
    expect(start.kind === 'resync' && start.reason).to.equal('start');
    expect(start.kind === 'resync' && start.state.workers.map((w) => w.workerId)).to.deep.equal(['a']);
    const pending = next();
    await redis.call('HBEAT', 'b', 'h');
    const e = await pending;
    expect(e.kind === 'event' && e.event).to.include({ type: 'worker.online', worker_id: 'b', rev: 3 });
  });

  it('a `for await` that breaks closes the connection', async () => {
    const redis = await fx.ioredis();
    await redis.call('HBEAT', 'a', 'h');
    const follower = new EventFollower({ port: fx.port, host: '127.0.0.1', since: 0 });
    followers.push(follower);
    for await (const item of follower) {
      expect(item.kind).to.equal('event');
      break;
    }
    expect(['end', 'close']).to.include(follower.client.redis.status);
  });
});
