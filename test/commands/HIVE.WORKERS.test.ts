// HIVE.WORKERS in-process, in both protocols: the hive's worker records sorted by id, an empty array for an unknown
// hive, and the arity error; every record checked against the worker shape.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HIVE.WORKERS (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('answers the records, sorted by worker id: maps in RESP3, flat arrays in RESP2', async () => {
    await h.run(['HBEAT', 'w2', 'hive-a', 'STATE', 'Busy']);
    await h.run(['HBEAT', 'w1', 'hive-a']);
    await h.run(['HBEAT', 'w3', 'hive-b']);
    const { resp2, resp3 } = await h.both(['HIVE.WORKERS', 'hive-a']);
    expect(resp3.resp3).to.match(/^\*2\r\n%19\r\n\$9\r\nworker_id\r\n\$2\r\nw1\r\n/);
    expect(resp3.resp3).to.include('%19\r\n$9\r\nworker_id\r\n$2\r\nw2\r\n');
    expect(resp2.resp2).to.match(/^\*2\r\n\*38\r\n\$9\r\nworker_id\r\n\$2\r\nw1\r\n/);
  });

  it('answers an empty array for an unknown hive', async () => {
    const r = await h.run(['HIVE.WORKERS', 'nope']);
    expect([r.resp2, r.resp3]).to.deep.equal(['*0\r\n', '*0\r\n']);
  });

  it('refuses a wrong number of arguments in Redis words', async () => {
    await h.refuses(['HIVE.WORKERS'], "ERR wrong number of arguments for 'hive.workers' command");
  });
});
