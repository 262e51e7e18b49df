// Memory comes back: a registry emptied by WORKER.DEL or FLUSHALL returns to near its empty baseline (measured
// in a child server after forced collections), and field bounds keep one worker from holding megabytes.

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { GcServerMeasure } from '../helpers/gc-server.js';
import { rejection } from './fixture.js';

const GC_SERVER = fileURLToPath(new URL('../helpers/gc-server.js', import.meta.url));

class GcServer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static start(settings: object = {}): Promise<GcServer> {
    const child = fork(GC_SERVER, [JSON.stringify(settings)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(new GcServer(child, m.port)));
      child.once('exit', (code) => reject(new Error(`gc server exited ${code}`)));
    });
  }

  measure(): Promise<GcServerMeasure> {
    return new Promise((resolve) => {
      this.child.once('message', (m: GcServerMeasure) => resolve(m));
      this.child.send('measure');
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send('stop');
    });
  }
}

const MB = 1024 * 1024;

/** Registers `n` workers with distinct long URLs, models and backends, in pipelined batches. */
async function register(r: Redis, n: number, prefix = 'w'): Promise<void> {
  for (let start = 0; start < n; start += 2000) {
    const p = r.pipeline();
    for (let i = start; i < Math.min(n, start + 2000); i++) {
      p.call(
        'HBEAT',
        `${prefix}${i}`,
        `hive-${i % 500}`,
        'URL',
        `http://10.${i % 250}.0.1:8080/${'p'.repeat(1500)}/${i}`,
        'MODEL',
        `org/model-${i}-${'m'.repeat(400)}`,
        'BACKEND',
        `backend-${i % 1000}`,
        'STATE',
        'Idle',
        'GPU',
        String(i % 100),
        'VRAM',
        String(i * 1000),
      );
    }
    for (const [err] of (await p.exec())!) if (err) throw err;
  }
}

describe('memory given back when workers go', function () {
  this.timeout(120_000);
  let server: GcServer;
  let r: Redis;

  beforeEach(async () => {
    // A short event log: the log keeps its last events by design, and is not what this test is about.
    server = await GcServer.start({ 'event-log': 1000 });
    r = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => null });
  });
  afterEach(async () => {
    r.disconnect();
    await server.stop();
  });

  for (const how of ['FLUSHALL', 'WORKER.DEL', 'FLUSHALL after HIVE.ACTIVE and HIVE.LIST'] as const) {
    it(`after ${how}, an emptied registry is back near its empty baseline`, async () => {
      // Warm up once (code, pools, socket buffers reach their working size), then take the baseline.
      await register(r, 2000, 'warm');
      await r.call('FLUSHALL');
      const baseline = await server.measure();
      const n = 20_000;
      await register(r, n);
      const full = await server.measure();
      const grown = full.used - baseline.used;
      // Each worker holds ~2 KB of strings: the registry really grew.
      expect(grown).to.be.greaterThan(n * 1000);
      if (how !== 'WORKER.DEL') {
        // The hive lists read before must not keep the hives (and through them every worker) alive.
        if (how !== 'FLUSHALL')
          expect([(await r.call('HIVE.ACTIVE')) as string[], (await r.call('HIVE.LIST')) as string[]].map((l) => l.length)).to.deep.equal([
            500, 500,
          ]);
        await r.call('FLUSHALL');
      } else {
        for (let start = 0; start < n; start += 2000) {
          const p = r.pipeline();
          for (let i = start; i < start + 2000; i++) p.call('WORKER.DEL', `w${i}`);
          await p.exec();
        }
      }
      expect(await r.call('WORKER.COUNT')).to.equal(0);
      const after = await server.measure();
      // Back within 10% of what the workers took (and at most 8 MB) of the baseline.
      expect(after.used - baseline.used, JSON.stringify({ baseline, full, after })).to.be.lessThan(Math.min(0.1 * grown, 8 * MB));
    });
  }

  it('refuses fields over their bound, so 1 MB URLs cannot pile up', async () => {
    const baseline = await server.measure();
    for (let i = 0; i < 50; i++) {
      const url = `http://h/${String(i).padStart(4, '0')}${'u'.repeat(MB)}`;
      expect((await rejection(r.call('HBEAT', 'w', 'h', 'URL', url))).message).to.match(
        /^ERR invalid URL 'http:\/\/h\/\d{4}u+…': longer than 2048 bytes$/,
      );
    }
    const after = await server.measure();
    expect(after.used - baseline.used).to.be.lessThan(8 * MB);
  });

  it('keeps the event log within event-log-max-bytes, however long the URLs its events carry', async () => {
    r.disconnect();
    await server.stop();
    // A log long enough by count to keep every event of the run: only the byte bound can hold it back.
    server = await GcServer.start({ 'event-log': 1_000_000, 'event-log-max-bytes': 2 * MB });
    r = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => null });
    await register(r, 2000, 'warm');
    await r.call('FLUSHALL');
    const baseline = await server.measure();
    // 20k worker.online events of ~2 KB each (URL and model): some 80 MB if the log kept them all.
    await register(r, 20_000);
    await r.call('FLUSHALL');
    const after = await server.measure();
    expect(after.used - baseline.used, JSON.stringify({ baseline, after })).to.be.lessThan(8 * MB);
  });
});
