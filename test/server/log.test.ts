// The log: Redis' line format and levels, a log file appended to (and recreated after rotation), and the
// lines the server writes for evictions, the guard and slow commands (in process, on a manual clock).

import { expect } from 'chai';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { formatLogTime, Logger } from '../../src/server/log.js';
import { ManualClock } from '../helpers/clock.js';
import { ManualTimers } from '../helpers/timers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { logLines } from '../helpers/process.js';

describe('Logger', () => {
  it("writes Redis' line format: pid:M, day month year time.ms, the level mark, the message", () => {
    const lines: string[] = [];
    const at = new Date(2026, 10, 9, 7, 5, 3, 42);
    const log = new Logger({ level: 'debug', write: (l) => void lines.push(l), now: () => at });
    log.debug('d');
    log.verbose('v');
    log.notice('n');
    log.warning('w');
    expect(formatLogTime(at)).to.equal('09 Nov 2026 07:05:03.042');
    expect(lines).to.deep.equal(['.', '-', '*', '#'].map((mark, i) => `${process.pid}:M 09 Nov 2026 07:05:03.042 ${mark} ${'dvnw'[i]}\n`));
  });

  it('drops lines below its level', () => {
    for (const [level, kept] of [
      ['debug', 'dvnw'],
      ['verbose', 'vnw'],
      ['notice', 'nw'],
      ['warning', 'w'],
    ] as const) {
      const lines: string[] = [];
      const log = new Logger({ level, write: (l) => void lines.push(l) });
      log.debug('d');
      log.verbose('v');
      log.notice('n');
      log.warning('w');
      expect(lines.map((l) => l.at(-2)).join(''), level).to.equal(kept);
    }
  });

  it('appends to its file, and starts a new one when the old was moved away (log rotation)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'registry-log-'));
    try {
      const file = path.join(dir, 'registry.log');
      const log = new Logger({ file });
      log.check();
      log.notice('one');
      await rename(file, file + '.1');
      log.notice('two');
      expect(logLines(await readFile(file + '.1', 'utf8')).map((l) => l.message)).to.deep.equal(['one']);
      expect(logLines(await readFile(file, 'utf8')).map((l) => l.message)).to.deep.equal(['two']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('check() throws when the file cannot be opened', () => {
    expect(() => new Logger({ file: path.join(tmpdir(), 'no-such-dir-' + process.pid, 'x.log') }).check()).to.throw(/ENOENT/);
  });
});

describe('what the server logs', () => {
  let lines: string[];
  let clock: ManualClock;
  let timers: ManualTimers;
  let server: TestServer;
  const messages = () => logLines(lines.join('')).map((l) => `${l.mark} ${l.message}`);
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  beforeEach(async () => {
    lines = [];
    clock = new ManualClock();
    timers = new ManualTimers(clock);
    server = await startTestServer({
      clock,
      timers,
      offlineAfterMs: 1000,
      evictAfterMs: 2000,
      logger: new Logger({ level: 'notice', write: (l) => void lines.push(l) }),
    });
  });

  afterEach(() => server.close());

  it('nothing per heartbeat; one line per batch of evictions, with counts', async () => {
    const registry = server.server.registry;
    registry.setGuardMode('off');
    for (let i = 0; i < 500; i++) registry.heartbeat(`w${i}`, `hive-${i % 5}`, { gpuPercent: i % 100 });
    for (let i = 0; i < 500; i++) registry.heartbeat(`w${i}`, `hive-${i % 5}`, { gpuPercent: (i + 1) % 100 });
    await turn();
    expect(messages()).to.deep.equal([]);
    timers.advance(2500);
    await turn();
    expect(messages()).to.deep.equal(['* Evicted 500 offline workers (5 hives left empty and removed)']);
  });

  it('the guard tripping and lifting', async () => {
    const registry = server.server.registry;
    for (let i = 0; i < 10; i++) registry.heartbeat(`w${i}`, 'hive', {});
    timers.advance(1500);
    for (let i = 0; i < 10; i++) registry.heartbeat(`w${i}`, 'hive', {});
    await turn();
    expect(messages()).to.deep.equal([
      '# Expiry guard tripped (auto): 4 of 10 workers online; evictions held',
      `* Expiry guard lifted (auto): 6 of 10 workers online; evictions resume at ${new Date(clock.now() + 1000).toISOString()}`,
    ]);
  });

  it('the guard released after --expiry-guard-max-hold, as a warning', async () => {
    server.server.settings.setTexts([['expiry-guard-max-hold', '5000']]);
    const registry = server.server.registry;
    for (let i = 0; i < 10; i++) registry.heartbeat(`w${i}`, 'hive', {});
    timers.advance(1000); // all offline: tripped
    timers.advance(5000);
    await turn();
    expect(messages()).to.deep.equal([
      '# Expiry guard tripped (auto): 4 of 10 workers online; evictions held',
      '# Expiry guard released: it held evictions for --expiry-guard-max-hold (auto); 0 of 10 workers online; ' +
        `held workers are evicted from ${new Date(clock.now() + 1000).toISOString()}, at most --evict-rate a second`,
    ]);
    timers.advance(1000);
    await turn();
    expect(messages().at(-1)).to.equal('* Evicted 10 offline workers (1 hives left empty and removed)');
  });

  it('a command slower than the threshold, with its name, duration and client', async () => {
    const quick = await startTestServer({
      logger: new Logger({ write: (l) => void lines.push(l) }),
      logSlowerThanMs: 1,
      settings: { 'reply-max-records': 100_000 },
    });
    try {
      for (let i = 0; i < 20_000; i++) quick.server.registry.heartbeat(`w${i}`, `hive-${i % 100}`, { modelId: 'm' });
      const { Redis } = await import('ioredis');
      const client = new Redis({ port: quick.port, lazyConnect: true, enableReadyCheck: false });
      await client.connect();
      await client.call('WORKER.LIST');
      client.disconnect();
      // Other commands may cross 1 ms on a busy machine too (a collection pause): look for this one.
      const listed = messages().filter((m) => m.includes('worker.list'));
      expect(listed).to.have.length(1);
      expect(listed[0]).to.match(/^\* Slow command: worker\.list \(1 arguments\) took \d+\.\d ms, client id=\d+ addr=127\.0\.0\.1:\d+$/);
    } finally {
      await quick.close();
    }
  });

  it('no slow-command lines with a threshold of 0', async () => {
    const quiet = await startTestServer({
      logger: new Logger({ write: (l) => void lines.push(l) }),
      logSlowerThanMs: 0,
      settings: { 'reply-max-records': 100_000 },
    });
    try {
      for (let i = 0; i < 20_000; i++) quiet.server.registry.heartbeat(`w${i}`, `hive-${i % 100}`, { modelId: 'm' });
      const { Redis } = await import('ioredis');
      const client = new Redis({ port: quiet.port, lazyConnect: true, enableReadyCheck: false });
      await client.connect();
      expect(await client.call('WORKER.COUNT')).to.equal(20_000);
      await client.call('WORKER.LIST');
      client.disconnect();
      expect(messages()).to.deep.equal([]);
    } finally {
      await quiet.close();
    }
  });
});
