// The keyspace views in-process, in both protocols: SCAN, KEYS, EXISTS, TYPE, TTL, PTTL, GET and DBSIZE over the
// keys `worker:<worker_id>` and `hive:<hive_id>`, with their documented replies and errors.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('SCAN / KEYS / EXISTS / TYPE / TTL / PTTL / GET / DBSIZE (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness();
    await h.run(['HBEAT', 'w1', 'hive-a']);
    await h.run(['HBEAT', 'w2', 'hive-a']);
  });
  afterEach(() => h.stop());

  it('SCAN walks every key once: pages of [cursor, keys], the last with cursor "0"; MATCH and TYPE filter', async () => {
    const seen: string[] = [];
    let cursor = '0';
    let pages = 0;
    do {
      const r = await h.run(['SCAN', cursor, 'COUNT', '1'], h.client(pages % 2 === 0 ? 2 : 3));
      expect(r.resp3).to.equal(r.resp2);
      const [next, keys] = r.reply as [string, string[]];
      seen.push(...keys.map(String));
      cursor = String(next);
      pages++;
    } while (cursor !== '0' && pages < 100);
    expect(seen.sort()).to.deep.equal(['hive:hive-a', 'worker:w1', 'worker:w2']);
    expect((await h.run(['SCAN', '0', 'MATCH', 'hive:*', 'COUNT', '100'])).resp2).to.equal('*2\r\n$1\r\n0\r\n*1\r\n$11\r\nhive:hive-a\r\n');
    expect((await h.run(['SCAN', '0', 'TYPE', 'string', 'COUNT', '100'])).resp2).to.equal('*2\r\n$1\r\n0\r\n*0\r\n');
    await h.refuses(['SCAN', 'x'], 'ERR invalid cursor');
    await h.refuses(['SCAN', '0', 'COUNT', '0'], 'ERR syntax error');
    await h.refuses(['SCAN', '0', 'LIMIT', '1'], 'ERR syntax error');
  });

  it('KEYS answers every matching key name', async () => {
    const r = await h.run(['KEYS', 'worker:*'], h.client(3));
    expect((r.reply as string[]).map(String).sort()).to.deep.equal(['worker:w1', 'worker:w2']);
    expect(r.resp3).to.equal(r.resp2);
    expect((await h.run(['KEYS', 'nothing*'])).resp2).to.equal('*0\r\n');
    await h.refuses(['KEYS'], "ERR wrong number of arguments for 'keys' command");
  });

  it('EXISTS counts the keys that exist, a key given twice twice; DBSIZE counts workers and hives', async () => {
    const r = await h.run(['EXISTS', 'worker:w1', 'worker:w1', 'hive:hive-a', 'worker:nope', 'other'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal([':3\r\n', ':3\r\n']);
    expect((await h.run(['DBSIZE'])).resp2).to.equal(':3\r\n');
    await h.refuses(['DBSIZE', 'x'], "ERR wrong number of arguments for 'dbsize' command");
  });

  it('TYPE answers +hash or +none; TTL and PTTL -1 for a key (no expiry), -2 for a missing one', async () => {
    const t = await h.run(['TYPE', 'worker:w1'], h.client(3));
    expect([t.resp2, t.resp3]).to.deep.equal(['+hash\r\n', '+hash\r\n']);
    expect((await h.run(['TYPE', 'worker:nope'])).resp2).to.equal('+none\r\n');
    for (const cmd of ['TTL', 'PTTL']) {
      expect((await h.run([cmd, 'hive:hive-a'], h.client(3))).resp3).to.equal(':-1\r\n');
      expect((await h.run([cmd, 'worker:nope'])).resp2).to.equal(':-2\r\n');
    }
  });

  it("GET answers nil for a missing key and WRONGTYPE for a worker's or hive's hash", async () => {
    const r = await h.run(['GET', 'anything'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
    await h.refuses(['GET', 'worker:w1'], 'WRONGTYPE Operation against a key holding the wrong kind of value');
  });
});
