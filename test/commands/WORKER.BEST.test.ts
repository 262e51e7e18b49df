// WORKER.BEST in-process, in both protocols: the chosen record with `match` `model`, the fallback (`match`
// `fallback`) unless STRICT, nil when none qualifies, BACKEND and MINFREE, and every documented error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('WORKER.BEST (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness({ offlineAfterMs: 30_000 });
    await h.run(['HBEAT', 'w-busy', 'hive-a', 'MODEL', 'llama', 'STATE', 'Busy', 'GPU', '1', 'URL', 'http://a']);
    await h.run(['HBEAT', 'w-hot', 'hive-a', 'MODEL', 'llama', 'GPU', '90', 'URL', 'http://b', 'BACKEND', 'cuda']);
    await h.run(['HBEAT', 'w-cool', 'hive-b', 'MODEL', 'llama', 'GPU', '10', 'URL', 'http://c', 'BACKEND', 'rocm']);
    await h.run(['HBEAT', 'w-other', 'hive-b', 'MODEL', 'mistral', 'GPU', '5', 'URL', 'http://d']);
  });
  afterEach(() => h.stop());

  it('picks the idle worker with the model and the least GPU load: its record then `match` `model`', async () => {
    const { resp2, resp3 } = await h.both(['WORKER.BEST', 'llama']);
    expect(resp3.resp3).to.match(/^%20\r\n\$9\r\nworker_id\r\n\$6\r\nw-cool\r\n/);
    expect(resp3.resp3).to.match(/\$5\r\nmatch\r\n\$5\r\nmodel\r\n$/);
    expect(resp2.resp2).to.match(/^\*40\r\n\$9\r\nworker_id\r\n\$6\r\nw-cool\r\n/);
  });

  it('BACKEND narrows the candidates; MINFREE skips GPUs without enough free VRAM', async () => {
    expect((await h.run(['WORKER.BEST', 'llama', 'BACKEND', 'cuda'])).resp2).to.include('$5\r\nw-hot\r\n');
    await h.run(['HBEAT', 'w-cool', 'hive-b', 'VRAM', '7000000000', 'VRAM_TOTAL', '8000000000']);
    await h.run(['HBEAT', 'w-hot', 'hive-a', 'VRAM', '1000000000', 'VRAM_TOTAL', '8000000000']);
    expect((await h.run(['WORKER.BEST', 'llama', 'MINFREE', '2000000000'])).resp2).to.include('$5\r\nw-hot\r\n');
  });

  it('falls back to an idle worker with a URL and another model (`match` `fallback`), unless STRICT', async () => {
    const r = await h.run(['WORKER.BEST', 'phi'], h.client(3));
    expect(r.resp3).to.include('$9\r\nworker_id\r\n$7\r\nw-other\r\n');
    expect(r.resp3).to.match(/\$5\r\nmatch\r\n\$8\r\nfallback\r\n$/);
    const strict = await h.run(['WORKER.BEST', 'phi', 'STRICT']);
    expect([strict.resp2, strict.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
  });

  it('answers nil when no worker qualifies (all offline)', async () => {
    h.clock.advance(30_000);
    const r = await h.run(['WORKER.BEST', 'llama']);
    expect([r.resp2, r.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
  });

  it('refuses a bad model id, a bad MINFREE, an unknown option and a missing model', async () => {
    await h.refuses(['WORKER.BEST', ''], "ERR invalid model_id '': expected a non-empty string");
    await h.refuses(['WORKER.BEST', ' '], "ERR invalid model_id ' ': expected a string that is not only whitespace");
    await h.refuses(['WORKER.BEST', 'llama', 'MINFREE', 'x'], "ERR invalid MINFREE 'x': expected a non-negative integer (bytes)");
    await h.refuses(['WORKER.BEST', 'llama', 'FAST'], "ERR syntax error, unknown option 'FAST'");
    await h.refuses(['WORKER.BEST'], "ERR wrong number of arguments for 'worker.best' command");
  });
});
