// The registry commands through ioredis over a real socket, in RESP2 and in RESP3: reply shapes, nils,
// doubles, errors in Redis' wording, bad arguments that change nothing, pipelines and transactions.

import { expect } from 'chai';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';

const T0 = 1_700_000_000_000; // ManualClock's start

/** A double in an expected reply: a bulk string in RESP2, a number in RESP3. */
class Dbl {
  constructor(readonly value: number) {}
}
const dbl = (n: number) => new Dbl(n);

/** What ioredis returns for a map reply: a flat field/value array in RESP2, an object in RESP3. */
function wire(resp: 2 | 3, fields: Record<string, unknown>): unknown {
  const value = (v: unknown): unknown => (v instanceof Dbl ? (resp === 2 ? String(v.value) : v.value) : v);
  if (resp === 3) return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, value(v)]));
  return Object.entries(fields).flatMap(([k, v]) => [k, value(v)]);
}

// prettier-ignore
const FULL_BEAT = [
  'HBEAT', 'gpu0', 'hive-a', 'STATE', 'Idle', 'HEALTH', 'healthy', 'URL', 'http://10.0.0.5:8081', 'MODEL', 'llama-3-8b',
  'BACKEND', 'cuda', 'DEVICE', '0', 'VRAM', '8000000000', 'VRAM_TOTAL', '24000000000', 'RAM', '2000000000', 'CPU', '7.5',
  'GPU', '12.5', 'TS', '2025-10-22T12:00:00Z',
] as const;

const FULL_RECORD = {
  worker_id: 'gpu0',
  hive_id: 'hive-a',
  state: 'Idle',
  health: 'healthy',
  url: 'http://10.0.0.5:8081',
  model_id: 'llama-3-8b',
  backend: 'cuda',
  device_id: 0,
  vram_bytes: 8_000_000_000,
  vram_total_bytes: 24_000_000_000,
  ram_bytes: 2_000_000_000,
  cpu_percent: dbl(7.5),
  gpu_percent: dbl(12.5),
  reported_at: '2025-10-22T12:00:00Z',
  skew_ms: Date.parse('2025-10-22T12:00:00Z') - T0, // the worker's clock minus the server's
  last_seen_ms: T0,
  age_ms: 0,
  online: 1,
  claim_expires_ms: null,
};

const MINIMAL_RECORD = {
  worker_id: 'w',
  hive_id: 'h',
  state: 'Idle',
  health: 'healthy',
  url: null,
  model_id: null,
  backend: null,
  device_id: null,
  vram_bytes: null,
  vram_total_bytes: null,
  ram_bytes: null,
  cpu_percent: null,
  gpu_percent: null,
  reported_at: null,
  skew_ms: null,
  last_seen_ms: T0,
  age_ms: 0,
  online: 1,
  claim_expires_ms: null,
};

const call = (r: Client, argv: readonly string[]) => r.call(argv[0]!, ...argv.slice(1));
const ids = (records: unknown) => (records as unknown[]).map((w) => record(w).worker_id);

