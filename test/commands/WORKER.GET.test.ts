// WORKER.GET in-process, in both protocols: the record (a map in RESP3, a flat field/value array in RESP2, fields
// never reported as nil), nil for an unknown worker, and the arity error; every reply checked against its shape.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('WORKER.GET (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness({ offlineAfterMs: 30_000 });
  });
  afterEach(() => h.stop());

  it('answers the record with every field in order; fields never reported are nil', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a', 'STATE', 'Busy', 'URL', 'http://w1:8080', 'MODEL', 'llama', 'GPU', '12.5']);
    h.clock.advance(1500);
    const r = await h.run(['WORKER.GET', 'w1']);
    expect(r.resp3).to.match(/^%19\r\n\$9\r\nworker_id\r\n\$2\r\nw1\r\n\$7\r\nhive_id\r\n\$6\r\nhive-a\r\n\$5\r\nstate\r\n\$4\r\nBusy\r\n/);
    expect(r.resp3).to.include('$6\r\nhealth\r\n$7\r\nhealthy\r\n');
    expect(r.resp3).to.include('$11\r\ngpu_percent\r\n,12.5\r\n');
    expect(r.resp3).to.include('$11\r\ncpu_percent\r\n_\r\n');
    expect(r.resp3).to.include('$6\r\nage_ms\r\n:1500\r\n');
    expect(r.resp3).to.include('$6\r\nonline\r\n:1\r\n');
    expect(r.resp3).to.include('$16\r\nclaim_expires_ms\r\n_\r\n');
    expect(r.resp2).to.match(/^\*38\r\n/);
    expect(r.resp2).to.include('$11\r\ngpu_percent\r\n$4\r\n12.5\r\n');
    expect(r.resp2).to.include('$11\r\ncpu_percent\r\n$-1\r\n');
  });

  it('says online 0 once the worker is past --offline-after', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a']);
    h.clock.advance(30_000);
    const r = await h.run(['WORKER.GET', 'w1'], h.client(3));
    expect(r.resp3).to.include('$6\r\nonline\r\n:0\r\n');
  });

  it('answers nil for an unknown worker: $-1 in RESP2, _ in RESP3', async () => {
    const r = await h.run(['WORKER.GET', 'nope']);
    expect([r.resp2, r.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
  });

  it('refuses a wrong number of arguments in Redis words', async () => {
    await h.refuses(['WORKER.GET'], "ERR wrong number of arguments for 'worker.get' command");
    await h.refuses(['WORKER.GET', 'a', 'b'], "ERR wrong number of arguments for 'worker.get' command");
  });
});
