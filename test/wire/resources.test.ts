// Free VRAM and worker clocks over the wire: HBEAT VRAM_TOTAL with WORKER.BEST MINFREE, and the worker's own
// TS kept as reported_at with its skew, counted in INFO but never used for liveness.

import { expect } from 'chai';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';
import { infoField } from './inbox.js';

const GB = 1_000_000_000;

for (const mode of MODES) {
  describe(`free VRAM and clock skew through ioredis ${mode.name}`, () => {
    let fx: WireFixture;
    let r: Client;
    const iso = (offsetMs: number) => new Date(fx.clock.now() + offsetMs).toISOString();
    const best = async (...args: string[]) => {
      const reply = await r.call('WORKER.BEST', ...args);
      return reply === null ? null : record(reply).worker_id;
    };

    beforeEach(async () => {
      fx = await WireFixture.start();
      r = await fx.ioredis(mode.options);
    });

    afterEach(async () => {
      await fx.close();
    });

    it('WORKER.BEST MINFREE picks among workers with enough free VRAM (total - used); those without a total are skipped', async () => {
      await r.call(
        'HBEAT',
        'small',
        'hive-a',
        'MODEL',
        'llama',
        'BACKEND',
        'cuda',
        'VRAM',
        String(6 * GB),
        'VRAM_TOTAL',
        String(8 * GB),
        'GPU',
        '10',
      );
      await r.call(
        'HBEAT',
        'big',
        'hive-b',
        'MODEL',
        'llama',
        'BACKEND',
        'cuda',
        'VRAM',
        String(2 * GB),
        'VRAM_TOTAL',
        String(24 * GB),
        'GPU',
        '90',
        'URL',
        'http://10.0.0.2:1',
      );
      await r.call('HBEAT', 'unknown', 'hive-a', 'MODEL', 'llama', 'BACKEND', 'metal', 'VRAM', String(GB), 'GPU', '0');
      expect(record(await r.call('WORKER.GET', 'small'))).to.include({ vram_bytes: 6 * GB, vram_total_bytes: 8 * GB });
      expect(record(await r.call('WORKER.GET', 'unknown'))).to.include({ vram_total_bytes: null });

      expect(await best('llama')).to.equal('unknown'); // least GPU load, no VRAM condition
      expect(await best('llama', 'MINFREE', '0')).to.equal('small'); // a total is needed to know the free VRAM
      expect(await best('llama', 'MINFREE', String(2 * GB))).to.equal('small'); // exactly 2 GB free is enough
      expect(await best('llama', 'MINFREE', String(2 * GB + 1))).to.equal('big');
      expect(await best('llama', 'minfree', String(22 * GB), 'backend', 'cuda')).to.equal('big');
      expect(await best('llama', 'MINFREE', String(22 * GB + 1))).to.equal(null);
      expect(await best('llama', 'BACKEND', 'metal', 'MINFREE', '1')).to.equal(null);
      // With no worker holding the model, any idle one with room and a URL, in the same order.
      expect(await best('mistral', 'MINFREE', String(10 * GB))).to.equal('big');

      // Usage reported later changes the free VRAM; omitted fields keep their last value.
      await r.call('HBEAT', 'big', 'hive-b', 'VRAM', String(23 * GB));
      expect(record(await r.call('WORKER.GET', 'big'))).to.include({ vram_bytes: 23 * GB, vram_total_bytes: 24 * GB });
      expect(await best('llama', 'MINFREE', String(2 * GB))).to.equal('small');
      await r.call('HBEAT', 'small', 'hive-a', 'STATE', 'Busy');
      expect(await best('llama', 'MINFREE', String(GB))).to.equal('big');

      for (const bad of ['-1', 'lots', '1.5']) {
        expect((await rejection(r.call('WORKER.BEST', 'llama', 'MINFREE', bad))).message).to.equal(
          `ERR invalid MINFREE '${bad}': expected a non-negative integer (bytes)`,
        );
      }
      expect((await rejection(r.call('HBEAT', 'x', 'h', 'VRAM_TOTAL', 'many'))).message).to.match(/^ERR invalid VRAM_TOTAL 'many'/);
      expect(await r.call('WORKER.GET', 'x')).to.equal(null);
    });

    it("skew_ms is the worker's TS minus the server's receive time; INFO counts workers more than 5 s off", async () => {
      const skewed = async () => infoField(await r.call('INFO', 'registry'), 'workers_clock_skewed');
      expect(await skewed()).to.equal('0');
      await r.call('HBEAT', 'ahead', 'h', 'TS', iso(10_000));
      await r.call('HBEAT', 'behind', 'h', 'TS', iso(-3_600_000));
      await r.call('HBEAT', 'close', 'h', 'TS', iso(-5_000)); // exactly 5 s: not counted
      await r.call('HBEAT', 'silent', 'h');
      await r.call('HBEAT', 'JSON', JSON.stringify({ worker_id: 'json', hive_id: 'h', timestamp: iso(7_000) }));
      const get = async (id: string) => record(await r.call('WORKER.GET', id));
      expect(await get('ahead')).to.include({ reported_at: iso(10_000), skew_ms: 10_000 });
      expect(await get('behind')).to.include({ skew_ms: -3_600_000 });
      expect(await get('close')).to.include({ skew_ms: -5_000 });
      expect(await get('silent')).to.include({ reported_at: null, skew_ms: null });
      expect(await get('json')).to.include({ skew_ms: 7_000 });
      expect(await skewed()).to.equal('3');

      // A skewed clock neither hides nor fakes a worker: liveness is the server's receive time.
      fx.clock.advance(29_999);
      expect(await get('behind')).to.include({ online: 1, last_seen_ms: fx.clock.now() - 29_999, age_ms: 29_999 });
      expect(await r.call('HIVE.ONLINE', 'h')).to.equal(1);
      await r.call('HBEAT', 'ahead', 'h');
      fx.clock.advance(1);
      expect(await get('ahead')).to.include({ online: 1, skew_ms: 10_000 }); // a beat without TS keeps the last one
      expect(await get('behind')).to.include({ online: 0 });

      // A fixed clock stops counting; a removed worker stops counting.
      await r.call('HBEAT', 'ahead', 'h', 'TS', iso(0));
      expect(await get('ahead')).to.include({ skew_ms: 0 });
      expect(await r.call('WORKER.DEL', 'behind')).to.equal(1);
      expect(await skewed()).to.equal('1');
      expect(await r.call('HIVE.DEL', 'h')).to.equal(1);
      expect(await skewed()).to.equal('0');
    });
  });
}
