// WORKER.BEST says whether it found the model or fell back; STRICT turns the fallback off; a fallback is reachable.

import { expect } from 'chai';
import { record, WireFixture, type Client } from './fixture.js';

describe('WORKER.BEST match and fallback', () => {
  let fx: WireFixture;
  let redis: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    redis = await fx.ioredis({ protocol: 2 });
  });
  afterEach(() => fx.close());

  it('says `model` for a worker with the model loaded', async () => {
    await redis.call('HBEAT', 'a', 'h', 'MODEL', 'm', 'URL', 'http://10.0.0.1:1');
    expect(record(await redis.call('WORKER.BEST', 'm'))).to.include({ worker_id: 'a', match: 'model' });
    expect(record(await redis.call('WORKER.BEST', 'm', 'STRICT'))).to.include({ worker_id: 'a', match: 'model' });
  });

  it('falls back to the best idle worker that has a URL, says `fallback`, and STRICT turns it off', async () => {
    // The least loaded idle worker has no URL: a fallback must not pick it.
    await redis.call('HBEAT', 'no-url', 'h', 'GPU', '1');
    await redis.call('HBEAT', 'other', 'h', 'MODEL', 'x', 'GPU', '30', 'URL', 'http://10.0.0.2:1');
    await redis.call('HBEAT', 'busy', 'h', 'MODEL', 'm', 'STATE', 'Busy', 'URL', 'http://10.0.0.3:1');
    expect(record(await redis.call('WORKER.BEST', 'm'))).to.include({ worker_id: 'other', match: 'fallback' });
    expect(await redis.call('WORKER.BEST', 'm', 'strict')).to.equal(null);
    expect(await redis.call('WORKER.CLAIM', 'm', 'STRICT')).to.equal(null);
    await redis.call('WORKER.DEL', 'other');
    expect(await redis.call('WORKER.BEST', 'm')).to.equal(null);
  });
});
