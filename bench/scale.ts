// `npm run bench -- --only scale`: the registry at 1M workers (and memory at 5M). The largest stall a side client
// sees (PING every 2 ms, in its own process) while one client runs each long command, memory per worker after a
// forced GC, and RSS after FLUSHALL against the empty server. Redis runs the nearest commands on 1M hashes in
// the same run, for comparison. Writes bench/results/scale.md and scale.json.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { encodeCommand } from './bulk-load.js';
import { exited, NODE_FLAGS, ROOT, rssBytes, spawnTracked, startMemoryServer, startRedis, type ServerProcess } from './processes.js';
import { generatedBeat, hashPairs, hbeat, hiveId, workerId } from './workloads.js';

const PROBE = fileURLToPath(new URL('./stall-probe.js', import.meta.url));
const HIVES_PER_WORKER = 10; // 1M workers on 100k hives: hosts of 10 GPUs
const MODELS = 50;
const VRAM_TOTAL = '24000000000';

export interface ScalePlan {
  workers: number;
  bigWorkers: number;
  /** Where scale.md and scale.json go. */
  outDir: string;
  log: (message: string) => void;
}

interface Stall {
  worstMs: number;
  p99Ms: number;
  pings: number;
}

interface OpResult {
  server: 'ours' | 'redis';
  op: string;
  command: string;
  /** Time from sending the command (or the first page) to the last reply. */
  wallMs: number;
  stall: Stall;
  result: string;
}

interface MemoryFigure {
  workers: number;
  emptyBytes: number;
  fullBytes: number;
  bytesPerWorker: number;
  rssEmpty: number;
  rssFull: number;
  rssAfterFlush: number;
  heapAfterFlush: number;
  loadS: number;
}

/** The probe process: PING every 2 ms, worst round trip per window. */
export class Probe {
  private readonly lines: Array<(line: string) => void> = [];
  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (l) => this.lines.shift()?.(l));
  }
  static async start(port: number): Promise<Probe> {
    const child = spawnTracked(process.execPath, [PROBE, String(port), '2'], 'pipe');
    const probe = new Probe(child);
    await probe.next();
    return probe;
  }
  private next(): Promise<string> {
    return new Promise((resolve) => this.lines.push(resolve));
  }
  reset(): void {
    this.child.stdin!.write('reset\n');
  }
  async report(): Promise<Stall> {
    const line = this.next();
    this.child.stdin!.write('report\n');
    return JSON.parse(await line) as Stall;
  }
  async stop(): Promise<void> {
    this.child.kill('SIGTERM');
    await exited(this.child);
  }
}

function* ourWorkers(n: number): Generator<string[]> {
  const hives = Math.max(1, Math.floor(n / HIVES_PER_WORKER));
  for (let i = 0; i < n; i++) {
    const argv = hbeat(workerId(i), hiveId(i % hives), generatedBeat(i, MODELS));
    argv.push('VRAM_TOTAL', VRAM_TOTAL);
    yield argv;
  }
}

function* redisWorkers(n: number): Generator<string[]> {
  const hives = Math.max(1, Math.floor(n / HIVES_PER_WORKER));
  for (let i = 0; i < n; i++)
    yield ['HSET', `worker:${workerId(i)}`, ...hashPairs(hiveId(i % hives), generatedBeat(i, MODELS)), 'vram_total', VRAM_TOTAL];
}

