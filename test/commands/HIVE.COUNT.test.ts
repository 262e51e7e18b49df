// HIVE.COUNT in-process, in both protocols: an integer, 0 on an empty registry, and its arity error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HIVE.COUNT (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('counts hives, offline ones included: :N in both protocols', async () => {
    expect((await h.run(['HIVE.COUNT'])).resp2).to.equal(':0\r\n');
    await h.run(['HBEAT', 'w1', 'hive-a']);
    await h.run(['HBEAT', 'w2', 'hive-a']);
    await h.run(['HBEAT', 'w3', 'hive-b']);
    h.clock.advance(60_000);
    const { resp2, resp3 } = await h.both(['HIVE.COUNT']);
    expect([resp2.resp2, resp3.resp3]).to.deep.equal([':2\r\n', ':2\r\n']);
  });

  it('refuses arguments in Redis words', async () => {
    await h.refuses(['HIVE.COUNT', 'x'], "ERR wrong number of arguments for 'hive.count' command");
  });
});
