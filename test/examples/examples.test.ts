// The examples run as a user would run them, against a real server: the TypeScript worker agent and
// orchestrator (built to dist/examples, importing 'rbee-registry/client'), and the Python worker with redis-py.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { expect } from 'chai';
import { needProgram } from '../helpers/programs.js';
import { record, WireFixture, type Client } from '../wire/fixture.js';

const EXAMPLES_JS = fileURLToPath(new URL('../../examples/', import.meta.url));
const EXAMPLES_SRC = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** Output lines of a child, awaited one by one. */
class Lines {
  private readonly lines: string[] = [];
  private waiting: Array<() => void> = [];
  readonly all: string[] = [];
  constructor(child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      this.lines.push(l);
      this.all.push(l);
      for (const w of this.waiting.splice(0)) w();
    });
  }
  async next(match: (l: string) => boolean): Promise<string> {
    for (;;) {
      const i = this.lines.findIndex(match);
      if (i >= 0) return this.lines.splice(0, i + 1).at(-1)!;
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }
}

describe('examples', function () {
  let fx: WireFixture;
  let redis: Client;
  const children: ChildProcess[] = [];

  const run = (command: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(command, args, {
      env: { ...process.env, REGISTRY_PORT: String(fx.port), REGISTRY_HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    children.push(child);
    return { child, lines: new Lines(child), stderr: () => stderr };
  };
  const exitCode = async (child: ChildProcess): Promise<number | null> =>
    child.exitCode !== null ? child.exitCode : ((await once(child, 'exit')) as [number | null])[0];

  beforeEach(async () => {
    fx = await WireFixture.start({ offlineAfterMs: 3000 });
    redis = await fx.ioredis({ protocol: 2 });
  });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await fx.close();
  });

  it('worker-agent.ts registers the worker with its full state, reports Busy, and deregisters on SIGTERM', async () => {
    const { child, lines } = run(process.execPath, [EXAMPLES_JS + 'worker-agent.js'], {
      WORKER_ID: 'ts-worker',
      HIVE_ID: 'hive-ts',
      MODEL: 'm',
    });
    expect(JSON.parse(await lines.next((l) => l.includes('"beat"')))).to.include({ registered: true, full: true });
    expect(record(await redis.call('WORKER.GET', 'ts-worker'))).to.include({
      hive_id: 'hive-ts',
      model_id: 'm',
      state: 'Idle',
      backend: 'cuda',
      vram_total_bytes: 24e9,
    });
    child.kill('SIGUSR1');
    await lines.next((l) => l.includes('"beat"'));
    expect(record(await redis.call('WORKER.GET', 'ts-worker')).state).to.equal('Busy');
    child.kill('SIGTERM');
    expect(await exitCode(child)).to.equal(0);
    expect(await redis.call('WORKER.GET', 'ts-worker')).to.equal(null);
  });

  it('orchestrator.ts claims a worker per request, releases it, and follows the events', async () => {
    await redis.call('HBEAT', 'a', 'h', 'MODEL', 'm', 'URL', 'http://10.0.0.1:1', 'GPU', '10');
    await redis.call('HBEAT', 'b', 'h', 'MODEL', 'other', 'URL', 'http://10.0.0.2:1');
    const { child, lines, stderr } = run(process.execPath, [EXAMPLES_JS + 'orchestrator.js', '2'], { MODEL: 'm' });
    expect(await exitCode(child), stderr()).to.equal(0);
    const out = lines.all.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.filter((o) => 'request' in o)).to.deep.equal([
      { request: 0, worker: 'a', url: 'http://10.0.0.1:1', match: 'model' },
      { request: 1, worker: 'a', url: 'http://10.0.0.1:1', match: 'model' },
    ]);
    expect(out.find((o) => 'resync' in o)).to.deep.include({ resync: 'start', workers: 2 });
    const released = await redis.call('EVENTS.READ', 'SINCE', '0');
    expect((released as string[]).filter((e) => e.includes('worker.released'))).to.have.length(2);
  });

  it('worker.py (redis-py) beats, sends its full state, and deregisters when done', async function () {
    const python = needProgram(this, 'python3-redis');
    const { child, lines, stderr } = run(python, [EXAMPLES_SRC + 'worker.py', '3'], {
      WORKER_ID: 'py-worker',
      HIVE_ID: 'hive-py',
      MODEL: 'm',
      INTERVAL_MS: '20',
    });
    expect(await lines.next((l) => l.startsWith('beat 1'))).to.equal('beat 1 registered=1');
    expect(await exitCode(child), stderr()).to.equal(0);
    expect(lines.all).to.deep.equal(['beat 1 registered=1', 'beat 2 registered=0', 'beat 3 registered=0']);
    const events = ((await redis.call('EVENTS.READ', 'SINCE', '0')) as string[]).map((e) => JSON.parse(e) as Record<string, unknown>);
    expect(events.find((e) => e.type === 'worker.online')).to.include({
      worker_id: 'py-worker',
      model_id: 'm',
      url: 'http://127.0.0.1:8082',
      state: 'Idle',
    });
    expect(events.at(-2)).to.include({ type: 'worker.removed', worker_id: 'py-worker' });
  });
});