/** Streams commands into `redis-cli --pipe` as they are generated (millions: no pre-encoding). */
export async function pipeLoad(port: number, commands: Iterable<string[]>): Promise<number> {
  const started = performance.now();
  const child = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-4096)));
  child.stderr.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-4096)));
  let batch = '';
  for (const argv of commands) {
    batch += encodeCommand(argv);
    if (batch.length < 1 << 20) continue;
    if (!child.stdin.write(batch)) await new Promise((r) => child.stdin.once('drain', r));
    batch = '';
  }
  child.stdin.end(batch);
  await exited(child);
  if (!/errors: 0,/.test(out)) throw new Error(`load failed: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  return (performance.now() - started) / 1000;
}

async function measure(
  probe: Probe,
  server: 'ours' | 'redis',
  op: string,
  command: string,
  run: () => Promise<string>,
  settleMs = 0,
): Promise<OpResult> {
  probe.reset();
  const started = performance.now();
  const result = await run();
  const wallMs = performance.now() - started;
  // Work a command leaves behind (a lazy free, a collection) stalls clients too: keep watching a while.
  if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
  return { server, op, command, wallMs, stall: await probe.report(), result };
}

async function pagedWalk(client: Redis, command: string, count: number): Promise<string> {
  let cursor = '0';
  let items = 0;
  let pages = 0;
  do {
    const [next, page] = (await client.call(command, 'CURSOR', cursor, 'COUNT', String(count))) as [string, unknown[]];
    cursor = next;
    items += page.length;
    pages++;
  } while (cursor !== '0');
  return `${items.toLocaleString('en-US')} items in ${pages.toLocaleString('en-US')} pages`;
}

async function scanWalk(client: Redis, count: number): Promise<string> {
  let cursor = '0';
  let items = 0;
  let pages = 0;
  do {
    const [next, page] = (await client.call('SCAN', cursor, 'COUNT', String(count))) as [string, unknown[]];
    cursor = next;
    items += page.length;
    pages++;
  } while (cursor !== '0');
  return `${items.toLocaleString('en-US')} keys in ${pages.toLocaleString('en-US')} pages`;
}

const reply = (v: unknown): string =>
  Array.isArray(v) ? `${v.length.toLocaleString('en-US')} items` : v === null ? 'nil' : JSON.stringify(v).slice(0, 60);
const errorText = (e: unknown): string => `error: ${String((e as Error).message).slice(0, 70)}…`;

async function call(client: Redis, argv: string[]): Promise<string> {
  try {
    return reply(await client.call(argv[0]!, ...argv.slice(1)));
  } catch (e) {
    return errorText(e);
  }
}

async function oursAt(plan: ScalePlan, n: number, withOps: boolean): Promise<{ ops: OpResult[]; memory: MemoryFigure }> {
  // All online for the whole run, no memory limit: this measures the registry, not the limit.
  const server = await startMemoryServer(['--offline-after', '3600000', '--evict-after', '0', '--maxmemory', '0'], NODE_FLAGS);
  const ops: OpResult[] = [];
  try {
    const empty = await server.heapAfterGc();
    const rssEmpty = rssBytes(server.pid);
    plan.log(`scale: ours, loading ${n.toLocaleString('en-US')} workers`);
    const loadS = await pipeLoad(server.port, ourWorkers(n));
    const client = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => null });
    if (Number(await client.call('WORKER.COUNT')) !== n)
      throw new Error(`ours holds ${String(await client.call('WORKER.COUNT'))} workers, not ${n}`);
    const full = await server.heapAfterGc();
    const rssFull = rssBytes(server.pid);
    plan.log(
      `scale: ours ${((full.heapUsed + full.arrayBuffers - (empty.heapUsed + empty.arrayBuffers)) / n).toFixed(0)} bytes/worker at ${n.toLocaleString('en-US')}`,
    );
    if (withOps) {
      const probe = await Probe.start(server.port);
      const op = async (name: string, argv: string[], run?: () => Promise<string>, settleMs = 0) => {
        const r = await measure(probe, 'ours', name, argv.join(' '), run ?? (() => call(client, argv)), settleMs);
        plan.log(`scale: ours ${name.padEnd(34)} worst stall ${r.stall.worstMs.toFixed(1)} ms, ${r.wallMs.toFixed(0)} ms, ${r.result}`);
        ops.push(r);
      };
      await op('idle (no command)', ['(none)'], async () => {
        await new Promise((r) => setTimeout(r, 1000));
        return '1 s';
      });
      await op('WORKER.LIST (unpaged: capped)', ['WORKER.LIST']);
      await op('WORKER.LIST STATE Busy (capped)', ['WORKER.LIST', 'STATE', 'Busy']);
      await op('WORKER.LIST HIVE h (10 workers)', ['WORKER.LIST', 'HIVE', hiveId(7)]);
      await op('WORKER.LIST paged walk, COUNT 1000', ['WORKER.LIST', 'CURSOR', 'c', 'COUNT', '1000'], () =>
        pagedWalk(client, 'WORKER.LIST', 1000),
      );
      await op('WORKER.BEST MINFREE (none has it)', ['WORKER.BEST', 'model-000000000001', 'MINFREE', '30000000000']);
      await op('WORKER.BEST MINFREE (each worker alone has it, no GPU does)', [
        'WORKER.BEST',
        'model-000000000001',
        'MINFREE',
        '19000000000',
      ]);
      await op('WORKER.BEST', ['WORKER.BEST', 'model-000000000001']);
      await op('HIVE.ACTIVE (100k hives online)', ['HIVE.ACTIVE']);
      await op('HIVE.LIST (unpaged: capped)', ['HIVE.LIST']);
      await op('HIVE.LIST paged walk, COUNT 1000', ['HIVE.LIST', 'CURSOR', 'c', 'COUNT', '1000'], () =>
        pagedWalk(client, 'HIVE.LIST', 1000),
      );
      await op('FLUSHALL (then 3 s watched)', ['FLUSHALL'], undefined, 3000);
      await probe.stop();
    } else {
      await call(client, ['FLUSHALL']);
    }
    client.disconnect();
    await new Promise((r) => setTimeout(r, 200));
    const after = await server.heapAfterGc();
    const memory: MemoryFigure = {
      workers: n,
      emptyBytes: empty.heapUsed + empty.arrayBuffers,
      fullBytes: full.heapUsed + full.arrayBuffers,
      bytesPerWorker: (full.heapUsed + full.arrayBuffers - empty.heapUsed - empty.arrayBuffers) / n,
      rssEmpty,
      rssFull,
      rssAfterFlush: rssBytes(server.pid),
      heapAfterFlush: after.heapUsed + after.arrayBuffers,
      loadS,
    };
    plan.log(
      `scale: ours after FLUSHALL: RSS ${(memory.rssAfterFlush / 2 ** 20).toFixed(0)} MiB (empty ${(rssEmpty / 2 ** 20).toFixed(0)} MiB), heap+arrayBuffers ${(memory.heapAfterFlush / 2 ** 20).toFixed(1)} MiB (empty ${(memory.emptyBytes / 2 ** 20).toFixed(1)} MiB)`,
    );
    return { ops, memory };
  } finally {
    await server.stop();
  }
}

async function redisAt(plan: ScalePlan, n: number): Promise<OpResult[]> {
  const server: ServerProcess = await startRedis();
  const ops: OpResult[] = [];
  try {
    plan.log(`scale: Redis, loading ${n.toLocaleString('en-US')} hashes`);
    await pipeLoad(server.port, redisWorkers(n));
    const client = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => null });
    const probe = await Probe.start(server.port);
    const op = async (name: string, argv: string[], run?: () => Promise<string>, settleMs = 0) => {
      const r = await measure(probe, 'redis', name, argv.join(' '), run ?? (() => call(client, argv)), settleMs);
      plan.log(`scale: Redis ${name.padEnd(33)} worst stall ${r.stall.worstMs.toFixed(1)} ms, ${r.wallMs.toFixed(0)} ms, ${r.result}`);
      ops.push(r);
    };
    await op('idle (no command)', ['(none)'], async () => {
      await new Promise((r) => setTimeout(r, 1000));
      return '1 s';
    });
    await op('KEYS worker:* (unpaged)', ['KEYS', 'worker:*']);
    await op('SCAN walk, COUNT 1000', ['SCAN', 'c', 'COUNT', '1000'], () => scanWalk(client, 1000));
    await op('FLUSHALL SYNC', ['FLUSHALL', 'SYNC']);
    await pipeLoad(server.port, redisWorkers(n));
    await op('FLUSHALL ASYNC (then 3 s watched)', ['FLUSHALL', 'ASYNC'], undefined, 3000);
    await probe.stop();
    client.disconnect();
    return ops;
  } finally {
    await server.stop();
  }
}

function markdown(plan: ScalePlan, ops: OpResult[], memory: MemoryFigure[], startedAt: Date, loadAvg: [number, number]): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  const rows = ops.map(
    (o) =>
      `| ${o.server === 'ours' ? 'ours' : 'Redis'} | ${o.op} | ${o.stall.worstMs.toFixed(1)} | ${o.stall.p99Ms.toFixed(1)} | ${o.wallMs.toFixed(0)} | ${o.result.replace(/\|/g, '\\|')} |`,
  );
  const mem = memory.map(
    (m) =>
      `| ${m.workers.toLocaleString('en-US')} | ${m.bytesPerWorker.toFixed(0)} | ${mib(m.fullBytes)} | ${mib(m.rssFull)} | ${mib(m.rssEmpty)} | ${mib(m.rssAfterFlush)} | ${(m.heapAfterFlush / 2 ** 20).toFixed(1)} MiB (empty: ${(m.emptyBytes / 2 ** 20).toFixed(1)} MiB) | ${m.loadS.toFixed(0)} s |`,
  );
  return [
    `# Scale: ${plan.workers.toLocaleString('en-US')} workers`,
    '',
    `Run ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench -- --only scale\` on ${os.availableParallelism()} × ${os.cpus()[0]?.model ?? 'unknown'}, ` +
      `Node ${process.version}. **The machine was shared with other work during the run** (load average ${loadAvg[0].toFixed(1)} at the start, ` +
      `${loadAvg[1].toFixed(1)} at the end, on ${os.availableParallelism()} cores): stalls include time the server waited for a CPU, so they are upper bounds.`,
    '',
    `Population: ${plan.workers.toLocaleString('en-US')} workers on ${(plan.workers / HIVES_PER_WORKER).toLocaleString('en-US')} hives, ${MODELS} models, every worker with all fields ` +
      '(as the memory section, plus VRAM_TOTAL 24 GB; VRAM in use 4 to 8 GB, so `MINFREE 30000000000` matches none even by a ' +
      "worker's own figures, and `MINFREE 19000000000` matches some workers' own figures but no GPU: the 10 workers of a hive " +
      'share one DEVICE, so every GPU is full; the index must find that without reading them all); ' +
      'the server started with `--offline-after 3600000 --evict-after 0 --maxmemory 0` so every worker stays online; default `reply-max-records` (5000). ' +
      'Redis: the same records as hashes `worker:<id>`, the nearest commands it has.',
    '',
    '## Stalls',
    '',
    'A side client in its own process sends PING every 2 ms (the next once the reply is in); "worst stall" is its slowest round trip ' +
      'while one other client runs the command (for a paged walk: all its pages, one after another; for FLUSHALL: and 3 s after, ' +
      'while the old records are collected). Target: at most 50 ms.',
    '',
    '| server | command | worst stall, ms | side p99, ms | command wall time, ms | reply |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Memory',
    '',
    'Bytes per worker: V8 heap used plus array buffers (the number rows) after a forced GC, full minus empty, in a server started by the ' +
      'bench-only entry (`node --expose-gc`, same settings). RSS as the kernel reports it (/proc/PID/status VmRSS).',
    '',
    '| workers | bytes per worker | heap + arrayBuffers | RSS full | RSS empty (start) | RSS after FLUSHALL + GC | heap + arrayBuffers after FLUSHALL + GC | load time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...mem,
    '',
    'RSS after FLUSHALL stays above the empty start: V8 keeps some of the heap pages it grew into for reuse, and the allocator ' +
      'does not hand every page back to the kernel; the heap itself returns to near its empty size.',
    '',
  ].join('\n');
}

