// HeartbeatAgent against a real server over real sockets, with the agent's clock and timers driven by hand: which
// fields each beat carries, the interval and its jitter, the resend after a reply of 1, and stop().

import { once } from 'node:events';
import { expect } from 'chai';
import { HeartbeatAgent, type BeatInfo, type WorkerFields } from 'rbee-registry/client';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';
import { record, WireFixture } from '../wire/fixture.js';

describe('HeartbeatAgent', () => {
  let fx: WireFixture;
  let clock: ManualClock;
  let timers: ManualTimers;
  const agents: HeartbeatAgent[] = [];
  let report: WorkerFields;

  function agent(options: Partial<ConstructorParameters<typeof HeartbeatAgent>[0]> = {}): HeartbeatAgent {
    const a = new HeartbeatAgent({
      workerId: 'w1',
      hiveId: 'h1',
      report: () => ({ ...report }),
      port: fx.port,
      host: '127.0.0.1',
      clock,
      timers,
      random: () => 0.5,
      ...options,
    });
    agents.push(a);
    return a;
  }

  const nextBeat = async (a: HeartbeatAgent): Promise<BeatInfo> => ((await once(a, 'beat')) as [BeatInfo])[0];

  beforeEach(async () => {
    fx = await WireFixture.start({ offlineAfterMs: 30_000 });
    clock = new ManualClock(0);
    timers = new ManualTimers(clock);
    report = { state: 'Idle', modelId: 'llama', url: 'http://10.0.0.5:8080', gpuPercent: 10 };
  });
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop();
    await fx.close();
  });

  it('sends the full state first, then only what changed, every third of the offline window', async () => {
    const a = agent();
    a.start();
    const first = await nextBeat(a);
    expect(first).to.deep.equal({
      registered: true,
      full: true,
      args: ['STATE', 'Idle', 'URL', 'http://10.0.0.5:8080', 'MODEL', 'llama', 'GPU', '10'],
    });
    expect(a.intervalMs).to.equal(10_000);
    expect(timers.nextAt).to.equal(10_000);
    report.gpuPercent = 55;
    const beat = nextBeat(a);
    timers.advance(10_000);
    expect(await beat).to.deep.equal({ registered: false, full: false, args: ['GPU', '55'] });
    const unchanged = nextBeat(a);
    timers.advance(10_000);
    expect((await unchanged).args).to.deep.equal([]);
    expect(record(await (await fx.ioredis()).call('WORKER.GET', 'w1'))).to.include({ model_id: 'llama', gpu_percent: '55' });
  });

  it('spreads beats by up to 10% either way', async () => {
    let r = 0;
    const a = agent({ random: () => r, intervalMs: 1000 });
    a.start();
    await nextBeat(a);
    expect(timers.nextAt).to.equal(900);
    r = 1;
    const b = nextBeat(a);
    timers.advance(900);
    await b;
    expect(timers.nextAt).to.equal(900 + 1100);
  });

  it('resends the full state at once after a reply of 1 (the registry lost the worker)', async () => {
    const a = agent();
    a.start();
    await nextBeat(a);
    const other = await fx.ioredis();
    expect(await other.call('WORKER.DEL', 'w1')).to.equal(1);
    const partial = nextBeat(a);
    timers.advance(10_000);
    expect(await partial).to.deep.include({ registered: true, full: false, args: [] });
    // No timer involved: the full beat follows the reply of 1 directly.
    expect(await nextBeat(a)).to.deep.include({ registered: false, full: true });
    expect(record(await other.call('WORKER.GET', 'w1'))).to.include({ model_id: 'llama', url: 'http://10.0.0.5:8080', state: 'Idle' });
  });

  it('stop({ remove: true }) deregisters the worker; stop() alone leaves it', async () => {
    const a = agent();
    a.start();
    await nextBeat(a);
    await a.stop({ remove: true });
    const other = await fx.ioredis();
    expect(await other.call('WORKER.GET', 'w1')).to.equal(null);
    expect(timers.size).to.equal(0);
    const b = agent({ workerId: 'w2' });
    b.start();
    await nextBeat(b);
    await b.stop();
    expect(await other.call('WORKER.GET', 'w2')).to.not.equal(null);
    expect(b.redis.status).to.equal('end');
  });

  it('keeps going after a report() that throws or a value the server refuses', async () => {
    const a = agent({ intervalMs: 1000 });
    let fail: 'throw' | 'bad' | null = null;
    const realReport = () => ({ ...report });
    (a as unknown as { report: () => WorkerFields }).report = () => {
      if (fail === 'throw') throw new Error('sensor down');
      return fail === 'bad' ? { ...report, cpuPercent: 200 } : realReport();
    };
    a.start();
    await nextBeat(a);
    fail = 'throw';
    let failed = once(a, 'failed');
    timers.advance(1000);
    expect(((await failed) as [Error])[0].message).to.equal('sensor down');
    fail = 'bad';
    failed = once(a, 'failed');
    timers.advance(1000);
    expect(((await failed) as [Error & { code: string }])[0]).to.include({ code: 'ERR' });
    fail = null;
    const ok = nextBeat(a);
    timers.advance(1000);
    // A refused beat may have changed nothing, so the next one carries everything.
    expect(await ok).to.deep.include({ full: true, registered: false });
  });
});
