// HIVE.ONLINE in-process, in both protocols: 1 for a hive heard from within the window, 0 for one that is not or
// is unknown, with an optional max_age_ms, and its errors.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HIVE.ONLINE (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness({ offlineAfterMs: 30_000 });
    await h.run(['HBEAT', 'w1', 'hive-a']);
    h.clock.advance(20_000);
  });
  afterEach(() => h.stop());

  it('answers :1 within --offline-after, :0 past it and for an unknown hive', async () => {
    const { resp2, resp3 } = await h.both(['HIVE.ONLINE', 'hive-a']);
    expect([resp2.resp2, resp3.resp3]).to.deep.equal([':1\r\n', ':1\r\n']);
    expect((await h.run(['HIVE.ONLINE', 'nope'])).resp2).to.equal(':0\r\n');
    h.clock.advance(10_000);
    expect((await h.run(['HIVE.ONLINE', 'hive-a'], h.client(3))).resp3).to.equal(':0\r\n');
  });

  it('takes max_age_ms', async () => {
    expect((await h.run(['HIVE.ONLINE', 'hive-a', '10000'])).resp2).to.equal(':0\r\n');
    expect((await h.run(['HIVE.ONLINE', 'hive-a', '20001'])).resp2).to.equal(':1\r\n');
  });

  it('refuses a bad max_age_ms, extra arguments and a missing hive id', async () => {
    await h.refuses(['HIVE.ONLINE', 'hive-a', 'soon'], "ERR invalid max_age_ms 'soon': expected a non-negative integer");
    await h.refuses(['HIVE.ONLINE', 'hive-a', '1', '2'], 'ERR syntax error');
    await h.refuses(['HIVE.ONLINE'], "ERR wrong number of arguments for 'hive.online' command");
  });
});
