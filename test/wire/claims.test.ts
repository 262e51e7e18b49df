// WORKER.CLAIM / WORKER.RELEASE over the wire: concurrency, what ends a reservation, events, errors.

import { expect } from 'chai';
import { record, rejection, WireFixture, type Client } from './fixture.js';

describe('WORKER.CLAIM and WORKER.RELEASE', () => {
  let fx: WireFixture;
  let redis: Client;

  beforeEach(async () => {
    fx = await WireFixture.start({ offlineAfterMs: 30_000 });
    redis = await fx.ioredis({ protocol: 2 });
  });
  afterEach(() => fx.close());

  const idle = async (id: string, gpu = 10, extra: string[] = []) =>
    redis.call('HBEAT', id, 'h', 'STATE', 'Idle', 'MODEL', 'm', 'URL', `http://10.0.0.1:${gpu + 1000}`, 'GPU', String(gpu), ...extra);
  const events = async (type: string) =>
    ((await redis.call('EVENTS.READ', 'SINCE', '0')) as string[])
      .map((j) => JSON.parse(j) as Record<string, unknown>)
      .filter((e) => e.type === type);

  it('50 concurrent claims on 10 idle workers: 10 distinct workers and 40 nils', async () => {
    for (let i = 0; i < 10; i++) await idle(`w${i}`, i);
    const clients = await Promise.all(Array.from({ length: 10 }, () => fx.ioredis()));
    const replies = await Promise.all(clients.flatMap((c) => Array.from({ length: 5 }, () => c.call('WORKER.CLAIM', 'm'))));
    const won = replies.filter((r) => r !== null).map((r) => record(r).worker_id);
    expect(won).to.have.length(10);
    expect(new Set(won).size).to.equal(10);
    expect(replies.filter((r) => r === null)).to.have.length(40);
    expect(await redis.call('WORKER.BEST', 'm')).to.equal(null);
    expect(await events('worker.claimed')).to.have.length(10);
  });

  it('reserves the worker WORKER.BEST would pick, for the offline window by default, and shows it in WORKER.GET', async () => {
    await idle('slow', 50);
    await idle('fast', 5);
    expect(record(await redis.call('WORKER.BEST', 'm')).worker_id).to.equal('fast');
    const claim = record(await redis.call('WORKER.CLAIM', 'm'));
    expect(claim).to.include({ worker_id: 'fast', match: 'model', claim_expires_ms: fx.clock.now() + 30_000 });
    expect(claim.claim_token).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(record(await redis.call('WORKER.GET', 'fast')).claim_expires_ms).to.equal(fx.clock.now() + 30_000);
    expect(record(await redis.call('WORKER.GET', 'slow')).claim_expires_ms).to.equal(null);
    expect(record(await redis.call('WORKER.BEST', 'm')).worker_id).to.equal('slow');
    const [claimed] = await events('worker.claimed');
    expect(claimed).to.include({
      worker_id: 'fast',
      hive_id: 'h',
      model_id: 'm',
      match: 'model',
      claim_expires_ms: fx.clock.now() + 30_000,
    });
  });

  it('a lease ends at its deadline; the release event is stamped with it', async () => {
    await idle('w');
    const start = fx.clock.now();
    expect(record(await redis.call('WORKER.CLAIM', 'm', 'LEASE', '500')).claim_expires_ms).to.equal(start + 500);
    fx.clock.advance(499);
    expect(await redis.call('WORKER.BEST', 'm')).to.equal(null);
    fx.clock.advance(1);
    expect(record(await redis.call('WORKER.BEST', 'm')).worker_id).to.equal('w');
    expect(record(await redis.call('WORKER.GET', 'w')).claim_expires_ms).to.equal(null);
    expect(await events('worker.released')).to.deep.equal([
      { type: 'worker.released', rev: 4, at_ms: start + 500, worker_id: 'w', hive_id: 'h', reason: 'expired' },
    ]);
  });

  it('WORKER.RELEASE needs the token; it frees the worker once', async () => {
    await idle('w');
    const { claim_token: token } = record(await redis.call('WORKER.CLAIM', 'm'));
    expect(await redis.call('WORKER.RELEASE', 'w', 'not-the-token')).to.equal(0);
    expect(await redis.call('WORKER.RELEASE', 'nobody', String(token))).to.equal(0);
    expect(await redis.call('WORKER.BEST', 'm')).to.equal(null);
    expect(await redis.call('WORKER.RELEASE', 'w', String(token))).to.equal(1);
    expect(await redis.call('WORKER.RELEASE', 'w', String(token))).to.equal(0);
    expect(record(await redis.call('WORKER.BEST', 'm')).worker_id).to.equal('w');
    expect((await events('worker.released')).map((e) => e.reason)).to.deep.equal(['released']);
  });

  it("the worker's own heartbeat with STATE ends the reservation; one without STATE keeps it", async () => {
    await idle('w');
    await redis.call('WORKER.CLAIM', 'm');
    await redis.call('HBEAT', 'w', 'h', 'GPU', '20');
    expect(await redis.call('WORKER.BEST', 'm')).to.equal(null);
    await redis.call('HBEAT', 'w', 'h', 'STATE', 'Busy');
    expect(record(await redis.call('WORKER.GET', 'w')).claim_expires_ms).to.equal(null);
    await redis.call('HBEAT', 'w', 'h', 'STATE', 'Idle');
    expect(record(await redis.call('WORKER.BEST', 'm')).worker_id).to.equal('w');
    const released = await events('worker.released');
    expect(released).to.have.length(1);
    expect(released[0]).to.include({ reason: 'heartbeat', state: 'Busy' });
  });

  it('a removed worker takes its reservation with it; a claim that finds nobody is nil', async () => {
    await idle('w');
    await redis.call('WORKER.CLAIM', 'm');
    await redis.call('WORKER.DEL', 'w');
    await idle('w');
    expect(record(await redis.call('WORKER.GET', 'w')).claim_expires_ms).to.equal(null);
    expect(record(await redis.call('WORKER.CLAIM', 'm', 'STRICT')).worker_id).to.equal('w');
    expect(await redis.call('WORKER.CLAIM', 'm')).to.equal(null);
  });

  it('refuses bad options in words naming them, and claims nothing', async () => {
    await idle('w');
    expect((await rejection(redis.call('WORKER.CLAIM', 'm', 'LEASE', '0'))).message).to.equal(
      "ERR invalid LEASE '0': expected a positive integer (ms)",
    );
    expect((await rejection(redis.call('WORKER.CLAIM', 'm', 'LEASE', 'soon'))).message).to.equal(
      "ERR invalid LEASE 'soon': expected a positive integer (ms)",
    );
    expect((await rejection(redis.call('WORKER.CLAIM', 'm', 'FOREVER'))).message).to.equal("ERR syntax error, unknown option 'FOREVER'");
    expect((await rejection(redis.call('WORKER.RELEASE', 'w'))).message).to.equal(
      "ERR wrong number of arguments for 'worker.release' command",
    );
    expect(record(await redis.call('WORKER.BEST', 'm')).worker_id).to.equal('w');
  });
});
