// The hash reads in-process, in both protocols: HGETALL, HGET, HMGET, HLEN, HKEYS, HVALS, HEXISTS, HSTRLEN and HSCAN
// over a worker's fields (WORKER.GET's, as strings; fields never reported left out) and a hive's.

import { expect } from 'chai';
import { Harness, str } from '../helpers/inject.js';
import { MapReply } from '../../src/resp/reply.js';

describe('HGETALL / HGET / HMGET / HLEN / HKEYS / HVALS / HEXISTS / HSTRLEN / HSCAN (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness();
    await h.run(['HBEAT', 'w1', 'hive-a', 'URL', 'http://w1', 'GPU', '12.5']);
  });
  afterEach(() => h.stop());

  it('HGETALL answers the fields as strings: a map in RESP3, a flat array in RESP2; empty for a missing key', async () => {
    const { resp2, resp3 } = await h.both(['HGETALL', 'worker:w1']);
    const fields = new Map((resp3.reply as MapReply).entries.map(([k, v]) => [str(k), str(v)]));
    expect(fields.get('url')).to.equal('http://w1');
    expect(fields.get('gpu_percent')).to.equal('12.5');
    expect(fields.has('cpu_percent')).to.equal(false);
    expect(resp3.resp3).to.match(/^%\d+\r\n\$9\r\nworker_id\r\n\$2\r\nw1\r\n/);
    expect(resp2.resp2).to.match(new RegExp(`^\\*${fields.size * 2}\\r\\n\\$9\\r\\nworker_id\\r\\n`));
    const empty = await h.run(['HGETALL', 'worker:nope'], h.client(3));
    expect([empty.resp2, empty.resp3]).to.deep.equal(['*0\r\n', '%0\r\n']);
    expect((await h.run(['HGETALL', 'hive:hive-a'])).resp2).to.include('$7\r\nhive_id\r\n$6\r\nhive-a\r\n');
  });

  it('HGET and HMGET answer values, nil for a missing field or key', async () => {
    expect((await h.run(['HGET', 'worker:w1', 'url'], h.client(3))).resp3).to.equal('$9\r\nhttp://w1\r\n');
    const miss = await h.run(['HGET', 'worker:w1', 'cpu_percent']);
    expect([miss.resp2, miss.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
    const m = await h.run(['HMGET', 'worker:w1', 'url', 'nope', 'hive_id']);
    expect(m.resp2).to.equal('*3\r\n$9\r\nhttp://w1\r\n$-1\r\n$6\r\nhive-a\r\n');
    expect(m.resp3).to.equal('*3\r\n$9\r\nhttp://w1\r\n_\r\n$6\r\nhive-a\r\n');
    await h.refuses(['HMGET', 'worker:w1'], "ERR wrong number of arguments for 'hmget' command");
  });

  it('HLEN, HKEYS, HVALS, HEXISTS and HSTRLEN agree with HGETALL; 0 or empty for a missing key', async () => {
    const all = (await h.run(['HGETALL', 'worker:w1'], h.client(3))).reply as MapReply;
    const n = all.entries.length;
    expect((await h.run(['HLEN', 'worker:w1'])).resp2).to.equal(`:${n}\r\n`);
    expect(((await h.run(['HKEYS', 'worker:w1'])).reply as string[]).map(String)).to.deep.equal(all.entries.map(([k]) => str(k)));
    expect(((await h.run(['HVALS', 'worker:w1'])).reply as string[]).map(String)).to.deep.equal(all.entries.map(([, v]) => str(v)));
    expect((await h.run(['HEXISTS', 'worker:w1', 'url'], h.client(3))).resp3).to.equal(':1\r\n');
    expect((await h.run(['HEXISTS', 'worker:w1', 'cpu_percent'])).resp2).to.equal(':0\r\n');
    expect((await h.run(['HSTRLEN', 'worker:w1', 'url'])).resp2).to.equal(':9\r\n');
    for (const argv of [
      ['HLEN', 'x'],
      ['HSTRLEN', 'x', 'url'],
      ['HEXISTS', 'x', 'url'],
    ])
      expect((await h.run(argv)).resp2).to.equal(':0\r\n');
    for (const argv of [
      ['HKEYS', 'x'],
      ['HVALS', 'x'],
    ])
      expect((await h.run(argv)).resp2).to.equal('*0\r\n');
  });

  it('HSCAN answers cursor "0" and the matching field/value pairs in one call', async () => {
    const r = await h.run(['HSCAN', 'worker:w1', '0', 'MATCH', 'ur*'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal([
      '*2\r\n$1\r\n0\r\n*2\r\n$3\r\nurl\r\n$9\r\nhttp://w1\r\n',
      '*2\r\n$1\r\n0\r\n*2\r\n$3\r\nurl\r\n$9\r\nhttp://w1\r\n',
    ]);
    await h.refuses(['HSCAN', 'worker:w1', 'x'], 'ERR invalid cursor');
    await h.refuses(['HSCAN', 'worker:w1', '0', 'TYPE', 'hash'], 'ERR syntax error');
  });
});
