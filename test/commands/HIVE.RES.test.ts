// HIVE.RES in-process, in both protocols: the map of sums (a flat array in RESP2, doubles as bulk strings), nil
// for an unknown hive, and its arity error; every reply checked against the spec's reply shape by the harness.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HIVE.RES (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('sums its workers: a map in RESP3 with doubles, a flat array in RESP2 with the doubles as bulk strings', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a', 'VRAM', '8000000000', 'RAM', '1500000000']);
    await h.run(['HBEAT', 'w2', 'hive-a', 'VRAM', '2000000000']);
    const r = await h.run(['HIVE.RES', 'hive-a']);
    expect(r.resp3).to.match(/^%13\r\n\$7\r\nhive_id\r\n\$6\r\nhive-a\r\n\$12\r\nworker_count\r\n:2\r\n/);
    expect(r.resp3).to.include('$12\r\nvram_used_gb\r\n,10\r\n');
    expect(r.resp3).to.include('$11\r\nram_used_gb\r\n,1.5\r\n');
    expect(r.resp2).to.match(/^\*26\r\n/);
    expect(r.resp2).to.include('$12\r\nvram_used_gb\r\n$2\r\n10\r\n');
    expect(r.resp2).to.include('$16\r\nvram_total_bytes\r\n$-1\r\n');
    expect(r.resp3).to.include('$16\r\nvram_total_bytes\r\n_\r\n');
  });

  it('answers nil for an unknown hive: $-1 in RESP2, _ in RESP3', async () => {
    const r = await h.run(['HIVE.RES', 'nope']);
    expect([r.resp2, r.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
  });

  it('refuses a wrong number of arguments in Redis words', async () => {
    for (const argv of [['HIVE.RES'], ['HIVE.RES', 'a', 'b']]) {
      const r = await h.run(argv);
      expect(r.error).to.equal("ERR wrong number of arguments for 'hive.res' command");
      expect(r.resp3).to.equal(r.resp2);
    }
  });
});
