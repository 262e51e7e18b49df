// WORKER.COUNT in-process, in both protocols: an integer (offline workers included until evicted), and its arity
// error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('WORKER.COUNT (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    // The guard would hold the evictions (every worker going offline at once): off, to see them counted out.
    h = new Harness({ offlineAfterMs: 30_000, evictAfterMs: 300_000, expiryGuardPercent: 100 });
  });
  afterEach(() => h.stop());

  it('counts known workers, offline ones until they are evicted: :N in both protocols', async () => {
    expect((await h.run(['WORKER.COUNT'])).resp2).to.equal(':0\r\n');
    await h.run(['HBEAT', 'w1', 'hive-a']);
    await h.run(['HBEAT', 'w2', 'hive-b']);
    h.clock.advance(60_000);
    const { resp2, resp3 } = await h.both(['WORKER.COUNT']);
    expect([resp2.resp2, resp3.resp3]).to.deep.equal([':2\r\n', ':2\r\n']);
    h.clock.advance(300_000);
    expect((await h.run(['WORKER.COUNT'])).resp2).to.equal(':0\r\n');
  });

  it('refuses arguments in Redis words', async () => {
    await h.refuses(['WORKER.COUNT', 'x'], "ERR wrong number of arguments for 'worker.count' command");
  });
});
