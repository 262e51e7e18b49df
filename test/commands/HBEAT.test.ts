// HBEAT in-process, in both protocols: each documented reply and error, checked against the spec's reply shape by
// the harness. The wire tests keep what only a socket shows (pipelining, real clients).

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HBEAT (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('answers 1 for a worker it did not know, 0 for a refresh: :1 / :0 in both protocols', async () => {
    const first = await h.run(['HBEAT', 'w1', 'hive-a', 'STATE', 'Idle', 'VRAM', '8000000000']);
    expect([first.resp2, first.resp3]).to.deep.equal([':1\r\n', ':1\r\n']);
    const again = await h.run(['HBEAT', 'w1', 'hive-a', 'GPU', '40'], h.client(3));
    expect([again.resp2, again.resp3]).to.deep.equal([':0\r\n', ':0\r\n']);
    expect(h.server.registry.getWorker('w1')?.gpuPercent).to.equal(40);
  });

  it('takes the JSON form and answers the same way', async () => {
    const payload = JSON.stringify({ worker_id: 'w2', hive_id: 'hive-b', state: 'Busy', vram_bytes: 5 });
    expect((await h.run(['HBEAT', 'JSON', payload])).resp2).to.equal(':1\r\n');
    expect((await h.run(['HBEAT', 'json', payload])).resp3).to.equal(':0\r\n');
  });

  const errors: Array<[string[], string]> = [
    [['HBEAT', 'w', 'h', 'STATE', 'sleeping'], "ERR invalid STATE 'sleeping': expected Idle, Busy or Loading"],
    [['HBEAT', 'w', 'h', 'NOPE', 'x'], "ERR unknown HBEAT option 'NOPE'"],
    [['HBEAT', 'w', 'h', 'STATE'], 'ERR HBEAT option STATE needs a value'],
    [['HBEAT', 'w'], "ERR wrong number of arguments for 'hbeat' command"],
    [['HBEAT', 'JSON', '{'], 'ERR invalid HBEAT JSON payload'],
    [['HBEAT', 'JSON', '{}', 'extra'], 'ERR syntax error, HBEAT JSON takes exactly one payload'],
  ];
  for (const [argv, message] of errors) {
    it(`${argv.join(' ')} -> ${message}, in both protocols, changing nothing`, async () => {
      for (const proto of [2, 3] as const) {
        const r = await h.run(argv, h.client(proto));
        expect(r.error, `RESP${proto}`).to.be.a('string');
        expect(r.error!.startsWith(message), `RESP${proto}: ${r.error}`).to.equal(true);
        expect(r.resp2).to.equal(`-${r.error}\r\n`);
        expect(r.resp3).to.equal(r.resp2);
      }
      expect(h.server.registry.getWorker('w')).to.equal(undefined);
    });
  }
});

describe('HBEAT (in-process): the rest of its documented errors', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  const refused: Array<[string[], string]> = [
    [['HBEAT', 'w', 'h', 'HEALTH', 'fine'], "ERR invalid HEALTH 'fine': expected healthy or degraded"],
    [['HBEAT', 'w', 'h', 'VRAM', '-1'], "ERR invalid VRAM '-1': expected a non-negative integer"],
    [['HBEAT', 'w', 'h', 'CPU', '101'], "ERR invalid CPU '101': expected a number from 0 to 100"],
    [['HBEAT', 'w', 'h', 'GPU', 'x'], "ERR invalid GPU 'x': expected a number from 0 to 100"],
    [['HBEAT', 'w', 'h', 'UNSET'], 'ERR HBEAT UNSET needs at least one field'],
    [['HBEAT', 'w', 'h', 'UNSET', 'COLOR'], "ERR unknown HBEAT field 'COLOR' in UNSET"],
    [['HBEAT', 'w', 'h', 'MODEL', 'm', 'UNSET', 'MODEL'], 'ERR HBEAT both sets and clears MODEL'],
    [['HBEAT', 'JSON', '{"worker_id":"w","hive_id":"h","color":1}'], "ERR invalid HBEAT JSON payload: unknown field 'color'"],
    [['HBEAT', 'JSON', '{"worker_id":"w","hive_id":"h","vram_bytes":"8"}'], "ERR invalid HBEAT JSON field 'vram_bytes': expected a number"],
    [['HBEAT', 'w'.repeat(300), 'h'], `ERR invalid worker_id '${'w'.repeat(40)}`],
  ];
  for (const [argv, message] of refused) {
    it(`${argv.join(' ').slice(0, 60)} -> ${message.slice(0, 70)}, in both protocols, changing nothing`, async () => {
      const error = await h.refuses(argv, new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(error.startsWith(message)).to.equal(true);
      expect(h.server.registry.workerCount()).to.equal(0);
    });
  }

  it("refuses a new worker above maxmemory with Redis' OOM error; a known worker still refreshes", async () => {
    h.stop();
    h = new Harness({ settings: { maxmemory: 1 } });
    h.server.registry.heartbeat('known', 'h', {});
    await h.refuses(['HBEAT', 'new', 'h'], "OOM command not allowed when used memory > 'maxmemory'.");
    expect((await h.run(['HBEAT', 'known', 'h'])).resp2).to.equal(':0\r\n');
    expect(h.server.registry.getWorker('new')).to.equal(undefined);
  });
});
