// WORKER.DEL in-process, in both protocols: 1 when the worker existed (its hive goes with its last worker), 0 when
// it was unknown, and the arity error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('WORKER.DEL (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('answers :1 and removes the worker, dropping a hive left empty; then :0', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a']);
    const r = await h.run(['WORKER.DEL', 'w1'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal([':1\r\n', ':1\r\n']);
    expect(h.server.registry.getWorker('w1')).to.equal(undefined);
    expect(h.server.registry.getHive('hive-a')).to.equal(undefined);
    const again = await h.run(['WORKER.DEL', 'w1']);
    expect([again.resp2, again.resp3]).to.deep.equal([':0\r\n', ':0\r\n']);
  });

  it('refuses a wrong number of arguments in Redis words', async () => {
    await h.refuses(['WORKER.DEL'], "ERR wrong number of arguments for 'worker.del' command");
    await h.refuses(['WORKER.DEL', 'a', 'b'], "ERR wrong number of arguments for 'worker.del' command");
  });
});
