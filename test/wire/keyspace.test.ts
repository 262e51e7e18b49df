// The registry as Redis keys, through real clients: worker:<id> and hive:<id> hashes answer SCAN, KEYS, TYPE,
// the hash reads, MEMORY USAGE and OBJECT ENCODING as Redis would; redis-cli --scan/--bigkeys/--memkeys work;
// writes are refused naming the registry command to use.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { needProgram } from '../helpers/programs.js';
import { MODES, record, rejection, WireFixture, type Client } from './fixture.js';

const run = promisify(execFile);

const BEAT = [
  'STATE',
  'Busy',
  'MODEL',
  'llama-3-8b',
  'BACKEND',
  'cuda',
  'VRAM',
  '8000000000',
  'GPU',
  '12.5',
  'URL',
  'http://10.0.0.5:8081',
];

async function scanAll(r: Client, ...options: string[]): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [next, page] = (await r.call('SCAN', cursor, ...options)) as [string, string[]];
    keys.push(...page);
    cursor = next;
    if (++calls > 10_000) throw new Error('SCAN never ended');
  } while (cursor !== '0');
  return keys;
}

for (const mode of MODES) {
  describe(`keyspace views (${mode.name})`, () => {
    let fx: WireFixture;
    let r: Client;

    beforeEach(async () => {
      fx = await WireFixture.start();
      r = await fx.ioredis(mode.options);
      await r.call('HBEAT', 'w1', 'hive-a', ...BEAT);
      await r.call('HBEAT', 'w2', 'hive-a');
      await r.call('HBEAT', 'w3', 'hive-b', 'STATE', 'Idle');
    });

    afterEach(async () => {
      await fx.close();
    });

    it('SCAN returns every worker and hive once; DBSIZE and INFO keyspace count the same keys', async () => {
      const keys = await scanAll(r, 'COUNT', '2');
      expect([...keys].sort()).to.deep.equal(['hive:hive-a', 'hive:hive-b', 'worker:w1', 'worker:w2', 'worker:w3']);
      expect(await r.call('DBSIZE')).to.equal(5);
      expect(String(await r.call('INFO', 'keyspace'))).to.include('db0:keys=5,expires=0,avg_ttl=0');
      expect((await scanAll(r, 'MATCH', 'hive:*')).sort()).to.deep.equal(['hive:hive-a', 'hive:hive-b']);
      expect(await scanAll(r, 'TYPE', 'string')).to.deep.equal([]);
      expect((await scanAll(r, 'TYPE', 'HASH', 'MATCH', 'worker:w[12]')).sort()).to.deep.equal(['worker:w1', 'worker:w2']);
      expect(((await r.call('KEYS', 'worker:*')) as string[]).sort()).to.deep.equal(['worker:w1', 'worker:w2', 'worker:w3']);
    });

    it('keys follow the registry: a removed worker and its emptied hive leave SCAN and DBSIZE', async () => {
      await r.call('WORKER.DEL', 'w3');
      expect((await scanAll(r)).sort()).to.deep.equal(['hive:hive-a', 'worker:w1', 'worker:w2']);
      expect(await r.call('DBSIZE')).to.equal(3);
      expect(await r.call('EXISTS', 'worker:w3', 'hive:hive-b', 'worker:w1', 'worker:w1')).to.equal(2);
    });

    it("SCAN refuses a bad cursor, a bad COUNT and unknown options with Redis' errors", async () => {
      expect((await rejection(r.call('SCAN', 'x'))).message).to.equal('ERR invalid cursor');
      expect((await rejection(r.call('SCAN', '-1'))).message).to.equal('ERR invalid cursor');
      expect((await rejection(r.call('SCAN', '0', 'COUNT', '0'))).message).to.equal('ERR syntax error');
      expect((await rejection(r.call('SCAN', '0', 'COUNT', 'ten'))).message).to.equal('ERR value is not an integer or out of range');
      expect((await rejection(r.call('SCAN', '0', 'LIMIT', '3'))).message).to.equal('ERR syntax error');
      expect((await rejection(r.call('SCAN', '0', 'MATCH'))).message).to.equal('ERR syntax error');
      expect(await r.call('SCAN', '99999999999999999999'.slice(0, 19))).to.deep.equal(['0', []]);
    });

    it("a worker is a hash with WORKER.GET's fields as strings; a hive with HIVE.GET's", async () => {
      expect(await r.call('TYPE', 'worker:w1')).to.equal('hash');
      expect(await r.call('TYPE', 'hive:hive-a')).to.equal('hash');
      expect(await r.call('TYPE', 'nothing')).to.equal('none');
      const w = record(await r.call('HGETALL', 'worker:w1'));
      expect(w).to.include({
        worker_id: 'w1',
        hive_id: 'hive-a',
        state: 'Busy',
        health: 'healthy',
        model_id: 'llama-3-8b',
        backend: 'cuda',
        vram_bytes: '8000000000',
        gpu_percent: '12.5',
        url: 'http://10.0.0.5:8081',
        online: '1',
        age_ms: '0',
      });
      expect(w).not.to.have.property('ram_bytes'); // never reported: no field, as a hash has no nil values
      expect(await r.call('HGET', 'worker:w1', 'state')).to.equal('Busy');
      expect(await r.call('HGET', 'worker:w1', 'ram_bytes')).to.equal(null);
      expect(await r.call('HMGET', 'worker:w1', 'model_id', 'nope', 'backend')).to.deep.equal(['llama-3-8b', null, 'cuda']);
      expect(await r.call('HMGET', 'worker:none', 'model_id')).to.deep.equal([null]);
      expect(await r.call('HLEN', 'worker:w1')).to.equal(Object.keys(w).length);
      expect(await r.call('HKEYS', 'worker:w1')).to.deep.equal(Object.keys(w));
      expect(await r.call('HVALS', 'worker:w1')).to.deep.equal(Object.values(w));
      expect(await r.call('HEXISTS', 'worker:w1', 'url')).to.equal(1);
      expect(await r.call('HEXISTS', 'worker:w2', 'url')).to.equal(0);
      expect(await r.call('HSTRLEN', 'worker:w1', 'backend')).to.equal(4);
      expect(await r.call('HLEN', 'worker:none')).to.equal(0);
      const none = await r.call('HGETALL', 'worker:none');
      expect(mode.resp === 3 ? none : record(none)).to.deep.equal({});
      const h = record(await r.call('HGETALL', 'hive:hive-a'));
      expect(h).to.include({ hive_id: 'hive-a', worker_count: '2', vram_used_bytes: '8000000000', online: '1', vram_used_gb: '8' });
      const [cursor, flat] = (await r.call('HSCAN', 'hive:hive-a', '0', 'MATCH', 'online*')) as [string, string[]];
      expect(cursor).to.equal('0');
      expect(flat).to.deep.equal([
        'online',
        '1',
        'online_worker_count',
        '2',
        'online_vram_used_bytes',
        '8000000000',
        'online_ram_used_bytes',
        '0',
      ]);
      expect(await r.call('TTL', 'worker:w1')).to.equal(-1);
      expect(await r.call('PTTL', 'worker:none')).to.equal(-2);
      expect((await rejection(r.call('GET', 'worker:w1'))).message).to.equal(
        'WRONGTYPE Operation against a key holding the wrong kind of value',
      );
      expect(await r.call('GET', 'plain')).to.equal(null);
    });

    it('a hash tracks the registry: a heartbeat and an offline transition show in HGET', async () => {
      await r.call('HBEAT', 'w1', 'hive-a', 'STATE', 'Idle', 'GPU', '80');
      expect(await r.call('HMGET', 'worker:w1', 'state', 'gpu_percent')).to.deep.equal(['Idle', '80']);
      fx.clock.advance(30_000);
      expect(await r.call('HGET', 'worker:w1', 'online')).to.equal('0');
      expect(await r.call('HGET', 'hive:hive-a', 'online')).to.equal('0');
    });

    it('MEMORY USAGE and OBJECT answer per key, nil for a missing key', async () => {
      const bytes = (await r.call('MEMORY', 'USAGE', 'worker:w1')) as number;
      expect(bytes)
        .to.be.a('number')
        .and.greaterThan((await r.call('MEMORY', 'USAGE', 'worker:w2')) as number);
      expect(await r.call('MEMORY', 'USAGE', 'worker:w1', 'SAMPLES', '0')).to.equal(bytes);
      expect(await r.call('MEMORY', 'USAGE', 'worker:none')).to.equal(null);
      expect((await rejection(r.call('MEMORY', 'USAGE', 'worker:w1', 'SAMPLES'))).message).to.equal('ERR syntax error');
      expect(await r.call('OBJECT', 'ENCODING', 'worker:w1')).to.equal('listpack');
      expect(await r.call('OBJECT', 'ENCODING', 'nothing')).to.equal(null);
      expect(await r.call('OBJECT', 'REFCOUNT', 'hive:hive-a')).to.equal(1);
      fx.clock.advance(4_000);
      expect(await r.call('OBJECT', 'IDLETIME', 'worker:w1')).to.equal(4);
      await r.call('HBEAT', 'long', 'hive-a', 'URL', `http://10.0.0.5:8081/${'x'.repeat(80)}`);
      expect(await r.call('OBJECT', 'ENCODING', 'worker:long')).to.equal('hashtable'); // a value over 64 bytes, as Redis
    });

    it('writes are refused naming the registry command, and change nothing', async () => {
      const message = async (...args: string[]) => (await rejection(r.call(args[0]!, ...args.slice(1)))).message;
      expect(await message('DEL', 'worker:w1')).to.equal(
        "ERR DEL refused: 'worker:w1' is a read-only view of worker 'w1'; remove it with WORKER.DEL w1",
      );
      expect(await message('UNLINK', 'hive:hive-a')).to.equal(
        "ERR UNLINK refused: 'hive:hive-a' is a read-only view of hive 'hive-a'; remove it with HIVE.DEL hive-a",
      );
      expect(await message('HSET', 'worker:w1', 'state', 'Idle')).to.match(/^ERR HSET refused: .* HBEAT w1 <hive_id>/);
      expect(await message('EXPIRE', 'worker:w1', '10')).to.match(/liveness .*WORKER\.DEL w1$/);
      expect(await message('SET', 'foo', 'bar')).to.match(/^ERR SET refused: the registry stores no keys of its own.*HBEAT/);
      expect(await r.call('HGET', 'worker:w1', 'state')).to.equal('Busy');
      expect(await r.call('DBSIZE')).to.equal(5);
      expect(await r.call('PING')).to.equal('PONG');
    });
  });
}

