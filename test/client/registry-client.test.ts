// RegistryClient against a real server over real sockets, imported by the package name as a consumer would
// (the package's `exports` resolve it), in RESP2 and in RESP3 with both ioredis reply mappings.

import { expect } from 'chai';
import { Redis } from 'ioredis';
import { AuthenticationError, CompactedError, RegistryClient, RegistryReplyError } from 'rbee-registry/client';
import { WireFixture } from '../wire/fixture.js';

const CONNECTIONS = [
  { name: 'RESP2', options: { protocol: 2 as const } },
  { name: 'RESP3 legacy mapping', options: { protocol: 3 as const } },
  { name: 'RESP3 resp3 mapping', options: { protocol: 3 as const, replyMapping: 'resp3' as const } },
];

for (const { name, options } of CONNECTIONS) {
  describe(`RegistryClient (${name})`, () => {
    let fx: WireFixture;
    let client: RegistryClient;

    beforeEach(async () => {
      fx = await WireFixture.start({ offlineAfterMs: 30_000 });
      client = new RegistryClient({ port: fx.port, host: '127.0.0.1', retryStrategy: () => null, ...options });
    });
    afterEach(async () => {
      await client.close();
      await fx.close();
    });

    it('sends a heartbeat and reads the record back typed: numbers as numbers, absent as null', async () => {
      expect(
        await client.hbeat('w1', 'h1', { state: 'Idle', modelId: 'llama', url: 'http://10.0.0.5:8080', vramBytes: 4e9, gpuPercent: 12.5 }),
      ).to.equal(true);
      expect(await client.hbeat('w1', 'h1', { cpuPercent: 3 })).to.equal(false);
      const w = await client.workerGet('w1');
      expect(w).to.deep.include({
        workerId: 'w1',
        hiveId: 'h1',
        state: 'Idle',
        health: 'healthy',
        url: 'http://10.0.0.5:8080',
        modelId: 'llama',
        backend: null,
        deviceId: null,
        vramBytes: 4e9,
        vramTotalBytes: null,
        ramBytes: null,
        cpuPercent: 3,
        gpuPercent: 12.5,
        reportedAt: null,
        skewMs: null,
        online: true,
      });
      expect(w!.lastSeenMs).to.equal(fx.clock.now());
      expect(w!.ageMs).to.equal(0);
      expect(await client.workerGet('nobody')).to.equal(null);
      // null clears a field (sent as UNSET), undefined leaves it.
      await client.hbeat('w1', 'h1', { modelId: null, url: null, gpuPercent: 1 });
      expect(await client.workerGet('w1')).to.deep.include({ modelId: null, url: null, gpuPercent: 1, vramBytes: 4e9 });
    });

    it('reads hives, lists and counts typed', async () => {
      await client.hbeat('w1', 'h1', { vramBytes: 1000, ramBytes: 50 });
      await client.hbeat('w2', 'h1', { vramBytes: 500 });
      await client.hbeat('w3', 'h2', {});
      expect(await client.hiveList()).to.deep.equal(['h1', 'h2']);
      expect(await client.hiveActive()).to.deep.equal(['h1', 'h2']);
      expect(await client.hiveCount()).to.equal(2);
      expect(await client.workerCount()).to.equal(3);
      expect(await client.hiveOnline('h1')).to.equal(true);
      expect(await client.hiveRes('h1')).to.deep.include({
        hiveId: 'h1',
        workerCount: 2,
        vramUsedBytes: 1500,
        ramUsedBytes: 50,
        vramUsedGb: 1.5e-6,
        onlineWorkerCount: 2,
      });
      const hive = await client.hiveGet('h1');
      expect(hive).to.deep.include({ hiveId: 'h1', online: true, workerIds: ['w1', 'w2'], lastHeartbeatMs: fx.clock.now() });
      expect(await client.hiveGet('nope')).to.equal(null);
      expect((await client.workerList({ hiveId: 'h1' })).map((w) => w.workerId)).to.deep.equal(['w1', 'w2']);
      expect((await client.hiveWorkers('h2')).map((w) => w.workerId)).to.deep.equal(['w3']);
      expect(await client.workerDel('w3')).to.equal(true);
      expect(await client.workerDel('w3')).to.equal(false);
    });

    it('pages through workers and hives with the cursor form, each once, in both protocols', async () => {
      for (let i = 0; i < 25; i++) await client.hbeat(`p${i}`, `ph${i % 7}`, { state: i % 2 ? 'Busy' : 'Idle' });
      const seen: string[] = [];
      for await (const w of client.workers({}, 4)) seen.push(w.workerId);
      expect(seen.slice().sort()).to.deep.equal(Array.from({ length: 25 }, (_, i) => `p${i}`).sort());
      const busy: string[] = [];
      for await (const w of client.workers({ state: 'Busy' }, 3)) busy.push(w.workerId);
      expect(busy.length).to.equal(12);
      const first = await client.workerListPage('0', 4);
      expect(first.workers.length).to.be.at.most(40);
      expect(first.cursor).to.be.a('string');
      const hives: string[] = [];
      for await (const h of client.hives(2)) hives.push(h);
      expect(hives.slice().sort()).to.deep.equal(Array.from({ length: 7 }, (_, i) => `ph${i}`).sort());
    });

    it('picks the best worker and reports its URL', async () => {
      await client.hbeat('a', 'h', { modelId: 'm', url: 'http://10.0.0.1:1', gpuPercent: 50 });
      await client.hbeat('b', 'h', { modelId: 'm', url: 'http://10.0.0.2:1', gpuPercent: 10 });
      const best = await client.workerBest('m');
      expect(best?.workerId).to.equal('b');
      expect(await client.workerUrl('b')).to.equal('http://10.0.0.2:1');
      expect(await client.workerBest('m', { backend: 'cuda' })).to.equal(null);
    });

    it('throws typed errors carrying the Redis code', async () => {
      const err = await client.hbeat('w', 'h', { state: 'Sleeping' as never }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(RegistryReplyError);
      expect(err).to.include({ code: 'ERR', command: 'HBEAT' });
      expect((err as Error).message).to.equal("ERR invalid STATE 'Sleeping': expected Idle, Busy or Loading");
    });

    it('reads events and the revision; an old revision throws CompactedError', async () => {
      await client.hbeat('w', 'h', {});
      const rev = await client.eventsRev();
      expect(rev.rev).to.be.greaterThan(0);
      const events = await client.eventsRead(0);
      expect(events.map((e) => e.type)).to.deep.equal(['worker.online', 'hive.online']);
      expect(events[0]).to.include({ worker_id: 'w', hive_id: 'h', rev: 1 });
      const state = await client.fullState();
      expect(state.rev).to.equal(rev.rev);
      expect(state.workers.map((w) => w.workerId)).to.deep.equal(['w']);
      expect(state.hiveIds).to.deep.equal(['h']);
      const ahead = await client.eventsRead(rev.rev + 10).then(
        () => null,
        (e: unknown) => e,
      );
      expect(ahead).to.be.instanceOf(CompactedError);
      expect(ahead).to.include({ code: 'COMPACTED' });
    });
  });
}

describe('RegistryClient with a server that needs a password', () => {
  let fx: WireFixture;
  before(async () => {
    fx = await WireFixture.start({ requirePass: 's3cret' });
  });
  after(() => fx.close());

  it('uses a caller-made ioredis instance and maps NOAUTH and WRONGPASS to AuthenticationError', async () => {
    const redis = new Redis({
      port: fx.port,
      host: '127.0.0.1',
      protocol: 2,
      lazyConnect: true,
      enableReadyCheck: false,
      retryStrategy: () => null,
    });
    redis.on('error', () => {});
    const client = new RegistryClient(redis);
    try {
      await redis.connect();
      const noauth = await client.workerCount().then(
        () => null,
        (e: unknown) => e,
      );
      expect(noauth).to.be.instanceOf(AuthenticationError);
      expect(noauth).to.include({ code: 'NOAUTH' });
      const wrong = await client.command('AUTH', 'nope').then(
        () => null,
        (e: unknown) => e,
      );
      expect(wrong).to.be.instanceOf(AuthenticationError);
      expect(wrong).to.include({ code: 'WRONGPASS', command: 'AUTH' });
      await client.command('AUTH', 's3cret');
      expect(await client.workerCount()).to.equal(0);
      await client.close();
      // The caller owns its instance: close() leaves it open.
      expect(redis.status).to.equal('ready');
    } finally {
      redis.disconnect();
    }
  });
});
