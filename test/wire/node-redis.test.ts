// The registry through node-redis (the `redis` package): it opens with HELLO 3 and CLIENT SETINFO and has no
// RESP2 fallback, so every reply here is a RESP3 shape: maps as objects, doubles as numbers, nulls.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createClient } from 'redis';
import { WireFixture, rejection } from './fixture.js';

type NodeRedis = ReturnType<typeof createClient>;

const T0 = 1_700_000_000_000;

/** The installed node-redis client version, which it reports with CLIENT SETINFO LIB-VER. */
function nodeRedisVersion(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('@redis/client');
  const pkg = main.slice(0, main.lastIndexOf('/dist/')) + '/package.json';
  return JSON.parse(readFileSync(pkg, 'utf8')).version;
}

describe('node-redis (RESP3)', () => {
  let fx: WireFixture;
  let clients: NodeRedis[];

  async function connect(options: Parameters<typeof createClient>[0] = {}): Promise<NodeRedis> {
    const client: NodeRedis = createClient({ socket: { host: '127.0.0.1', port: fx.port, reconnectStrategy: false }, ...options });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  }

  beforeEach(async () => {
    fx = await WireFixture.start();
    clients = [];
  });

  afterEach(async () => {
    for (const c of clients) if (c.isOpen) c.destroy();
    await fx.close();
  });

  it('connects with HELLO 3 and CLIENT SETINFO (library name and version)', async () => {
    const c = await connect({ name: 'orchestrator' });
    const info = await c.sendCommand<string>(['CLIENT', 'INFO']);
    expect(info).to.include(' resp=3 ');
    expect(info).to.include(' name=orchestrator ');
    expect(info).to.include(` lib-name=node-redis lib-ver=${nodeRedisVersion()}`);
    const hello = await c.sendCommand<Record<string, unknown>>(['HELLO']);
    expect(hello).to.include({ server: 'rbee-registry', proto: 3, mode: 'standalone' });
    expect(await c.ping()).to.equal('PONG');
  });

  it('HBEAT and every registry command via sendCommand, with RESP3 replies', async () => {
    const c = await connect();
    // prettier-ignore
    expect(await c.sendCommand(['HBEAT', 'gpu0', 'hive-a', 'STATE', 'Idle', 'MODEL', 'llama', 'BACKEND', 'cuda', 'URL', 'http://10.0.0.5:8081', 'VRAM', '8000000000', 'GPU', '12.5'])).to.equal(1);
    expect(
      await c.sendCommand([
        'HBEAT',
        'JSON',
        JSON.stringify({ worker_id: 'gpu1', hive_id: 'hive-a', vram_bytes: 500_000_000, state: 'Busy' }),
      ]),
    ).to.equal(1);
    expect(await c.sendCommand(['HBEAT', 'gpu0', 'hive-a', 'GPU', '20'])).to.equal(0);

    const worker = await c.sendCommand<Record<string, unknown>>(['WORKER.GET', 'gpu0']);
    expect(worker).to.include({
      worker_id: 'gpu0',
      hive_id: 'hive-a',
      state: 'Idle',
      health: 'healthy',
      url: 'http://10.0.0.5:8081',
      model_id: 'llama',
      backend: 'cuda',
      device_id: null,
      vram_bytes: 8_000_000_000,
      ram_bytes: null,
      cpu_percent: null,
      gpu_percent: 20,
      last_seen_ms: T0,
      online: 1,
    });
    expect(await c.sendCommand(['WORKER.GET', 'nope'])).to.equal(null);
    expect(await c.sendCommand(['WORKER.URL', 'gpu0'])).to.equal('http://10.0.0.5:8081');
    expect(await c.sendCommand(['WORKER.URL', 'gpu1'])).to.equal(null);
    expect(await c.sendCommand(['WORKER.COUNT'])).to.equal(2);
    expect((await c.sendCommand<Array<Record<string, unknown>>>(['WORKER.LIST', 'STATE', 'Busy'])).map((w) => w.worker_id)).to.deep.equal([
      'gpu1',
    ]);
    expect((await c.sendCommand<Record<string, unknown>>(['WORKER.BEST', 'llama'])).worker_id).to.equal('gpu0');
    expect(await c.sendCommand(['WORKER.BEST', 'llama', 'BACKEND', 'metal'])).to.equal(null);

    const res = await c.sendCommand<Record<string, unknown>>(['HIVE.RES', 'hive-a']);
    expect(res).to.include({
      hive_id: 'hive-a',
      worker_count: 2,
      vram_used_bytes: 8_500_000_000,
      ram_used_bytes: 0,
      vram_used_gb: 8.5,
      ram_used_gb: 0,
    });
    expect(await c.sendCommand(['HIVE.RES', 'nope'])).to.equal(null);
    const hive = await c.sendCommand<Record<string, unknown>>(['HIVE.GET', 'hive-a']);
    expect(hive).to.include({ hive_id: 'hive-a', online: 1, worker_count: 2, last_heartbeat_ms: T0 });
    expect(hive.workers).to.deep.equal(['gpu0', 'gpu1']);
    expect((await c.sendCommand<Array<Record<string, unknown>>>(['HIVE.WORKERS', 'hive-a'])).map((w) => w.worker_id)).to.deep.equal([
      'gpu0',
      'gpu1',
    ]);
    expect(await c.sendCommand(['HIVE.LIST'])).to.deep.equal(['hive-a']);
    expect(await c.sendCommand(['HIVE.COUNT'])).to.equal(1);
    expect(await c.sendCommand(['HIVE.ACTIVE'])).to.deep.equal(['hive-a']);
    expect(await c.sendCommand(['HIVE.ONLINE', 'hive-a'])).to.equal(1);
    fx.clock.advance(30_000);
    expect(await c.sendCommand(['HIVE.ONLINE', 'hive-a'])).to.equal(0);
    expect(await c.sendCommand(['HIVE.ACTIVE'])).to.deep.equal([]);
    expect(await c.sendCommand(['WORKER.DEL', 'gpu1'])).to.equal(1);
    expect(await c.sendCommand(['HIVE.DEL', 'hive-a'])).to.equal(1);
    expect(await c.sendCommand(['DBSIZE'])).to.equal(0);
  });

  it("errors reject with Redis' exact wording and change nothing", async () => {
    const c = await connect();
    await c.sendCommand(['HBEAT', 'w', 'h', 'VRAM', '1']);
    const cases: Array<[string[], string]> = [
      [['NOPE', 'x'], "ERR unknown command 'NOPE', with args beginning with: 'x' "],
      [['HIVE.GET'], "ERR wrong number of arguments for 'hive.get' command"],
      [['CLIENT', 'NOPE'], "ERR unknown subcommand 'NOPE'. Try CLIENT HELP."],
      [['HBEAT', 'w', 'h', 'VRAM', '2', 'STATE', 'sleeping'], "ERR invalid STATE 'sleeping': expected Idle, Busy or Loading"],
      [['HIVE.ACTIVE', 'soon'], "ERR invalid max_age_ms 'soon': expected a non-negative integer"],
    ];
    for (const [argv, message] of cases) expect((await rejection(c.sendCommand(argv))).message, argv.join(' ')).to.equal(message);
    expect((await c.sendCommand<Record<string, unknown>>(['WORKER.GET', 'w'])).vram_bytes).to.equal(1);
  });

  it('client.multi() runs a transaction; a queued unknown command aborts it', async () => {
    const c = await connect();
    const results = await c
      .multi()
      .addCommand(['HBEAT', 'w1', 'h1', 'VRAM', '100'])
      .addCommand(['HBEAT', 'w2', 'h1', 'VRAM', '150'])
      .addCommand(['HIVE.RES', 'h1'])
      .addCommand(['WORKER.COUNT'])
      .exec();
    expect(results).to.have.length(4);
    expect(results.slice(0, 2)).to.deep.equal([1, 1]);
    expect(results[2]).to.include({ worker_count: 2, vram_used_bytes: 250, vram_used_gb: 2.5e-7 });
    expect(results[3]).to.equal(2);

    // The server answers EXEC with EXECABORT; node-redis rejects with the error that made the queue fail.
    const aborted = await rejection(c.multi().addCommand(['HBEAT', 'w3', 'h1']).addCommand(['NOPE']).exec());
    expect(aborted.message).to.equal("ERR unknown command 'NOPE', with args beginning with: ");
    expect(await c.sendCommand(['WORKER.COUNT'])).to.equal(2);
  });

  it('pipelines many concurrent commands on one connection, replies matched in order', async () => {
    const c = await connect();
    const beats: unknown[] = await Promise.all(
      Array.from({ length: 200 }, (_, i) => c.sendCommand(['HBEAT', `w${i}`, `h${i % 5}`, 'RAM', String(i)])),
    );
    expect(beats.every((b) => b === 1)).to.equal(true);
    const res = (await Promise.all([0, 1, 2, 3, 4].map((h) => c.sendCommand(['HIVE.RES', `h${h}`])))) as unknown as Array<
      Record<string, unknown>
    >;
    expect(res.map((x) => x.worker_count)).to.deep.equal([40, 40, 40, 40, 40]);
    // h0 holds 0, 5, …, 195: 40 terms summing to 3900; each next hive adds 40.
    expect(res.map((x) => x.ram_used_bytes)).to.deep.equal([3900, 3940, 3980, 4020, 4060]);
  });

  it('HELLO 3 AUTH with a password, WRONGPASS with a wrong one', async () => {
    await fx.close();
    fx = await WireFixture.start({ requirePass: 's3cret' });
    const c = await connect({ password: 's3cret' });
    expect(await c.sendCommand(['HBEAT', 'w', 'h'])).to.equal(1);
    const bad: NodeRedis = createClient({ socket: { host: '127.0.0.1', port: fx.port, reconnectStrategy: false }, password: 'wrong' });
    bad.on('error', () => {});
    clients.push(bad);
    expect((await rejection(bad.connect())).message).to.equal('WRONGPASS invalid username-password pair or user is disabled.');
  });
});
