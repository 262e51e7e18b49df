// HIVE.GET in-process, in both protocols: the hive (a map in RESP3, a flat array in RESP2, doubles as bulk
// strings), nil for an unknown hive, and the arity error; every reply checked against its shape.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HIVE.GET (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness({ offlineAfterMs: 30_000 });
  });
  afterEach(() => h.stop());

  it('answers the hive: its heartbeat, online flag, resource sums and worker ids, sorted', async () => {
    await h.run(['HBEAT', 'w2', 'hive-a', 'VRAM', '3000000000', 'VRAM_TOTAL', '8000000000', 'DEVICE', '0']);
    h.clock.advance(10);
    await h.run(['HBEAT', 'w1', 'hive-a', 'VRAM', '1000000000', 'DEVICE', '0']);
    const { resp2, resp3 } = await h.both(['HIVE.GET', 'hive-a']);
    const t = h.clock.now();
    expect(resp3.resp3).to.match(
      new RegExp(`^%16\\r\\n\\$7\\r\\nhive_id\\r\\n\\$6\\r\\nhive-a\\r\\n\\$17\\r\\nlast_heartbeat_ms\\r\\n:${t}\\r\\n`),
    );
    expect(resp3.resp3).to.include('$6\r\nonline\r\n:1\r\n');
    expect(resp3.resp3).to.include('$12\r\nvram_used_gb\r\n,4\r\n');
    expect(resp3.resp3).to.include('$15\r\nvram_free_bytes\r\n:4000000000\r\n');
    expect(resp3.resp3).to.match(/\$7\r\nworkers\r\n\*2\r\n\$2\r\nw1\r\n\$2\r\nw2\r\n$/);
    expect(resp2.resp2).to.match(/^\*32\r\n/);
    expect(resp2.resp2).to.include('$12\r\nvram_used_gb\r\n$1\r\n4\r\n');
  });

  it('says online 0 when no worker was heard from within --offline-after', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a']);
    h.clock.advance(30_000);
    expect((await h.run(['HIVE.GET', 'hive-a'])).resp3).to.include('$6\r\nonline\r\n:0\r\n');
  });

  it('answers nil for an unknown hive: $-1 in RESP2, _ in RESP3', async () => {
    const r = await h.run(['HIVE.GET', 'nope']);
    expect([r.resp2, r.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
  });

  it('refuses a wrong number of arguments in Redis words', async () => {
    await h.refuses(['HIVE.GET'], "ERR wrong number of arguments for 'hive.get' command");
    await h.refuses(['HIVE.GET', 'a', 'b'], "ERR wrong number of arguments for 'hive.get' command");
  });
});
