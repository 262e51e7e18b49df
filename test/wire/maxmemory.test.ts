// maxmemory with the noeviction policy, through real clients: above the limit a heartbeat from a new worker
// gets Redis' OOM error (on the fast path, the argument path and the JSON form), known workers still refresh,
// reads go on; INFO reports used_memory and maxmemory as they are.

import { getHeapStatistics } from 'node:v8';
import { expect } from 'chai';
import { MAXMEMORY_HEAP_SHARE } from '../../src/settings/settings.js';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

function infoFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return out;
}

for (const mode of MODES) {
  describe(`maxmemory (ioredis ${mode.name})`, function () {
    this.timeout(30_000);
    let fx: WireFixture;
    let r: Client;

    beforeEach(async () => {
      fx = await WireFixture.start();
      r = await fx.ioredis(mode.options);
    });
    afterEach(() => fx.close());

    it('above maxmemory refuses new workers with the OOM error; known ones refresh; reads work', async () => {
      expect(await r.call('HBEAT', 'known', 'h1', 'STATE', 'Idle', 'MODEL', 'm')).to.equal(1);
      // One byte: the server is above it whatever it holds.
      expect(await r.call('CONFIG', 'SET', 'maxmemory', '1')).to.equal('OK');
      expect((await rejection(r.call('HBEAT', 'new', 'h1'))).message).to.equal(OOM);
      expect((await rejection(r.call('HBEAT', 'new', 'h1', 'STATE', 'Busy', 'GPU', '5'))).message).to.equal(OOM);
      expect((await rejection(r.call('HBEAT', 'JSON', JSON.stringify({ worker_id: 'new', hive_id: 'h1' })))).message).to.equal(OOM);
      expect((await rejection(r.call('HBEAT', 'new', 'other-hive'))).message).to.equal(OOM);
      // Nothing of the refused beats was applied.
      expect(await r.call('WORKER.GET', 'new')).to.equal(null);
      expect(await r.call('HIVE.GET', 'other-hive')).to.equal(null);
      // The known worker refreshes, changes state and may even move hive.
      expect(await r.call('HBEAT', 'known', 'h1', 'STATE', 'Busy')).to.equal(0);
      expect(await r.call('HBEAT', 'JSON', JSON.stringify({ worker_id: 'known', hive_id: 'h1', state: 'Idle' }))).to.equal(0);
      expect(record(await r.call('WORKER.GET', 'known')).state).to.equal('Idle');
      expect(await r.call('WORKER.COUNT')).to.equal(1);
      expect(record(await r.call('WORKER.BEST', 'm')).worker_id).to.equal('known');
      // INFO says why.
      const info = infoFields(String(await r.call('INFO', 'memory')));
      expect(info.maxmemory).to.equal('1');
      expect(Number(info.used_memory)).to.be.greaterThan(1);
      expect(info.maxmemory_policy).to.equal('noeviction');
      // Lifting the limit (0: none) lets the new worker in at once.
      expect(await r.call('CONFIG', 'SET', 'maxmemory', '0')).to.equal('OK');
      expect(await r.call('HBEAT', 'new', 'h1')).to.equal(1);
    });

    it('registrations stop once used memory passes a limit set a few megabytes above it', async () => {
      const used = Number(infoFields(String(await r.call('INFO', 'memory'))).used_memory);
      const headroom = 8 * 1024 * 1024;
      expect(await r.call('CONFIG', 'SET', 'maxmemory', String(used + headroom))).to.equal('OK');
      // 1 KB URLs: each new worker costs over a kilobyte, so 8 MB of headroom is gone within ~8,000 workers.
      const url = `http://10.0.0.1:8080/${'u'.repeat(1000)}`;
      let registered = 0;
      let refused: Error | null = null;
      for (let batch = 0; batch < 100 && refused === null; batch++) {
        const pipeline = r.pipeline();
        for (let i = 0; i < 500; i++) {
          const n = batch * 500 + i;
          pipeline.call('HBEAT', `w${n}`, `h${n % 50}`, 'URL', `${url}${n}`, 'MODEL', `model-${n}`);
        }
        for (const [err] of (await pipeline.exec())!) {
          if (err === null) registered++;
          else {
            refused = err;
            break;
          }
        }
      }
      expect(refused, 'no OOM after 50,000 new workers').to.not.equal(null);
      expect(refused!.message).to.equal(OOM);
      expect(registered).to.be.greaterThan(100);
      const info = infoFields(String(await r.call('INFO', 'memory')));
      // INFO reports the limit that refused the beat. used_memory is not compared with it: it counts garbage not
      // yet collected, so a collection after the refusal can take it below where this test started.
      expect(Number(info.maxmemory)).to.equal(used + headroom);
      // Every registered worker still refreshes.
      expect(await r.call('HBEAT', 'w0', 'h0', 'STATE', 'Busy')).to.equal(0);
      expect(await r.call('HBEAT', `w${registered - 1}`, `h${(registered - 1) % 50}`)).to.equal(0);
    });
  });
}

describe('maxmemory defaults and INFO memory', () => {
  let fx: WireFixture;
  afterEach(() => fx.close());

  it('defaults to a share of the heap limit the server started with, and INFO reports it', async () => {
    fx = await WireFixture.start();
    const r = await fx.ioredis();
    const heapLimit = getHeapStatistics().heap_size_limit;
    const [, value] = (await r.call('CONFIG', 'GET', 'maxmemory')) as string[];
    const expected = Math.floor((heapLimit * MAXMEMORY_HEAP_SHARE) / 2 ** 20) * 2 ** 20;
    expect(Number(value)).to.equal(expected);
    const info = infoFields(String(await r.call('INFO', 'memory')));
    expect(info.maxmemory).to.equal(String(expected));
    expect(info.heap_size_limit).to.equal(String(heapLimit));
    // used_memory is the heap in use plus external memory of this very process (the server runs in it).
    const heap = getHeapStatistics();
    expect(Number(info.used_memory)).to.equal(Number(info.used_memory_heap) + Number(info.used_memory_external));
    expect(Number(info.used_memory)).to.be.within(
      0.5 * (heap.used_heap_size + heap.external_memory),
      2 * (heap.used_heap_size + heap.external_memory),
    );
    expect(Number(info.used_memory_rss)).to.be.greaterThan(Number(info.used_memory_heap));
  });

  it('takes the flag form with units', async () => {
    fx = await WireFixture.start({ settings: { maxmemory: 3 * 1024 ** 3 } });
    const r = await fx.ioredis();
    expect(await r.call('CONFIG', 'GET', 'maxmemory')).to.deep.equal(['maxmemory', String(3 * 1024 ** 3)]);
    expect(await r.call('CONFIG', 'SET', 'maxmemory', '2gb')).to.equal('OK');
    expect(infoFields(String(await r.call('INFO', 'memory'))).maxmemory_human).to.equal('2.00G');
  });
});
