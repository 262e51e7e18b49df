// WORKER.CLAIM in-process, in both protocols: the reserved record with `match` and `claim_token`, the reservation
// keeping the worker from WORKER.BEST and the next claim until its lease ends, nil, and every documented error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';
import { MapReply } from '../../src/resp/reply.js';

function field(reply: unknown, name: string): unknown {
  return (reply as MapReply).entries.find(([k]) => k === name)?.[1];
}

describe('WORKER.CLAIM (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness({ offlineAfterMs: 30_000 });
    await h.run(['HBEAT', 'w1', 'hive-a', 'MODEL', 'llama', 'GPU', '10', 'URL', 'http://a']);
  });
  afterEach(() => h.stop());

  it('reserves the worker WORKER.BEST would pick: its record, `match`, `claim_token`, and claim_expires_ms set', async () => {
    const r = await h.run(['WORKER.CLAIM', 'llama', 'LEASE', '5000'], h.client(3));
    expect(r.resp3).to.match(/^%21\r\n\$9\r\nworker_id\r\n\$2\r\nw1\r\n/);
    expect(r.resp3).to.include(`$16\r\nclaim_expires_ms\r\n:${h.clock.now() + 5000}\r\n`);
    expect(r.resp3).to.match(/\$5\r\nmatch\r\n\$5\r\nmodel\r\n\$11\r\nclaim_token\r\n\$36\r\n[0-9a-f-]{36}\r\n$/);
    expect(r.resp2).to.match(/^\*42\r\n/);
    expect(field(r.reply, 'claim_token')).to.be.a('string');
  });

  it('a reserved worker is not picked again until the lease ends; then nil turns back into the worker', async () => {
    await h.run(['WORKER.CLAIM', 'llama', 'LEASE', '5000']);
    const none = await h.run(['WORKER.CLAIM', 'llama', 'STRICT']);
    expect([none.resp2, none.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
    expect((await h.run(['WORKER.BEST', 'llama', 'STRICT'])).resp2).to.equal('$-1\r\n');
    h.clock.advance(5000);
    expect((await h.run(['WORKER.CLAIM', 'llama'])).resp2).to.include('$2\r\nw1\r\n');
  });

  it('refuses a bad LEASE, a bad MINFREE and an unknown option', async () => {
    await h.refuses(['WORKER.CLAIM', 'llama', 'LEASE', 'x'], "ERR invalid LEASE 'x': expected a positive integer (ms)");
    await h.refuses(['WORKER.CLAIM', 'llama', 'LEASE', '0'], "ERR invalid LEASE '0': expected a positive integer (ms)");
    await h.refuses(['WORKER.CLAIM', 'llama', 'MINFREE', '-1'], "ERR invalid MINFREE '-1': expected a non-negative integer (bytes)");
    await h.refuses(['WORKER.CLAIM', 'llama', 'NOW'], "ERR syntax error, unknown option 'NOW'");
    await h.refuses(['WORKER.CLAIM'], "ERR wrong number of arguments for 'worker.claim' command");
    expect((await h.run(['WORKER.BEST', 'llama'])).resp2).to.include('$2\r\nw1\r\n');
  });
});
