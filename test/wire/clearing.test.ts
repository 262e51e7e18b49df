// Clearing a worker's fields: `UNSET field …` at the end of HBEAT's options, and null in the JSON form (an absent
// key leaves the field as it is; an unknown key is an error).

import { expect } from 'chai';
import { record, rejection, WireFixture, type Client } from './fixture.js';

const TS = '2025-10-22T12:00:00Z';
// prettier-ignore
const FULL = ['STATE', 'Busy', 'HEALTH', 'degraded', 'MODEL', 'm', 'URL', 'http://10.0.0.5:8081', 'BACKEND', 'cuda', 'DEVICE', '1', 'VRAM', '100', 'VRAM_TOTAL', '1000', 'RAM', '50', 'CPU', '3', 'GPU', '4', 'TS', TS];
const CLEARED = {
  state: 'Idle',
  health: 'healthy',
  url: null,
  model_id: null,
  backend: null,
  device_id: null,
  vram_bytes: null,
  vram_total_bytes: null,
  ram_bytes: null,
  cpu_percent: null,
  gpu_percent: null,
  reported_at: null,
  skew_ms: null,
};

describe('clearing worker fields', () => {
  let fx: WireFixture;
  let redis: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    redis = await fx.ioredis({ protocol: 2 });
  });
  afterEach(() => fx.close());

  it('UNSET clears every named field; the indexes and sums follow', async () => {
    expect(await redis.call('HBEAT', 'w', 'h', ...FULL)).to.equal(1);
    // prettier-ignore
    expect(await redis.call('HBEAT', 'w', 'h', 'UNSET', 'STATE', 'HEALTH', 'MODEL', 'URL', 'BACKEND', 'DEVICE', 'VRAM', 'VRAM_TOTAL', 'RAM', 'CPU', 'GPU', 'TS')).to.equal(0);
    expect(record(await redis.call('WORKER.GET', 'w'))).to.include(CLEARED);
    expect(record(await redis.call('HIVE.RES', 'h'))).to.include({ vram_used_bytes: 0, ram_used_bytes: 0, vram_total_bytes: null });
    expect(await redis.call('WORKER.LIST', 'MODEL', 'm')).to.deep.equal([]);
    // It no longer has the model: not a match for it (and without a URL, not a fallback either).
    expect(await redis.call('WORKER.BEST', 'm')).to.equal(null);
    const events = ((await redis.call('EVENTS.READ', 'SINCE', '0')) as string[]).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(events.at(-1)).to.include({ type: 'worker.state', worker_id: 'w', model_id: null, state: 'Idle', url: null });
  });

  it('options and UNSET mix, names in any case; fields not named keep their value', async () => {
    await redis.call('HBEAT', 'w', 'h', ...FULL);
    await redis.call('HBEAT', 'w', 'h', 'GPU', '9', 'unset', 'model', 'Url');
    expect(record(await redis.call('WORKER.GET', 'w'))).to.include({
      model_id: null,
      url: null,
      gpu_percent: '9',
      backend: 'cuda',
      vram_bytes: 100,
    });
  });

  it('refuses a bad UNSET in words naming it, and applies nothing', async () => {
    await redis.call('HBEAT', 'w', 'h', ...FULL);
    const before = await redis.call('WORKER.GET', 'w');
    const cases: Array<[string[], string]> = [
      [['UNSET'], 'ERR HBEAT UNSET needs at least one field'],
      [['UNSET', 'MODEL', 'COLOR'], "ERR unknown HBEAT field 'COLOR' in UNSET"],
      [['MODEL', 'x', 'UNSET', 'MODEL'], 'ERR HBEAT both sets and clears MODEL'],
      [['UNSET', 'MODEL', 'MODEL'], 'ERR HBEAT both sets and clears MODEL'],
      [['MODEL', ''], "ERR invalid MODEL '': expected a non-empty string"],
    ];
    for (const [args, message] of cases) {
      expect((await rejection(redis.call('HBEAT', 'w', 'h', ...args))).message, args.join(' ')).to.equal(message);
    }
    expect(await redis.call('WORKER.GET', 'w')).to.deep.equal(before);
  });

  it('JSON: null clears, an absent key keeps, an unknown key is refused', async () => {
    const json = (o: Record<string, unknown>) => redis.call('HBEAT', 'JSON', JSON.stringify({ worker_id: 'w', hive_id: 'h', ...o }));
    await json({ model_id: 'm', url: 'http://10.0.0.5:8081', vram_bytes: 100, backend: 'cuda', state: 'Busy' });
    await json({ model_id: null, vram_bytes: null, state: null });
    expect(record(await redis.call('WORKER.GET', 'w'))).to.include({
      model_id: null,
      vram_bytes: null,
      state: 'Idle',
      url: 'http://10.0.0.5:8081',
      backend: 'cuda',
    });
    expect((await rejection(json({ model: 'typo' }))).message).to.equal("ERR invalid HBEAT JSON payload: unknown field 'model'");
    expect(record(await redis.call('WORKER.GET', 'w')).model_id).to.equal(null);
  });
});
