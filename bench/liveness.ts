// Liveness benchmark: 100k workers heartbeat within one second and then go silent, so 100k offline deadlines
// fall within one second. Measures how late `worker.offline` events reach a subscriber after their deadline
// (p50/p99/max), and the longest event-loop stall meanwhile, as the latency of PINGs sent every few ms from a
// separate process. Run: `npm run bench:liveness` (builds first).

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const WORKERS = Number(process.env.LIVENESS_WORKERS ?? 100_000);
const SPREAD_MS = 1000;
const OFFLINE_AFTER_MS = 3000;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  s.close();
  return port;
}

/** Child mode: PING every `interval` ms until told to stop on stdin; print the latencies as JSON. */
async function pinger(port: number, intervalMs: number): Promise<void> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, enableAutoPipelining: false });
  await client.connect();
  const latencies: number[] = [];
  let stop = false;
  process.stdin.on('data', () => (stop = true));
  process.stdin.resume();
  while (!stop) {
    const t0 = performance.now();
    await client.ping();
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  process.stdout.write(JSON.stringify(latencies) + '\n');
  await client.quit();
  process.exit(0);
}

async function main(): Promise<void> {
  const port = await freePort();
  const serverPath = fileURLToPath(new URL('../src/main.js', import.meta.url));
  const server: ChildProcess = spawn(
    process.execPath,
    [
      '--max-semi-space-size=64',
      serverPath,
      '--port',
      String(port),
      '--offline-after',
      String(OFFLINE_AFTER_MS),
      '--evict-after',
      '0',
      '--event-log',
      String(WORKERS * 3),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  try {
    const subscriber = new Redis({ port, host: '127.0.0.1' });
    const lateness: number[] = [];
    let received = 0;
    let allOffline!: () => void;
    const done = new Promise<void>((r) => (allOffline = r));
    subscriber.on('pmessage', (_p: string, _ch: string, message: string) => {
      const now = Date.now();
      const event = JSON.parse(message) as { at_ms: number };
      lateness.push(now - event.at_ms);
      if (++received === WORKERS) allOffline();
    });
    await subscriber.psubscribe('registry:worker.offline');

    // 100k heartbeats spread over one second, in 20 pipelined batches.
    const writer = new Redis({ port, host: '127.0.0.1' });
    const batches = 20;
    const perBatch = Math.ceil(WORKERS / batches);
    const t0 = Date.now();
    process.stderr.write(`liveness: sending ${WORKERS} heartbeats over ${SPREAD_MS} ms…\n`);
    for (let b = 0; b < batches; b++) {
      const pipeline = writer.pipeline();
      for (let i = b * perBatch; i < Math.min(WORKERS, (b + 1) * perBatch); i++) {
        pipeline.call('HBEAT', `w${i}`, `hive-${i % 1000}`, 'STATE', 'Idle', 'MODEL', `model-${i % 50}`, 'VRAM', '1000', 'GPU', '10');
      }
      await pipeline.exec();
      const next = t0 + ((b + 1) * SPREAD_MS) / batches;
      const wait = next - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const sentMs = Date.now() - t0;
    process.stderr.write(`liveness: heartbeats sent in ${sentMs} ms; waiting for the offline wave…\n`);

    // Start the pinger just before the first deadline.
    const pingerProc = spawn(process.execPath, [fileURLToPath(import.meta.url), '--pinger', String(port), '5'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let pingOut = '';
    pingerProc.stdout.on('data', (d: Buffer) => (pingOut += d.toString()));
    const timeout = setTimeout(() => allOffline(), OFFLINE_AFTER_MS + SPREAD_MS + 30_000);
    await done;
    clearTimeout(timeout);
    pingerProc.stdin.end('stop\n');
    await once(pingerProc, 'exit');
    const pings = (JSON.parse(pingOut.trim()) as number[]).sort((a, b) => a - b);
    lateness.sort((a, b) => a - b);
    const result = {
      date: new Date().toISOString(),
      workers: WORKERS,
      offline_after_ms: OFFLINE_AFTER_MS,
      heartbeats_sent_ms: sentMs,
      offline_events_received: received,
      lateness_ms: { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: lateness[lateness.length - 1] },
      ping_ms: {
        count: pings.length,
        p50: +percentile(pings, 50).toFixed(2),
        p99: +percentile(pings, 99).toFixed(2),
        max: +pings[pings.length - 1]!.toFixed(2),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    mkdirSync(new URL('./results/', import.meta.url.replace('/dist/bench/', '/bench/')), { recursive: true });
    const results = import.meta.url.replace('/dist/bench/', '/bench/');
    writeFileSync(new URL('./results/liveness.json', results), JSON.stringify(result, null, 2) + '\n');
    writeFileSync(
      new URL('./results/liveness.md', results),
      [
        '# Liveness benchmark',
        '',
        `Generated by \`npm run bench:liveness\` (bench/liveness.ts) on ${result.date.slice(0, 10)}, Node ${process.version}, ` +
          `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown CPU'}.`,
        '',
        `${WORKERS.toLocaleString('en-US')} workers heartbeat within about one second (sent in ${sentMs} ms), then go silent; with ` +
          `\`--offline-after ${OFFLINE_AFTER_MS}\` their offline deadlines fall within the same span. A subscriber on ` +
          '`registry:worker.offline` records how late each event arrives after its deadline (`at_ms`); a separate process ' +
          'sends PING every 5 ms meanwhile, and its latency bounds any event-loop stall.',
        '',
        '| measure | p50 | p99 | max |',
        '| --- | ---: | ---: | ---: |',
        `| offline event lateness (ms), ${received.toLocaleString('en-US')} events | ${result.lateness_ms.p50} | ${result.lateness_ms.p99} | ${result.lateness_ms.max} |`,
        `| PING latency during the wave (ms), ${pings.length} pings | ${result.ping_ms.p50} | ${result.ping_ms.p99} | ${result.ping_ms.max} |`,
        '',
        'Targets: p99 lateness under 50 ms, no stall above 50 ms.',
        '',
      ].join('\n'),
    );
    subscriber.disconnect();
    writer.disconnect();
  } finally {
    server.kill('SIGTERM');
  }
}

if (process.argv[2] === '--pinger') await pinger(Number(process.argv[3]), Number(process.argv[4]));
else await main();
