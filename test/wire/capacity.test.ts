// Free VRAM per GPU (a hive's device_id, counted once) in HIVE.RES / HIVE.GET, and WORKER.BEST's MINFREE on it.

import { expect } from 'chai';
import { record, WireFixture, type Client } from './fixture.js';

const GB = 1e9;

describe('GPU capacity per device', () => {
  let fx: WireFixture;
  let redis: Client;

  beforeEach(async () => {
    fx = await WireFixture.start({ offlineAfterMs: 30_000, evictAfterMs: 0 });
    redis = await fx.ioredis({ protocol: 3, replyMapping: 'resp3' });
  });
  afterEach(() => fx.close());

  const beat = (id: string, hive: string, ...fields: Array<string | number>) => redis.call('HBEAT', id, hive, ...fields.map(String));

  it('counts a shared GPU once: its total minus what every worker on it uses', async () => {
    await beat('a', 'h', 'DEVICE', 0, 'VRAM_TOTAL', 24 * GB, 'VRAM', 8 * GB);
    await beat('b', 'h', 'DEVICE', 0, 'VRAM_TOTAL', 24 * GB, 'VRAM', 4 * GB);
    await beat('c', 'h', 'DEVICE', 1, 'VRAM_TOTAL', 16 * GB, 'VRAM', 2 * GB);
    // No DEVICE: a GPU of its own.
    await beat('d', 'h', 'VRAM_TOTAL', 8 * GB, 'VRAM', 1 * GB);
    // Uses VRAM on GPU 1 without reporting its total: still subtracted.
    await beat('e', 'h', 'DEVICE', 1, 'VRAM', 3 * GB);
    const res = record(await redis.call('HIVE.RES', 'h'));
    expect(res).to.include({ vram_used_bytes: 18 * GB, vram_total_bytes: 48 * GB, vram_free_bytes: (12 + 11 + 7) * GB });
    expect(res).to.include({ online_vram_total_bytes: 48 * GB, online_vram_free_bytes: 30 * GB });
    expect(record(await redis.call('HIVE.GET', 'h'))).to.include({ vram_total_bytes: 48 * GB, vram_free_bytes: 30 * GB });
  });

  it('takes the largest total when workers on one GPU disagree, and never goes below 0 free', async () => {
    await beat('a', 'h', 'DEVICE', 0, 'VRAM_TOTAL', 24 * GB, 'VRAM', 2 * GB);
    await beat('b', 'h', 'DEVICE', 0, 'VRAM_TOTAL', 20 * GB, 'VRAM', 2 * GB);
    expect(record(await redis.call('HIVE.RES', 'h'))).to.include({ vram_total_bytes: 24 * GB, vram_free_bytes: 20 * GB });
    await beat('b', 'h', 'VRAM', 30 * GB);
    expect(record(await redis.call('HIVE.RES', 'h'))).to.include({ vram_total_bytes: 24 * GB, vram_free_bytes: 0 });
  });

  it('online figures leave out offline workers; nil when no worker reported a total', async () => {
    await beat('a', 'h', 'DEVICE', 0, 'VRAM_TOTAL', 24 * GB, 'VRAM', 8 * GB);
    fx.clock.advance(20_000);
    await beat('b', 'h', 'DEVICE', 1, 'VRAM_TOTAL', 16 * GB, 'VRAM', 4 * GB);
    fx.clock.advance(10_000);
    const res = record(await redis.call('HIVE.RES', 'h'));
    expect(res).to.include({
      vram_total_bytes: 40 * GB,
      vram_free_bytes: 28 * GB,
      online_vram_total_bytes: 16 * GB,
      online_vram_free_bytes: 12 * GB,
    });
    await beat('x', 'bare', 'VRAM', GB);
    expect(record(await redis.call('HIVE.RES', 'bare'))).to.include({
      vram_total_bytes: null,
      vram_free_bytes: null,
      online_vram_total_bytes: null,
    });
  });

  it("WORKER.BEST MINFREE reads the GPU's free VRAM, not the worker's own share", async () => {
    await beat('a', 'h', 'MODEL', 'm', 'GPU', 1, 'DEVICE', 0, 'VRAM_TOTAL', 24 * GB, 'VRAM', 4 * GB);
    // b is Busy on the same GPU and holds most of it.
    await beat('b', 'h', 'STATE', 'Busy', 'MODEL', 'm', 'DEVICE', 0, 'VRAM_TOTAL', 24 * GB, 'VRAM', 16 * GB);
    await beat('c', 'h2', 'MODEL', 'm', 'GPU', 50, 'DEVICE', 0, 'VRAM_TOTAL', 16 * GB, 'VRAM', 6 * GB);
    expect(record(await redis.call('WORKER.BEST', 'm', 'MINFREE', String(4 * GB))).worker_id).to.equal('a');
    // a alone would have 20 GB free; its GPU has 4.
    expect(record(await redis.call('WORKER.BEST', 'm', 'MINFREE', String(5 * GB))).worker_id).to.equal('c');
    expect(await redis.call('WORKER.BEST', 'm', 'MINFREE', String(11 * GB))).to.equal(null);
  });
});
