// WORKER.RELEASE in-process, in both protocols: 1 when the token held the worker's reservation (the worker is
// pickable again), 0 for another token, an unknown worker, no reservation or an ended lease; the arity error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';
import { MapReply } from '../../src/resp/reply.js';

describe('WORKER.RELEASE (in-process)', () => {
  let h: Harness;
  let token: string;
  beforeEach(async () => {
    h = new Harness({ offlineAfterMs: 30_000 });
    await h.run(['HBEAT', 'w1', 'hive-a', 'MODEL', 'llama']);
    const claimed = await h.run(['WORKER.CLAIM', 'llama', 'LEASE', '10000']);
    token = (claimed.reply as MapReply).entries.find(([k]) => k === 'claim_token')![1] as string;
  });
  afterEach(() => h.stop());

  it('answers :1 for the holding token and frees the worker; :0 the second time', async () => {
    expect((await h.run(['WORKER.RELEASE', 'w1', 'not-the-token'])).resp2).to.equal(':0\r\n');
    const r = await h.run(['WORKER.RELEASE', 'w1', token], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal([':1\r\n', ':1\r\n']);
    expect((await h.run(['WORKER.BEST', 'llama', 'STRICT'])).resp2).to.include('$2\r\nw1\r\n');
    expect((await h.run(['WORKER.RELEASE', 'w1', token])).resp2).to.equal(':0\r\n');
  });

  it('answers :0 for an unknown worker and once the lease has ended', async () => {
    expect((await h.run(['WORKER.RELEASE', 'nope', token])).resp3).to.equal(':0\r\n');
    h.clock.advance(10_000);
    expect((await h.run(['WORKER.RELEASE', 'w1', token])).resp2).to.equal(':0\r\n');
  });

  it('refuses a wrong number of arguments in Redis words', async () => {
    await h.refuses(['WORKER.RELEASE', 'w1'], "ERR wrong number of arguments for 'worker.release' command");
  });
});
