// HIVE.DEL in-process, in both protocols: 1 when the hive existed (it and its workers are gone), 0 when it was
// unknown, and its arity error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HIVE.DEL (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('answers :1 and removes the hive with its workers; then :0', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a']);
    await h.run(['HBEAT', 'w2', 'hive-a']);
    await h.run(['HBEAT', 'w3', 'hive-b']);
    const r = await h.run(['HIVE.DEL', 'hive-a'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal([':1\r\n', ':1\r\n']);
    expect(h.server.registry.getWorker('w1')).to.equal(undefined);
    expect(h.server.registry.getWorker('w3')).not.to.equal(undefined);
    const again = await h.run(['HIVE.DEL', 'hive-a']);
    expect([again.resp2, again.resp3]).to.deep.equal([':0\r\n', ':0\r\n']);
  });

  it('a removed worker that beats again is registered anew (HBEAT answers 1)', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a']);
    await h.run(['HIVE.DEL', 'hive-a']);
    expect((await h.run(['HBEAT', 'w1', 'hive-a'])).resp2).to.equal(':1\r\n');
  });

  it('refuses a wrong number of arguments in Redis words', async () => {
    await h.refuses(['HIVE.DEL'], "ERR wrong number of arguments for 'hive.del' command");
    await h.refuses(['HIVE.DEL', 'a', 'b'], "ERR wrong number of arguments for 'hive.del' command");
  });
});