export async function scaleSection(plan: ScalePlan): Promise<void> {
  const startedAt = new Date();
  const loadStart = os.loadavg()[0]!;
  const ops: OpResult[] = [];
  const memory: MemoryFigure[] = [];
  const at1m = await oursAt(plan, plan.workers, true);
  ops.push(...at1m.ops);
  memory.push(at1m.memory);
  ops.push(...(await redisAt(plan, plan.workers)));
  // Written now and again after the big run: the 1M figures are there even if that one is cut short.
  write(plan, ops, memory, startedAt, loadStart);
  if (plan.bigWorkers > 0) {
    memory.push((await oursAt(plan, plan.bigWorkers, false)).memory);
    write(plan, ops, memory, startedAt, loadStart);
  }
}

function write(plan: ScalePlan, ops: OpResult[], memory: MemoryFigure[], startedAt: Date, loadStart: number): void {
  const outDir = plan.outDir;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'scale.json'),
    `${JSON.stringify({ startedAt, loadAvg: [loadStart, os.loadavg()[0]], plan: { workers: plan.workers, bigWorkers: plan.bigWorkers }, ops, memory }, null, 2)}\n`,
  );
  writeFileSync(join(outDir, 'scale.md'), markdown(plan, ops, memory, startedAt, [loadStart, os.loadavg()[0]!]));
  plan.log(`scale: wrote ${join(outDir, 'scale.md').slice(ROOT.length)} and scale.json`);
}
