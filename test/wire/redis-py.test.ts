// redis-py (Debian's python3-redis), a client we did not write and in another language: its pipeline is a
// MULTI/EXEC transaction by default, its pub/sub and INFO parsers are strict. Pending where no python3 on PATH
// can import redis (.ci/run installs Debian's python3-redis).

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { needProgram } from '../helpers/programs.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);

const SCRIPT = String.raw`
import json, sys, redis
r = redis.Redis(port=int(sys.argv[1]), decode_responses=True)
out = {}
out['ping'] = r.ping()
out['first'] = r.execute_command('HBEAT', 'w1', 'hive-a', 'STATE', 'Idle', 'MODEL', 'llama', 'GPU', '10', 'VRAM', '1000')
p = r.pipeline()
p.execute_command('HBEAT', 'w2', 'hive-a', 'VRAM', '500')
p.execute_command('WORKER.COUNT')
p.execute_command('HIVE.RES', 'hive-a')
out['pipeline'] = p.execute()
best = r.execute_command('WORKER.BEST', 'llama')
out['best'] = dict(zip(best[::2], best[1::2]))
ps = r.pubsub()
ps.psubscribe('registry:*')
out['subscribed'] = ps.get_message(timeout=2)
r.execute_command('HBEAT', 'w3', 'hive-b')
msg = None
while msg is None or msg['type'] != 'pmessage':
    msg = ps.get_message(timeout=2)
out['event'] = json.loads(msg['data'])
try:
    r.execute_command('HBEAT', 'w1', 'hive-a', 'STATE', 'nope')
except redis.ResponseError as e:
    out['error'] = str(e)
out['info'] = r.info('registry')
w = r.pipeline()
w.watch('anything')
w.multi()
w.execute_command('HIVE.COUNT')
out['watched'] = w.execute()
print(json.dumps(out))
`;

describe('redis-py', function () {
  let server: TestServer;

  let python: string;

  before(function () {
    python = needProgram(this, 'python3-redis');
  });

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.close();
  });

  it('heartbeats, runs a transaction pipeline, reads records, INFO and events, and gets our errors', async () => {
    const { stdout } = await run(python, ['-c', SCRIPT, String(server.port)], { timeout: 15_000 });
    const out = JSON.parse(stdout);
    expect(out.ping).to.equal(true);
    expect(out.first).to.equal(1);
    expect(out.pipeline[0]).to.equal(1);
    expect(out.pipeline[1]).to.equal(2);
    expect(out.pipeline[2].slice(0, 8)).to.deep.equal([
      'hive_id',
      'hive-a',
      'worker_count',
      2,
      'vram_used_bytes',
      1500,
      'ram_used_bytes',
      0,
    ]);
    expect(out.best).to.include({ worker_id: 'w1', model_id: 'llama', gpu_percent: '10', online: 1 });
    expect(out.subscribed).to.deep.equal({ type: 'psubscribe', pattern: null, channel: 'registry:*', data: 1 });
    expect(out.event).to.include({ type: 'worker.online', worker_id: 'w3', hive_id: 'hive-b' });
    expect(out.error).to.equal("invalid STATE 'nope': expected Idle, Busy or Loading");
    expect(out.info).to.include({ workers: 3, hives: 2, workers_online: 3 });
    expect(out.watched).to.deep.equal([2]);
  });
});