describe('redis-cli over the keyspace', () => {
  let fx: WireFixture;

  before(function () {
    needProgram(this, 'redis-cli');
  });

  beforeEach(async () => {
    fx = await WireFixture.start();
    const r = await fx.ioredis();
    for (let i = 0; i < 250; i++) await r.call('HBEAT', `w${i}`, `hive-${i % 3}`, ...(i === 7 ? BEAT : []));
  });

  afterEach(async () => {
    await fx.close();
  });

  const cli = (...args: string[]) => run('redis-cli', ['-p', String(fx.port), ...args], { timeout: 20_000 }).then((o) => o.stdout);

  it('--scan lists every key, --pattern filters them', async () => {
    const keys = (await cli('--scan')).trim().split('\n');
    expect(keys).to.have.length(253);
    expect(new Set(keys).size).to.equal(253);
    expect((await cli('--scan', '--pattern', 'hive:*')).trim().split('\n').sort()).to.deep.equal([
      'hive:hive-0',
      'hive:hive-1',
      'hive:hive-2',
    ]);
  });

  it('--bigkeys finds the worker with the most fields and counts every key as a hash', async () => {
    const out = await cli('--bigkeys');
    expect(out).to.include('Sampled 253 keys in the keyspace!');
    expect(out).to.match(/Biggest {3}hash found '"worker:w7"' has \d+ fields/);
    expect(out).to.match(/253 hashs with \d+ fields \(100\.00% of keys/);
  });

  it('--memkeys reads MEMORY USAGE of every key', async () => {
    const out = await cli('--memkeys');
    expect(out).to.include('Sampled 253 keys in the keyspace!');
    expect(out).to.match(/Biggest {3}hash found '"hive:hive-\d"' has \d+ bytes/);
  });
});