for (const mode of MODES) {
  describe(`ioredis ${mode.name}: registry commands`, () => {
    let fx: WireFixture;
    let r: Client;

    beforeEach(async () => {
      fx = await WireFixture.start();
      r = await fx.ioredis(mode.options);
    });

    afterEach(async () => {
      await fx.close();
    });

    it(`speaks RESP${mode.resp} on this connection`, async () => {
      const info = String(await r.call('CLIENT', 'INFO'));
      expect(info).to.include(` resp=${mode.resp} `);
    });

    describe('HBEAT', () => {
      it('registers a worker with every option (reply 1) and WORKER.GET returns its whole record', async () => {
        expect(await call(r, FULL_BEAT)).to.equal(1);
        expect(await r.call('WORKER.GET', 'gpu0')).to.deep.equal(wire(mode.resp, FULL_RECORD));
      });

      it('a worker that sent only its ids has nil fields, Idle and healthy', async () => {
        expect(await r.call('HBEAT', 'w', 'h')).to.equal(1);
        expect(await r.call('WORKER.GET', 'w')).to.deep.equal(wire(mode.resp, MINIMAL_RECORD));
      });

      it('refreshes a known worker (reply 0): omitted fields keep their value, options are case-insensitive', async () => {
        await call(r, FULL_BEAT);
        fx.clock.advance(1500);
        expect(await r.call('HBEAT', 'gpu0', 'hive-a', 'gpu', '40', 'State', 'busy')).to.equal(0);
        fx.clock.advance(250);
        expect(await r.call('WORKER.GET', 'gpu0')).to.deep.equal(
          wire(mode.resp, { ...FULL_RECORD, state: 'Busy', gpu_percent: dbl(40), last_seen_ms: T0 + 1500, age_ms: 250 }),
        );
      });

      it("takes the seed's JSON payload: an absent key keeps the field, null clears it, an unknown key is refused", async () => {
        const payload = {
          worker_id: 'gpu1',
          hive_id: 'hive-b',
          timestamp: '2025-10-22T12:00:00+02:00',
          health_status: 'degraded',
          state: 'Loading',
          url: 'http://10.0.0.6:8081',
          model_id: 'mistral-7b',
          backend: 'metal',
          device_id: 1,
          vram_bytes: 4_000_000_000,
          ram_bytes: null,
          cpu_percent: 3,
          gpu_percent: 99.5,
        };
        const refused = await r.call('HBEAT', 'JSON', JSON.stringify({ ...payload, something_new: { nested: true } })).then(
          () => null,
          (e: Error) => e.message,
        );
        expect(refused).to.equal("ERR invalid HBEAT JSON payload: unknown field 'something_new'");
        expect(await r.call('HBEAT', 'JSON', JSON.stringify(payload))).to.equal(1);
        expect(await r.call('HBEAT', 'json', JSON.stringify({ worker_id: 'gpu1', hive_id: 'hive-b', gpu_percent: 50 }))).to.equal(0);
        expect(await r.call('WORKER.GET', 'gpu1')).to.deep.equal(
          wire(mode.resp, {
            worker_id: 'gpu1',
            hive_id: 'hive-b',
            state: 'Loading',
            health: 'degraded',
            url: 'http://10.0.0.6:8081',
            model_id: 'mistral-7b',
            backend: 'metal',
            device_id: 1,
            vram_bytes: 4_000_000_000,
            vram_total_bytes: null,
            ram_bytes: null,
            cpu_percent: dbl(3),
            gpu_percent: dbl(50),
            reported_at: '2025-10-22T12:00:00+02:00',
            skew_ms: Date.parse('2025-10-22T10:00:00Z') - T0,
            last_seen_ms: T0,
            age_ms: 0,
            online: 1,
            claim_expires_ms: null,
          }),
        );
      });

      it('moves a worker between hives; the resource sums and hive lists follow', async () => {
        await r.call('HBEAT', 'w1', 'h1', 'VRAM', '100', 'RAM', '10');
        await r.call('HBEAT', 'w2', 'h1', 'VRAM', '200');
        expect(record(await r.call('HIVE.RES', 'h1'))).to.include({ worker_count: 2, vram_used_bytes: 300, ram_used_bytes: 10 });

        expect(await r.call('HBEAT', 'w1', 'h2')).to.equal(0);
        expect(record(await r.call('HIVE.RES', 'h1'))).to.include({ worker_count: 1, vram_used_bytes: 200, ram_used_bytes: 0 });
        expect(record(await r.call('HIVE.RES', 'h2'))).to.include({ worker_count: 1, vram_used_bytes: 100, ram_used_bytes: 10 });
        expect(record(await r.call('WORKER.GET', 'w1')).hive_id).to.equal('h2');

        await r.call('HBEAT', 'w2', 'h2', 'VRAM', '250');
        expect(await r.call('HIVE.RES', 'h1')).to.equal(null);
        expect(await r.call('HIVE.LIST')).to.deep.equal(['h2']);
        expect(await r.call('HIVE.COUNT')).to.equal(1);
        expect(record(await r.call('HIVE.RES', 'h2'))).to.include({ worker_count: 2, vram_used_bytes: 350, ram_used_bytes: 10 });
        expect(await r.call('WORKER.COUNT')).to.equal(2);
      });
    });

    describe('HIVE.*', () => {
      it('HIVE.GET returns the hive record with sums, doubles and sorted worker ids; nil when unknown', async () => {
        await r.call('HBEAT', 'w-b', 'hive-a', 'VRAM', '500000000', 'RAM', '1500000000');
        fx.clock.advance(700);
        await r.call('HBEAT', 'w-a', 'hive-a', 'VRAM', '8000000000');
        fx.clock.advance(300);
        expect(await r.call('HIVE.GET', 'hive-a')).to.deep.equal(
          wire(mode.resp, {
            hive_id: 'hive-a',
            last_heartbeat_ms: T0 + 700,
            online: 1,
            worker_count: 2,
            vram_used_bytes: 8_500_000_000,
            ram_used_bytes: 1_500_000_000,
            vram_used_gb: dbl(8.5),
            ram_used_gb: dbl(1.5),
            vram_total_bytes: null,
            vram_free_bytes: null,
            online_worker_count: 2,
            online_vram_used_bytes: 8_500_000_000,
            online_ram_used_bytes: 1_500_000_000,
            online_vram_total_bytes: null,
            online_vram_free_bytes: null,
            workers: ['w-a', 'w-b'],
          }),
        );
        expect(await r.call('HIVE.GET', 'nope')).to.equal(null);
      });

      it('HIVE.RES returns the resource sums; nil when unknown', async () => {
        await r.call('HBEAT', 'w1', 'hive-a', 'VRAM', '4000000000', 'RAM', '2000000000');
        await r.call('HBEAT', 'w2', 'hive-a', 'VRAM', '250000000');
        expect(await r.call('HIVE.RES', 'hive-a')).to.deep.equal(
          wire(mode.resp, {
            hive_id: 'hive-a',
            worker_count: 2,
            vram_used_bytes: 4_250_000_000,
            ram_used_bytes: 2_000_000_000,
            vram_used_gb: dbl(4.25),
            ram_used_gb: dbl(2),
            vram_total_bytes: null,
            vram_free_bytes: null,
            online_worker_count: 2,
            online_vram_used_bytes: 4_250_000_000,
            online_ram_used_bytes: 2_000_000_000,
            online_vram_total_bytes: null,
            online_vram_free_bytes: null,
          }),
        );
        expect(await r.call('HIVE.RES', 'nope')).to.equal(null);
      });

      it('HIVE.WORKERS returns the records sorted by worker id; empty for an unknown hive', async () => {
        await r.call('HBEAT', 'w', 'h');
        await r.call('HBEAT', 'c', 'h');
        await r.call('HBEAT', 'x', 'other');
        const workers = (await r.call('HIVE.WORKERS', 'h')) as unknown[];
        expect(workers).to.have.length(2);
        expect(ids(workers)).to.deep.equal(['c', 'w']);
        expect(workers[1]).to.deep.equal(wire(mode.resp, MINIMAL_RECORD));
        expect(await r.call('HIVE.WORKERS', 'nope')).to.deep.equal([]);
      });

      it('HIVE.LIST / HIVE.COUNT / HIVE.ACTIVE / HIVE.ONLINE follow the server clock, offline at exactly max age', async () => {
        await r.call('HBEAT', 'w1', 'zeta');
        fx.clock.advance(10_000);
        await r.call('HBEAT', 'w2', 'alpha');
        await r.call('HBEAT', 'w3', 'alpha');
        expect(await r.call('HIVE.LIST')).to.deep.equal(['alpha', 'zeta']);
        expect(await r.call('HIVE.COUNT')).to.equal(2);
        expect(await r.call('HIVE.ACTIVE')).to.deep.equal(['alpha', 'zeta']);

        fx.clock.advance(19_999); // zeta is 29 999 ms old: still online
        expect(await r.call('HIVE.ONLINE', 'zeta')).to.equal(1);
        fx.clock.advance(1); // 30 000 ms: offline
        expect(await r.call('HIVE.ONLINE', 'zeta')).to.equal(0);
        expect(await r.call('HIVE.ACTIVE')).to.deep.equal(['alpha']);
        expect(await r.call('HIVE.ONLINE', 'zeta', '30001')).to.equal(1);
        expect(await r.call('HIVE.ACTIVE', '30001')).to.deep.equal(['alpha', 'zeta']);
        expect(await r.call('HIVE.ACTIVE', '0')).to.deep.equal([]);
        expect(await r.call('HIVE.ONLINE', 'alpha')).to.equal(1);
        expect(await r.call('HIVE.ONLINE', 'nope')).to.equal(0);
        // Offline hives are still known.
        expect(await r.call('HIVE.LIST')).to.deep.equal(['alpha', 'zeta']);
        expect(await r.call('HIVE.COUNT')).to.equal(2);
        expect(record(await r.call('HIVE.GET', 'zeta')).online).to.equal(0);
        expect(record(await r.call('WORKER.GET', 'w1'))).to.include({ online: 0, age_ms: 30_000 });
      });

      it('HIVE.DEL removes the hive and its workers (1), then 0; a removed worker registers anew', async () => {
        await r.call('HBEAT', 'w1', 'h1');
        await r.call('HBEAT', 'w2', 'h1');
        await r.call('HBEAT', 'w3', 'h2');
        expect(await r.call('HIVE.DEL', 'h1')).to.equal(1);
        expect(await r.call('HIVE.DEL', 'h1')).to.equal(0);
        expect(await r.call('WORKER.GET', 'w1')).to.equal(null);
        expect(await r.call('WORKER.COUNT')).to.equal(1);
        expect(await r.call('HIVE.LIST')).to.deep.equal(['h2']);
        expect(await r.call('HBEAT', 'w1', 'h1')).to.equal(1);
        expect(await r.call('WORKER.COUNT')).to.equal(2);
      });
    });

    describe('WORKER.*', () => {
      it('WORKER.COUNT counts every known worker, online or not; DBSIZE adds the hives (their keys)', async () => {
        expect(await r.call('WORKER.COUNT')).to.equal(0);
        for (const w of ['a', 'b', 'c']) await r.call('HBEAT', w, 'h');
        fx.clock.advance(60_000);
        expect(await r.call('WORKER.COUNT')).to.equal(3);
        expect(await r.call('DBSIZE')).to.equal(4);
      });

      it('WORKER.DEL removes a worker (1, then 0) and a hive left empty; the hive keeps its other workers', async () => {
        await r.call('HBEAT', 'w1', 'h1', 'VRAM', '10');
        fx.clock.advance(100);
        await r.call('HBEAT', 'w2', 'h1', 'VRAM', '20');
        expect(await r.call('WORKER.DEL', 'w2')).to.equal(1);
        expect(await r.call('WORKER.DEL', 'w2')).to.equal(0);
        expect(record(await r.call('HIVE.GET', 'h1'))).to.include({ worker_count: 1, vram_used_bytes: 10, last_heartbeat_ms: T0 });
        expect(await r.call('WORKER.DEL', 'w1')).to.equal(1);
        expect(await r.call('HIVE.GET', 'h1')).to.equal(null);
        expect(await r.call('HIVE.COUNT')).to.equal(0);
        expect(await r.call('WORKER.COUNT')).to.equal(0);
      });

      it('WORKER.URL returns the URL; nil when never sent or unknown', async () => {
        await r.call('HBEAT', 'w1', 'h', 'URL', 'http://10.0.0.5:8081/v1');
        await r.call('HBEAT', 'w2', 'h');
        expect(await r.call('WORKER.URL', 'w1')).to.equal('http://10.0.0.5:8081/v1');
        expect(await r.call('WORKER.URL', 'w2')).to.equal(null);
        expect(await r.call('WORKER.URL', 'nope')).to.equal(null);
      });

      it('WORKER.LIST filters by hive, state, model, backend and age, sorted by worker id', async () => {
        await r.call('HBEAT', 'd', 'h1', 'STATE', 'Busy', 'MODEL', 'llama', 'BACKEND', 'cuda');
        await r.call('HBEAT', 'c', 'h1', 'MODEL', 'llama', 'BACKEND', 'cpu');
        await r.call('HBEAT', 'b', 'h2', 'STATE', 'Idle', 'MODEL', 'mistral', 'BACKEND', 'cuda');
        fx.clock.advance(5000);
        await r.call('HBEAT', 'a', 'h2', 'STATE', 'Loading', 'MODEL', 'llama', 'BACKEND', 'cuda');
        expect(ids(await r.call('WORKER.LIST'))).to.deep.equal(['a', 'b', 'c', 'd']);
        expect(ids(await r.call('WORKER.LIST', 'HIVE', 'h1'))).to.deep.equal(['c', 'd']);
        expect(ids(await r.call('WORKER.LIST', 'state', 'idle'))).to.deep.equal(['b', 'c']);
        expect(ids(await r.call('WORKER.LIST', 'MODEL', 'llama'))).to.deep.equal(['a', 'c', 'd']);
        expect(ids(await r.call('WORKER.LIST', 'BACKEND', 'cuda'))).to.deep.equal(['a', 'b', 'd']);
        expect(ids(await r.call('WORKER.LIST', 'MAXAGE', '5000'))).to.deep.equal(['a']);
        expect(ids(await r.call('WORKER.LIST', 'MAXAGE', '5001'))).to.deep.equal(['a', 'b', 'c', 'd']);
        expect(ids(await r.call('WORKER.LIST', 'MODEL', 'llama', 'BACKEND', 'cuda', 'HIVE', 'h1'))).to.deep.equal(['d']);
        expect(ids(await r.call('WORKER.LIST', 'HIVE', 'nope'))).to.deep.equal([]);
        const [first] = (await r.call('WORKER.LIST', 'HIVE', 'h2', 'STATE', 'Loading')) as unknown[];
        expect(record(first)).to.include({ worker_id: 'a', state: 'Loading', age_ms: 0, online: 1 });
      });

      it('WORKER.BEST: online idle workers with the model, healthy first, then least GPU load, then id', async () => {
        await r.call('HBEAT', 'busy', 'h', 'MODEL', 'm', 'STATE', 'Busy', 'GPU', '0');
        await r.call('HBEAT', 'degraded', 'h', 'MODEL', 'm', 'HEALTH', 'degraded', 'GPU', '1');
        await r.call('HBEAT', 'no-gpu', 'h', 'MODEL', 'm');
        await r.call('HBEAT', 'gpu-50-b', 'h', 'MODEL', 'm', 'GPU', '50', 'BACKEND', 'cuda');
        await r.call('HBEAT', 'gpu-50-a', 'h', 'MODEL', 'm', 'GPU', '50', 'BACKEND', 'cpu');
        await r.call('HBEAT', 'other', 'h', 'MODEL', 'x', 'GPU', '0', 'URL', 'http://10.0.0.7:1');
        expect(record(await r.call('WORKER.BEST', 'm')).worker_id).to.equal('gpu-50-a');
        expect(record(await r.call('WORKER.BEST', 'm', 'backend', 'cuda')).worker_id).to.equal('gpu-50-b');
        await r.call('HBEAT', 'gpu-50-a', 'h', 'STATE', 'Busy');
        await r.call('HBEAT', 'gpu-50-b', 'h', 'STATE', 'Loading');
        expect(record(await r.call('WORKER.BEST', 'm')).worker_id).to.equal('no-gpu'); // never sent GPU: 100
        await r.call('HBEAT', 'no-gpu', 'h', 'STATE', 'Busy');
        expect(record(await r.call('WORKER.BEST', 'm')).worker_id).to.equal('degraded');
        // No worker has the model: any online idle worker with a URL, so the caller can load it there.
        expect({ ...record(await r.call('WORKER.BEST', 'unknown-model')), match: undefined }).to.deep.equal({
          ...record(await r.call('WORKER.GET', 'other')),
          match: undefined,
        });
        expect(record(await r.call('WORKER.BEST', 'unknown-model')).match).to.equal('fallback');
        expect(await r.call('WORKER.BEST', 'm', 'BACKEND', 'rocm')).to.equal(null);
        fx.clock.advance(30_000);
        expect(await r.call('WORKER.BEST', 'm')).to.equal(null);
      });
    });

    describe('errors', () => {
      it("unknown commands, wrong arity and unknown subcommands reply in Redis' words", async () => {
        const cases: Array<[string[], string]> = [
          [['NOPE', 'a', 'b'], "ERR unknown command 'NOPE', with args beginning with: 'a' 'b' "],
          [['nope'], "ERR unknown command 'nope', with args beginning with: "],
          [['HBEAT', 'w1'], "ERR wrong number of arguments for 'hbeat' command"],
          [['HIVE.GET'], "ERR wrong number of arguments for 'hive.get' command"],
          [['hive.count', 'extra'], "ERR wrong number of arguments for 'hive.count' command"],
          [['WORKER.GET', 'a', 'b'], "ERR wrong number of arguments for 'worker.get' command"],
          [['WORKER.BEST'], "ERR wrong number of arguments for 'worker.best' command"],
          [['CLIENT'], "ERR wrong number of arguments for 'client' command"],
          [['CLIENT', 'SETNAME'], "ERR wrong number of arguments for 'client|setname' command"],
          [['CLIENT', 'bogus'], "ERR unknown subcommand 'bogus'. Try CLIENT HELP."],
          [['CONFIG', 'BOGUS', 'x'], "ERR unknown subcommand 'BOGUS'. Try CONFIG HELP."],
          [['COMMAND', 'nope'], "ERR unknown subcommand 'nope'. Try COMMAND HELP."],
          [['PING', 'a', 'b'], "ERR wrong number of arguments for 'ping' command"],
        ];
        for (const [argv, message] of cases) {
          const e = await rejection(call(r, argv));
          expect(e.message, argv.join(' ')).to.equal(message);
          expect(e.name, argv.join(' ')).to.equal('ReplyError');
        }
        expect(await r.call('PING')).to.equal('PONG'); // the connection is still in sync
      });

      it('a bad argument gives an -ERR naming it and changes nothing', async () => {
        await call(r, FULL_BEAT);
        await r.call('HBEAT', 'other', 'hive-b', 'VRAM', '1');
        const snapshot = () =>
          Promise.all([
            r.call('WORKER.GET', 'gpu0'),
            r.call('HIVE.GET', 'hive-a'),
            r.call('HIVE.LIST'),
            r.call('WORKER.COUNT'),
            r.call('WORKER.LIST'),
          ]);
        const before = await snapshot();
        const w = ['HBEAT', 'gpu0', 'hive-a'];
        const fresh = ['HBEAT', 'new-worker', 'new-hive'];
        const json = (o: unknown) => ['HBEAT', 'JSON', JSON.stringify(o)];
        const cases: Array<[string[], string]> = [
          [[...w, 'VRAM', '1', 'STATE', 'sleeping'], "ERR invalid STATE 'sleeping': expected Idle, Busy or Loading"],
          [[...fresh, 'MODEL', 'm', 'STATE', 'sleeping'], "ERR invalid STATE 'sleeping': expected Idle, Busy or Loading"],
          [['HBEAT', 'gpu0', 'hive-b', 'HEALTH', 'sick'], "ERR invalid HEALTH 'sick': expected healthy or degraded"],
          [[...w, 'URL', 'not a url'], "ERR invalid URL 'not a url': expected an absolute URL like http://10.0.0.5:8080"],
          [[...w, 'DEVICE', '-1'], "ERR invalid DEVICE '-1': expected an integer from 0 to 65535"],
          [[...w, 'VRAM', '1.5'], "ERR invalid VRAM '1.5': expected a non-negative integer (bytes)"],
          [[...fresh, 'RAM', 'lots'], "ERR invalid RAM 'lots': expected a non-negative integer (bytes)"],
          [[...w, 'CPU', '101'], "ERR invalid CPU '101': expected a number from 0 to 100"],
          [[...w, 'GPU', '-1'], "ERR invalid GPU '-1': expected a number from 0 to 100"],
          [[...w, 'TS', 'yesterday'], "ERR invalid TS 'yesterday': expected an ISO 8601 date-time with offset, like 2025-01-31T12:00:00Z"],
          [
            [...w, 'TS', '2025-10-22T12:00:00'],
            "ERR invalid TS '2025-10-22T12:00:00': expected an ISO 8601 date-time with offset, like 2025-01-31T12:00:00Z",
          ],
          [[...w, 'GPU', '1', 'COLOR', 'red'], "ERR unknown HBEAT option 'COLOR'"],
          [[...w, 'STATE', 'Busy', 'GPU'], 'ERR HBEAT option GPU needs a value'],
          [['HBEAT', '', 'hive-a'], "ERR invalid worker_id '': expected a non-empty string"],
          [['HBEAT', 'gpu0', ''], "ERR invalid hive_id '': expected a non-empty string"],
          [['HBEAT', 'JSON', '[]'], 'ERR invalid HBEAT JSON payload: expected an object'],
          [json({ worker_id: 'gpu0', hive_id: 'hive-a', vram_bytes: '8' }), "ERR invalid HBEAT JSON field 'vram_bytes': expected a number"],
          [
            json({ worker_id: 'gpu0', hive_id: 'hive-a', state: 'Busy', gpu_percent: 150 }),
            "ERR invalid gpu_percent '150': expected a number from 0 to 100",
          ],
          [json({ worker_id: 'new-worker' }), "ERR invalid HBEAT JSON payload: missing 'hive_id'"],
          [['HBEAT', 'JSON', '{}', 'extra'], 'ERR syntax error, HBEAT JSON takes exactly one payload'],
          [['HIVE.ACTIVE', '-5'], "ERR invalid max_age_ms '-5': expected a non-negative integer"],
          [['HIVE.ACTIVE', '1', '2'], 'ERR syntax error'],
          [['HIVE.ONLINE', 'hive-a', 'soon'], "ERR invalid max_age_ms 'soon': expected a non-negative integer"],
          [['WORKER.LIST', 'STATE', 'sleeping'], "ERR invalid STATE 'sleeping': expected Idle, Busy or Loading"],
          [['WORKER.LIST', 'COLOR', 'red'], "ERR syntax error, unknown option 'COLOR'"],
          [['WORKER.LIST', 'MAXAGE', 'abc'], "ERR invalid max_age_ms 'abc': expected a non-negative integer"],
          [['WORKER.LIST', 'HIVE'], 'ERR syntax error, option HIVE needs a value'],
          [['WORKER.BEST', 'llama-3-8b', 'COLOR', 'red'], "ERR syntax error, unknown option 'COLOR'"],
        ];
        for (const [argv, message] of cases) {
          expect((await rejection(call(r, argv))).message, argv.join(' ')).to.equal(message);
        }
        const invalidJson = await rejection(r.call('HBEAT', 'JSON', '{"worker_id":'));
        expect(invalidJson.message).to.match(/^ERR invalid HBEAT JSON payload: \S/);
        expect(await snapshot()).to.deep.equal(before);
      });
    });

    describe('pipelines and transactions', () => {
      it('a pipeline gets every reply in order; an error in the middle affects only its own command', async () => {
        const pipeline = r.pipeline();
        for (let i = 0; i < 100; i++) pipeline.call('HBEAT', `w${String(i).padStart(3, '0')}`, `h${i % 4}`, 'VRAM', String(i));
        pipeline.call('HBEAT', 'w000', 'h0', 'STATE', 'nope');
        pipeline.call('NOPE');
        pipeline.call('HBEAT', 'w000', 'h0', 'VRAM', '1000');
        pipeline.call('WORKER.COUNT');
        pipeline.call('HIVE.RES', 'h0');
        const results = (await pipeline.exec())!;
        expect(results).to.have.length(105);
        for (let i = 0; i < 100; i++) expect(results[i]).to.deep.equal([null, 1]);
        expect(results[100]![0]!.message).to.equal("ERR invalid STATE 'nope': expected Idle, Busy or Loading");
        expect(results[101]![0]!.message).to.equal("ERR unknown command 'NOPE', with args beginning with: ");
        expect(results[102]).to.deep.equal([null, 0]);
        expect(results[103]).to.deep.equal([null, 100]);
        // h0 holds w000, w004, …, w096: 0 + 4 + … + 96 = 1200, then w000 went from 0 to 1000.
        expect(record(results[104]![1])).to.include({ worker_count: 25, vram_used_bytes: 2200 });
      });

      it('MULTI/EXEC runs the queued commands in order; a failing command does not undo the others', async () => {
        const results = await r
          .multi()
          .call('HBEAT', 'w1', 'h1', 'VRAM', '5')
          .call('HBEAT', 'w2', 'h1', 'STATE', 'nope')
          .call('HIVE.RES', 'h1')
          .call('WORKER.COUNT')
          .exec();
        expect(results).to.have.length(4);
        expect(results![0]).to.deep.equal([null, 1]);
        expect(results![1]![0]!.message).to.equal("ERR invalid STATE 'nope': expected Idle, Busy or Loading");
        expect(results![2]![1]).to.deep.equal(
          wire(mode.resp, {
            hive_id: 'h1',
            worker_count: 1,
            vram_used_bytes: 5,
            ram_used_bytes: 0,
            vram_used_gb: dbl(5e-9),
            ram_used_gb: dbl(0),
            vram_total_bytes: null,
            vram_free_bytes: null,
            online_worker_count: 1,
            online_vram_used_bytes: 5,
            online_ram_used_bytes: 0,
            online_vram_total_bytes: null,
            online_vram_free_bytes: null,
          }),
        );
        expect(results![3]).to.deep.equal([null, 1]);
      });

      it('EXECABORT after a command that failed to queue: nothing runs', async () => {
        const unknown = await rejection(r.multi().call('HBEAT', 'w1', 'h1').call('NOPE', 'x').call('HBEAT', 'w2', 'h1').exec());
        expect(unknown.message).to.equal('EXECABORT Transaction discarded because of previous errors.');
        const arity = await rejection(r.multi().call('HBEAT', 'w1', 'h1').call('HIVE.GET').exec());
        expect(arity.message).to.equal('EXECABORT Transaction discarded because of previous errors.');
        expect(await r.call('WORKER.COUNT')).to.equal(0);
        expect(await r.call('HIVE.COUNT')).to.equal(0);
      });

      it('nested MULTI is refused without aborting; EXEC and DISCARD without MULTI are errors; DISCARD drops the queue', async () => {
        expect(await r.call('MULTI')).to.equal('OK');
        expect((await rejection(r.call('MULTI'))).message).to.equal('ERR MULTI calls can not be nested');
        expect(await r.call('HBEAT', 'w1', 'h1')).to.equal('QUEUED');
        expect(await r.call('EXEC')).to.deep.equal([1]);
        expect((await rejection(r.call('EXEC'))).message).to.equal('ERR EXEC without MULTI');
        expect((await rejection(r.call('DISCARD'))).message).to.equal('ERR DISCARD without MULTI');

        expect(await r.call('MULTI')).to.equal('OK');
        expect(await r.call('HBEAT', 'w2', 'h1')).to.equal('QUEUED');
        expect(await r.call('DISCARD')).to.equal('OK');
        expect((await rejection(r.call('EXEC'))).message).to.equal('ERR EXEC without MULTI');
        expect(await r.call('WORKER.COUNT')).to.equal(1);
      });
    });
  });
}

describe('ioredis with default options (RESP3, legacy reply mapping)', () => {
  let fx: WireFixture;
  afterEach(async () => fx.close());

  it('gets records as flat field/value arrays and doubles as strings, as the README promises', async () => {
    fx = await WireFixture.start();
    const r = await fx.ioredis();
    expect(String(await r.call('CLIENT', 'INFO'))).to.include(' resp=3 ');
    await r.call('HBEAT', 'w', 'h', 'GPU', '12.5');
    const reply = await r.call('WORKER.GET', 'w');
    expect(reply).to.be.an('array');
    expect(record(reply)).to.include({ worker_id: 'w', gpu_percent: '12.5', url: null });
  });
});
