// HeartbeatAgent against the server as a real process: a restart without a snapshot, a stalled server
// (SIGSTOP/SIGCONT), and wrong credentials. Short windows (a 900 ms offline window: 300 ms beats) and events
// instead of sleeps.

import { once } from 'node:events';
import { expect } from 'chai';
import { AuthenticationError, HeartbeatAgent, PermissionError, RegistryClient, type BeatInfo } from 'rbee-registry/client';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const OFFLINE_AFTER = 900;

describe('HeartbeatAgent against the server process', function () {
  this.timeout(30_000);
  let server: ServerProcess | null = null;
  let agent: HeartbeatAgent | null = null;
  let observer: RegistryClient | null = null;
  let toggles = 0;

  const report = () => ({
    // Every beat flips the state, so each beat the server receives leaves a worker.state event: the event log
    // counts the beats received, with the server's receive time.
    state: toggles++ % 2 === 0 ? ('Idle' as const) : ('Busy' as const),
    modelId: 'llama',
    url: 'http://10.0.0.5:8080',
  });

  const nextBeat = async (a: HeartbeatAgent): Promise<BeatInfo> => ((await once(a, 'beat')) as [BeatInfo])[0];

  beforeEach(() => {
    toggles = 0;
  });
  afterEach(async () => {
    await server?.kill('SIGCONT');
    await agent?.stop().catch(() => {});
    await observer?.close();
    await server?.kill('SIGKILL');
    agent = observer = server = null;
  });

  it('survives a restart without a snapshot: the first beat the new server gets carries the full state', async () => {
    server = await startServerProcess(['--offline-after', String(OFFLINE_AFTER)]);
    const port = server.port;
    agent = new HeartbeatAgent({ workerId: 'w1', hiveId: 'h1', report, port, host: '127.0.0.1' });
    agent.start();
    expect(await nextBeat(agent)).to.include({ full: true, registered: true });
    expect(agent.intervalMs).to.equal(OFFLINE_AFTER / 3);
    await nextBeat(agent);

    await server.kill('SIGKILL');
    server = await startServerProcess(['--port', String(port), '--offline-after', String(OFFLINE_AFTER)]);
    const restartedAt = performance.now();
    const beat = await nextBeat(agent);
    const after = performance.now() - restartedAt;
    expect(beat).to.include({ full: true, registered: true });
    expect(beat.args).to.include.members(['MODEL', 'llama', 'URL', 'http://10.0.0.5:8080']);
    observer = new RegistryClient({ port, host: '127.0.0.1' });
    expect(await observer.workerGet('w1')).to.deep.include({ modelId: 'llama', url: 'http://10.0.0.5:8080', online: true });
    // Reconnect attempts are paced by the time left before the deadline, at most one interval apart.
    expect(after, 'ms from the restart to the full beat').to.be.below(agent.intervalMs + 250);
  });

  it('sends no burst after the server was stopped: the one waiting beat lands, nothing was queued', async () => {
    server = await startServerProcess(['--offline-after', '3000', '--evict-after', '0']);
    observer = new RegistryClient({ port: server.port, host: '127.0.0.1' });
    // Beats every 300 ms in a 3 s window: the server stays stopped for two ticks, far from the watchdog.
    agent = new HeartbeatAgent({ workerId: 'w1', hiveId: 'h1', report, intervalMs: 300, port: server.port, host: '127.0.0.1' });
    agent.start();
    await nextBeat(agent);
    await nextBeat(agent);
    const { rev } = await observer.eventsRev();
    let beatsSeen = 0;
    agent.on('beat', () => beatsSeen++);

    await server.kill('SIGSTOP');
    // Two ticks fall due while a beat waits for its reply: an agent that queues would have sent two more.
    let skipped = 0;
    await new Promise<void>((resolve) => {
      const onSkip = () => {
        if (++skipped === 2) {
          agent!.off('skipped', onSkip);
          resolve();
        }
      };
      agent!.on('skipped', onSkip);
    });
    await server.kill('SIGCONT');
    const waiting = await nextBeat(agent);
    expect(waiting.full).to.equal(false);
    await nextBeat(agent);

    const beats = (await observer.eventsRead(rev)).filter((e) => e.type === 'worker.state' && e.worker_id === 'w1');
    // Every beat the server received flipped the state: one event per beat, stamped with the server's time.
    expect(beats.length).to.equal(beatsSeen);
    const gaps = beats.slice(1).map((e, i) => e.at_ms - beats[i]!.at_ms);
    expect(Math.min(...gaps), `gaps between received beats (ms): ${gaps.join(', ')}`).to.be.at.least(150);
  });

  it('stops at once on wrong credentials, with an AuthenticationError and no retry loop', async () => {
    server = await startServerProcess(['--requirepass', 's3cret']);
    agent = new HeartbeatAgent({ workerId: 'w1', hiveId: 'h1', report, port: server.port, host: '127.0.0.1', password: 'wrong' });
    const failed = once(agent, 'error');
    agent.start();
    const [err] = (await failed) as [AuthenticationError];
    expect(err).to.be.instanceOf(AuthenticationError);
    expect(err.code).to.equal('WRONGPASS');
    expect(agent.isRunning).to.equal(false);
    if (agent.redis.status !== 'end') await once(agent.redis, 'end');
    observer = new RegistryClient({ port: server.port, host: '127.0.0.1', password: 's3cret' });
    const info = String(await observer.command('INFO', 'stats'));
    // The agent's one attempt and this observer: nothing else connected.
    expect(/total_connections_received:(\d+)/.exec(info)?.[1]).to.equal('2');
    expect(await observer.workerCount()).to.equal(0);
  });

  it('stops at once when its user may not run HBEAT (NOPERM), with a PermissionError', async () => {
    server = await startServerProcess(['--user', 'w1 on >pw -@all +@connection']);
    agent = new HeartbeatAgent({
      workerId: 'w1',
      hiveId: 'h1',
      report,
      port: server.port,
      host: '127.0.0.1',
      username: 'w1',
      password: 'pw',
    });
    const failed = once(agent, 'error');
    agent.start();
    const [err] = (await failed) as [PermissionError];
    expect(err).to.be.instanceOf(PermissionError);
    expect(err).to.include({ code: 'NOPERM', command: 'HBEAT' });
    expect(agent.isRunning).to.equal(false);
    if (agent.redis.status !== 'end') await once(agent.redis, 'end');
  });
});
