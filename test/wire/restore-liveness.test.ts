// A restart derives each worker's liveness from its last heartbeat, the windows the server runs with now and
// the restart clock, so every command gives the same answer: WORKER.GET, HIVE.GET, HIVE.ACTIVE, WORKER.LIST
// MAXAGE, WORKER.BEST and INFO. Servers in-process on real sockets, a snapshot file in a temp dir, manual clocks.

import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Log } from '../../src/commands/context.js';
import type { ServerOptions } from '../../src/server/server.js';
import { ManualClock } from '../helpers/clock.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { record } from './fixture.js';
import { infoField } from './inbox.js';

const T0 = 1_700_000_000_000;
const SAVED_AT = T0 + 40_000;

/** Every command's word on one worker's liveness. */
async function answers(client: Redis, workerId: string, hiveId: string, modelId: string) {
  const w = record(await client.call('WORKER.GET', workerId));
  const bestReply = await client.call('WORKER.BEST', modelId, 'STRICT');
  const best = bestReply === null ? null : record(bestReply);
  const info = String(await client.call('INFO', 'registry'));
  return {
    get: w.online,
    hive: record(await client.call('HIVE.GET', hiveId)).online,
    active: ((await client.call('HIVE.ACTIVE')) as string[]).includes(hiveId) ? 1 : 0,
    listed: (
      (await client.call(
        'WORKER.LIST',
        'MAXAGE',
        String(record(await client.call('CONFIG', 'GET', 'offline-after'))['offline-after']),
      )) as unknown[]
    )
      .map((x) => record(x).worker_id)
      .includes(workerId)
      ? 1
      : 0,
    best: best !== null && best.worker_id === workerId ? 1 : 0,
    ageMs: Number(w.age_ms),
    info: { workers_online: Number(infoField(info, 'workers_online')), hives_online: Number(infoField(info, 'hives_online')) },
  };
}

describe('restore: liveness from the last heartbeat, the current windows and the restart clock', function () {
  this.timeout(20_000);
  let dir: string;
  let file: string;
  const open: Array<{ server: TestServer; client: Redis }> = [];

  async function serve(clock: ManualClock, options: ServerOptions = {}) {
    const server = await startTestServer({ clock, snapshotPath: file, saveIntervalMs: 0, ...options });
    const client = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    open.push({ server, client });
    return { server, client };
  }

  /** w-off (model m-off, hive-off) last beat at T0, w-on (m-on, hive-on) at T0 + 35 s; saved at T0 + 40 s with a 30 s window. */
  async function saveFleet(): Promise<void> {
    const clock = new ManualClock(T0);
    const { server, client } = await serve(clock);
    await client.call('HBEAT', 'w-off', 'hive-off', 'MODEL', 'm-off', 'URL', 'http://10.0.0.1:1');
    clock.advance(35_000);
    await client.call('HBEAT', 'w-on', 'hive-on', 'MODEL', 'm-on', 'URL', 'http://10.0.0.2:1');
    clock.advance(5_000);
    expect(record(await client.call('WORKER.GET', 'w-off')).online).to.equal(0);
    expect(await client.call('SAVE')).to.equal('OK');
    client.disconnect();
    server.server.registry.stop();
    open.pop();
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'registry-restore-'));
    file = path.join(dir, 'registry.snapshot');
  });

  afterEach(async () => {
    for (const { server, client } of open.splice(0)) {
      client.disconnect();
      await server.close().catch(() => {});
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('an offline worker saved, restarted with a longer --offline-after: online to every command', async () => {
    await saveFleet();
    const { client } = await serve(new ManualClock(SAVED_AT + 5_000), { offlineAfterMs: 60_000 });
    expect(await answers(client, 'w-off', 'hive-off', 'm-off')).to.deep.equal({
      get: 1,
      hive: 1,
      active: 1,
      listed: 1,
      best: 1,
      ageMs: 45_000,
      info: { workers_online: 2, hives_online: 2 },
    });
  });

  it('an online worker saved, restarted with a shorter --offline-after: offline to every command', async () => {
    await saveFleet();
    const { client } = await serve(new ManualClock(SAVED_AT + 5_000), { offlineAfterMs: 5_000, evictAfterMs: 300_000 });
    expect(await answers(client, 'w-on', 'hive-on', 'm-on')).to.deep.equal({
      get: 0,
      hive: 0,
      active: 0,
      listed: 0,
      best: 0,
      ageMs: 10_000,
      info: { workers_online: 0, hives_online: 0 },
    });
  });

  it('a restart clock 1 h behind the snapshot: ages as at the save, the same answer everywhere, and a log line', async () => {
    await saveFleet();
    const warnings: string[] = [];
    const logger: Log = { debug() {}, verbose() {}, notice() {}, warning: (m) => void warnings.push(m), enabled: () => true };
    const { client } = await serve(new ManualClock(SAVED_AT - 3_600_000), { logger });
    expect(await answers(client, 'w-off', 'hive-off', 'm-off')).to.deep.equal({
      get: 0,
      hive: 0,
      active: 0,
      listed: 0,
      best: 0,
      ageMs: 40_000,
      info: { workers_online: 1, hives_online: 1 },
    });
    expect(await answers(client, 'w-on', 'hive-on', 'm-on')).to.deep.equal({
      get: 1,
      hive: 1,
      active: 1,
      listed: 1,
      best: 1,
      ageMs: 5_000,
      info: { workers_online: 1, hives_online: 1 },
    });
    expect(warnings.join('\n')).to.include('saved 3600000 ms ahead of this clock');
  });
});
