// `npm run bench -- --only snapshot`: saving and restoring the registry at 1M and 5M workers. For each size the
// server starts from a snapshot file of a made-up fleet (every field set, each worker its own URL), then SAVE
// runs while a side client (its own process) sends PING every 2 ms: the save's time, the file's size and the
// longest the side client waited. The server is then restarted from the file it wrote: the restore time is
// the server's own log figure. Then the same fleet goes into a real redis-server as hashes (`worker:<id>`, the
// same fields): SAVE and BGSAVE with the same side client, the RDB file's size, and a restart from it, as ratios.
// Writes bench/results/snapshot.md and snapshot.json.

import { type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { fleetRecord, writeFleetSnapshot } from '../test/helpers/fleet-snapshot.js';
import { exited, freePort, NODE_FLAGS, ROOT, rssBytes, ServerProcess, spawnTracked } from './processes.js';
import { pipeLoad, Probe } from './scale.js';

const OUR_MAIN = join(ROOT, 'dist/src/main.js');

export interface SnapshotPlan {
  sizes: number[];
  outDir: string;
  log: (message: string) => void;
}

interface SizeResult {
  workers: number;
  /** Making the input file (not the server's work). */
  generateS: number;
  restoreFirstMs: number;
  saveMs: number;
  saveWallMs: number;
  bytes: number;
  bytesPerWorker: number;
  stallWorstMs: number;
  stallP99Ms: number;
  pings: number;
  /** The same side client over as long with no save running: what the machine's load alone causes. */
  idleWorstMs: number;
  idleP99Ms: number;
  restoreMs: number;
  readyWallMs: number;
  rssAfterRestore: number;
  redis?: RedisResult;
  error?: string;
}

/** The same fleet in redis-server, one hash a worker, saved to RDB. */
interface RedisResult {
  /** Loading the hashes through redis-cli --pipe (not compared). */
  loadS: number;
  /** SAVE as the client saw it: Redis serves nobody meanwhile. */
  saveMs: number;
  saveStallWorstMs: number;
  saveStallP99Ms: number;
  /** BGSAVE from the command to the log line of the child's success. */
  bgsaveMs: number;
  /** INFO stats latest_fork_usec: the parent is blocked while it forks. */
  forkMs: number;
  bgsaveStallWorstMs: number;
  bgsaveStallP99Ms: number;
  bytes: number;
  /** From starting redis-server on the RDB file to its ready line. */
  readyWallMs: number;
  /** Redis' own "DB loaded from disk" figure. */
  loadedMs: number;
  rssAfterRestore: number;
  error?: string;
}

/** Our server as a process, its log lines kept. */
class Server {
  log = '';
  port = 0;
  private waiters: Array<() => void> = [];
  private constructor(readonly child: ChildProcess) {
    const take = (b: Buffer) => {
      this.log += b.toString();
      for (const w of [...this.waiters]) w();
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
  }

  static async start(file: string, heapMb: number): Promise<{ server: Server; readyMs: number }> {
    const started = performance.now();
    const args = [...NODE_FLAGS, `--max-old-space-size=${heapMb}`, OUR_MAIN, '--port', '0', '--bind', '127.0.0.1'];
    args.push('--snapshot', file, '--save-interval', '0', '--offline-after', '3600000', '--evict-after', '0', '--maxmemory', '0');
    const server = new Server(spawnTracked(process.execPath, args));
    server.port = Number((await server.line(/ready on [^:]+:(\d+) /, 30 * 60_000))[1]);
    return { server, readyMs: performance.now() - started };
  }

  line(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${timeoutMs} ms; log: ${this.log.slice(-2000)}`)), timeoutMs);
      const check = () => {
        const m = pattern.exec(this.log);
        if (m === null) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(m);
      };
      this.waiters.push(check);
      void exited(this.child).then(() => {
        if (!this.waiters.includes(check)) return;
        clearTimeout(timer);
        reject(new Error(`the server exited; log: ${this.log.slice(-2000)}`));
      });
      check();
    });
  }

  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    await exited(this.child);
  }
}

/** The fleet file's records as HSET commands: the key is the id, every other field set as a hash field. */
function* fleetHashes(workers: number, lastSeenMs: number): Generator<string[]> {
  for (let i = 0; i < workers; i++) {
    const record = fleetRecord(i, lastSeenMs);
    const argv = ['HSET', `worker:${String(record.worker_id)}`];
    for (const [field, value] of Object.entries(record))
      if (field !== 'worker_id' && value !== null) argv.push(field, typeof value === 'string' ? value : JSON.stringify(value));
    yield argv;
  }
}

/** redis-server with RDB in `dir` (no automatic saves, no AOF), loading `dir/file` if it is there. */
async function startRedisWithRdb(dir: string, file: string): Promise<{ server: ServerProcess; readyMs: number }> {
  const port = await freePort();
  const started = performance.now();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', file];
  args.push('--save', '', '--appendonly', 'no', '--daemonize', 'no');
  const server = new ServerProcess('redis-server', spawnTracked('redis-server', args));
  await server.waitForLine(/Ready to accept connections/, 30 * 60_000);
  server.port = port;
  return { server, readyMs: performance.now() - started };
}

async function measureRedis(workers: number, dir: string, log: (m: string) => void): Promise<RedisResult> {
  const rdb = `redis-${workers}.rdb`;
  const first = await startRedisWithRdb(dir, rdb);
  const client = new Redis({ port: first.server.port, host: '127.0.0.1', commandTimeout: 30 * 60_000 });
  let probe: Probe | null = null;
  try {
    log(`snapshot: loading the ${workers.toLocaleString('en-US')} workers into redis-server as hashes…`);
    const loadS = await pipeLoad(first.server.port, fleetHashes(workers, Date.now()));
    const keys = Number(await client.dbsize());
    if (keys !== workers) throw new Error(`redis-server holds ${keys} keys, expected ${workers}`);
    probe = await Probe.start(first.server.port);

    log('snapshot: Redis SAVE with the side client…');
    probe.reset();
    let started = performance.now();
    await client.call('SAVE');
    const saveMs = performance.now() - started;
    const saveStall = await probe.report();

    log('snapshot: Redis BGSAVE with the side client…');
    const done = first.server.waitForLine(/Background saving terminated with success|Background saving error/, 30 * 60_000);
    probe.reset();
    started = performance.now();
    await client.call('BGSAVE');
    const outcome = await done;
    const bgsaveMs = performance.now() - started;
    const bgsaveStall = await probe.report();
    if (!outcome[0].includes('success')) throw new Error(`BGSAVE failed: ${first.server.output()}`);
    const fork = /latest_fork_usec:(\d+)/.exec(String(await client.info('stats')));
    const bytes = statSync(join(dir, rdb)).size;
    await probe.stop();
    probe = null;
    client.disconnect();
    first.server.child.kill('SIGKILL');
    await exited(first.server.child);

    log('snapshot: restarting redis-server from its RDB file…');
    const second = await startRedisWithRdb(dir, rdb);
    try {
      const loaded = /DB loaded from disk: ([\d.]+) seconds/.exec(second.server.output());
      const check = new Redis({ port: second.server.port, host: '127.0.0.1' });
      const restoredKeys = Number(await check.dbsize());
      check.disconnect();
      if (restoredKeys !== workers) throw new Error(`redis-server restored ${restoredKeys} keys, expected ${workers}`);
      return {
        loadS,
        saveMs,
        saveStallWorstMs: saveStall.worstMs,
        saveStallP99Ms: saveStall.p99Ms,
        bgsaveMs,
        forkMs: fork === null ? -1 : Number(fork[1]) / 1000,
        bgsaveStallWorstMs: bgsaveStall.worstMs,
        bgsaveStallP99Ms: bgsaveStall.p99Ms,
        bytes,
        readyWallMs: second.readyMs,
        loadedMs: loaded === null ? -1 : Number(loaded[1]) * 1000,
        rssAfterRestore: rssBytes(second.server.pid),
      };
    } finally {
      second.server.child.kill('SIGKILL');
      await exited(second.server.child);
    }
  } finally {
    client.disconnect();
    await probe?.stop();
    if (first.server.child.exitCode === null && first.server.child.signalCode === null) {
      first.server.child.kill('SIGKILL');
      await exited(first.server.child);
    }
    rmSync(join(dir, rdb), { force: true });
  }
}

const RESTORED = /Snapshot restored from .*: (\d+) workers .*, (\d+) ms/;
const SAVED = /Snapshot saved \(save\): (\d+) workers, revision \d+, (\d+) bytes, (\d+) ms/;

async function measureSize(workers: number, dir: string, log: (m: string) => void): Promise<SizeResult> {
  const file = join(dir, `fleet-${workers}.snapshot`);
  // About 500 bytes a worker in the heap, twice that while a save holds copies: room to spare.
  const heapMb = Math.max(2048, Math.ceil((workers * 1600) / 1024 / 1024));
  let started = performance.now();
  log(`snapshot: writing a ${workers.toLocaleString('en-US')}-worker file…`);
  await writeFleetSnapshot(file, workers);
  const generateS = (performance.now() - started) / 1000;

  log('snapshot: starting the server from it…');
  const first = await Server.start(file, heapMb);
  const restoredFirst = RESTORED.exec(first.server.log);
  const probe = await Probe.start(first.server.port);
  const client = new Redis({ port: first.server.port, host: '127.0.0.1', commandTimeout: 30 * 60_000 });
  let saveWallMs: number;
  let stall: { worstMs: number; p99Ms: number; pings: number };
  let idle: { worstMs: number; p99Ms: number };
  try {
    log('snapshot: SAVE with a side client pinging every 2 ms…');
    probe.reset();
    started = performance.now();
    await client.call('SAVE');
    saveWallMs = performance.now() - started;
    stall = await probe.report();
    probe.reset();
    await new Promise((r) => setTimeout(r, saveWallMs));
    idle = await probe.report();
  } finally {
    client.disconnect();
    await probe.stop();
    await first.server.kill();
  }
  const saved = SAVED.exec(first.server.log);
  if (saved === null) throw new Error(`no save line in the log: ${first.server.log.slice(-2000)}`);

  log('snapshot: restarting from the file the server wrote…');
  const second = await Server.start(file, heapMb);
  const restored = RESTORED.exec(second.server.log);
  const rss = rssBytes(second.server.child.pid!);
  await second.server.kill();
  if (restored === null || Number(restored[1]) !== workers)
    throw new Error(`restore line missing or short: ${second.server.log.slice(-2000)}`);
  rmSync(file, { force: true });
  let redis: RedisResult;
  try {
    redis = await measureRedis(workers, dir, log);
  } catch (e) {
    log(`snapshot: Redis at ${workers.toLocaleString('en-US')} workers failed: ${(e as Error).message.slice(0, 500)}`);
    redis = { error: (e as Error).message.split('\n')[0]!.slice(0, 120) } as RedisResult;
  }
  const bytes = Number(saved[2]);
  return {
    workers,
    generateS,
    restoreFirstMs: restoredFirst === null ? -1 : Number(restoredFirst[2]),
    saveMs: Number(saved[3]),
    saveWallMs,
    bytes,
    bytesPerWorker: bytes / workers,
    stallWorstMs: stall.worstMs,
    stallP99Ms: stall.p99Ms,
    pings: stall.pings,
    idleWorstMs: idle.worstMs,
    idleP99Ms: idle.p99Ms,
    restoreMs: Number(restored[2]),
    readyWallMs: second.readyMs,
    rssAfterRestore: rss,
    redis,
  };
}

const n = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (b: number) => `${n(b / 1024 / 1024)} MB`;

function markdown(results: SizeResult[], startedAt: Date, load: [number, number]): string {
  const rows = results.map((r) =>
    r.error !== undefined
      ? `| ${n(r.workers)} | failed: ${r.error} | | | | | | |`
      : `| ${n(r.workers)} | ${n(r.saveMs / 1000, 1)} s | ${mb(r.bytes)} (${n(r.bytesPerWorker)} B/worker) | ${n(r.stallWorstMs, 1)} ms ` +
        `(p99 ${n(r.stallP99Ms, 1)} ms, ${n(r.pings)} pings) | ${n(r.idleWorstMs, 1)} ms (p99 ${n(r.idleP99Ms, 1)} ms) | ${n(r.restoreMs / 1000, 1)} s | ${n(r.readyWallMs / 1000, 1)} s | ${mb(r.rssAfterRestore)} |`,
  );
  return [
    '# Benchmarks: snapshot (`npm run bench -- --only snapshot`)',
    '',
    `Run ${startedAt.toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, ` +
      `${n(os.totalmem() / 1024 ** 3)} GiB RAM, Node ${process.version}. Load average (1 min) ${n(load[0], 2)} at the start, ` +
      `${n(load[1], 2)} at the end: the machine was shared with other work, so times are upper bounds.`,
    '',
    'For each size the server starts from a snapshot file of a made-up fleet (every field set, each worker its own ' +
      'URL, 8 workers a hive), then `SAVE` runs while a side client in its own process sends `PING` every 2 ms. ' +
      '**Save** is the server’s own figure (its log line), **stall** the longest a PING waited for its reply during ' +
      'the save (the save is cut into slices of a few ms; between them clients are served), next to the same client ' +
      'over as long right after with no save running (what the machine’s load alone causes). The server is then ' +
      'killed and started again from the file it wrote: **restore** is the server’s log figure (the checksum pass, ' +
      'then each record checked as HBEAT checks it and loaded), **ready** the time from starting the process to its ' +
      'ready line, **RSS** the process after the restore. Server flags: `--offline-after 3600000 --evict-after 0 ' +
      '--maxmemory 0 --save-interval 0`, Node with `--max-semi-space-size=64` and a heap limit sized to the fleet.',
    '',
    '| workers | save | file | largest stall during the save | largest stall, no save, as long | restore | start to ready | RSS after restore |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    '**Redis, the same fleet** (one hash a worker, `worker:<id>` with the same fields, loaded with `redis-cli --pipe`; ' +
      '`redis-server --save "" --appendonly no`, RDB with its default compression). `SAVE` blocks the server for its whole ' +
      'length; `BGSAVE` forks and a child writes the file, so the parent is blocked only while it forks. The same side ' +
      'client measures the stalls. **Restore** is from starting `redis-server` on the RDB file to its ready line ' +
      '(Redis’ own “DB loaded from disk” figure in brackets).',
    '',
    '| workers | SAVE | stall during SAVE | BGSAVE (fork) | stall during BGSAVE | RDB file | restore (loaded) | RSS after restore |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map((r) => {
      const x = r.redis;
      if (x === undefined || x.error !== undefined) return `| ${n(r.workers)} | failed: ${x?.error ?? r.error ?? 'not run'} | | | | | | |`;
      return (
        `| ${n(r.workers)} | ${n(x.saveMs / 1000, 1)} s | ${n(x.saveStallWorstMs, 1)} ms (p99 ${n(x.saveStallP99Ms, 1)} ms) | ` +
        `${n(x.bgsaveMs / 1000, 1)} s (${n(x.forkMs, 1)} ms) | ${n(x.bgsaveStallWorstMs, 1)} ms (p99 ${n(x.bgsaveStallP99Ms, 1)} ms) | ` +
        `${mb(x.bytes)} (${n(x.bytes / r.workers)} B/worker) | ${n(x.readyWallMs / 1000, 1)} s (${n(x.loadedMs / 1000, 1)} s) | ${mb(x.rssAfterRestore)} |`
      );
    }),
    '',
    'Ratios, ours to Redis’ (below 1: ours is faster or smaller). The largest stall is ours during our SAVE next to ' +
      'Redis’ during its BGSAVE (its way of saving without stopping clients).',
    '',
    '| workers | save time / Redis SAVE | save time / Redis BGSAVE | file / RDB file | largest stall / Redis BGSAVE’s | restore / Redis restore |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results
      .filter((r) => r.error === undefined && r.redis !== undefined && r.redis.error === undefined)
      .map((r) => {
        const x = r.redis!;
        const ratio = (a: number, b: number) => `${n(a / b, 2)}x`;
        return (
          `| ${n(r.workers)} | ${ratio(r.saveMs, x.saveMs)} | ${ratio(r.saveMs, x.bgsaveMs)} | ${ratio(r.bytes, x.bytes)} | ` +
          `${ratio(r.stallWorstMs, x.bgsaveStallWorstMs)} (${n(r.stallWorstMs, 1)} vs ${n(x.bgsaveStallWorstMs, 1)} ms) | ${ratio(r.readyWallMs, x.readyWallMs)} |`
        );
      }),
    '',
    'Raw figures: [snapshot.json](snapshot.json).',
    '',
  ].join('\n');
}

export async function snapshotSection(plan: SnapshotPlan): Promise<void> {
  const startedAt = new Date();
  const loadStart = os.loadavg()[0]!;
  const dir = mkdtempSync(join(os.tmpdir(), 'registry-snapshot-bench-'));
  const results: SizeResult[] = [];
  try {
    for (const workers of plan.sizes) {
      try {
        results.push(await measureSize(workers, dir, plan.log));
      } catch (e) {
        plan.log(`snapshot: ${n(workers)} workers failed: ${(e as Error).message.slice(0, 500)}`);
        results.push({ workers, error: (e as Error).message.split('\n')[0]!.slice(0, 120) } as SizeResult);
      }
      const last = results.at(-1)!;
      if (last.error === undefined)
        plan.log(
          `snapshot: ${n(workers)} workers: save ${n(last.saveMs)} ms, ${mb(last.bytes)}, worst stall ${n(last.stallWorstMs, 1)} ms, restore ${n(last.restoreMs)} ms`,
        );
      if (last.redis !== undefined && last.redis.error === undefined)
        plan.log(
          `snapshot: Redis at ${n(workers)}: SAVE ${n(last.redis.saveMs)} ms, BGSAVE ${n(last.redis.bgsaveMs)} ms (worst stall ` +
            `${n(last.redis.bgsaveStallWorstMs, 1)} ms), RDB ${mb(last.redis.bytes)}, restore ${n(last.redis.readyWallMs)} ms`,
        );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const load: [number, number] = [loadStart, os.loadavg()[0]!];
  mkdirSync(plan.outDir, { recursive: true });
  writeFileSync(join(plan.outDir, 'snapshot.json'), JSON.stringify({ startedAt, loadAvg: load, results }, null, 2) + '\n');
  writeFileSync(join(plan.outDir, 'snapshot.md'), markdown(results, startedAt, load));
  plan.log(`snapshot: wrote ${join(plan.outDir, 'snapshot.md').slice(ROOT.length)} and snapshot.json`);
}
