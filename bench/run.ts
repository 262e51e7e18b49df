// `npm run bench`: this server against a real redis-server, both driven by redis-benchmark, A/B runs
// interleaved over several rounds. Writes BENCHMARKS.md and bench/results/latest.json; `--quick` is a smoke test.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { bulkLoad, type LoadReport } from './bulk-load.js';
import { scaleSection } from './scale.js';
import { Observer, stats, timedGet, type ObserverReport } from './observer.js';
import { aclDispatchBench } from './acl-dispatch.js';
import { snapshotSection } from './snapshot.js';
import {
  installCleanup,
  killAllChildren,
  ROOT,
  rssBytes,
  startMemoryServer,
  startOurs,
  startRedis,
  toolVersion,
  freePort,
  spawnTracked,
  ServerProcess,
} from './processes.js';
import { makeCerts, type CertFiles } from '../test/helpers/certs.js';
import { displayCommand, redisBenchmark, type LoadShape } from './redis-benchmark.js';
import {
  consoleReport,
  markdownReport,
  summariseCase,
  type CaseSummary,
  type Environment,
  type MemoryResult,
  type MemoryTarget,
  type RunRecord,
} from './report.js';
import {
  BEST_LUA,
  bestScore,
  CLAIM_LUA,
  FIXED_BEAT,
  generatedBeat,
  hashPairs,
  hbeat,
  HEARTBEAT_LUA,
  hiveId,
  modelId,
  range,
  workerId,
} from './workloads.js';

const USAGE = `Usage: npm run bench [-- options]
  --quick          few requests and rounds, a smoke test of under a minute (or BENCH_QUICK=1); writes its
                   results under bench/results/tmp/ and leaves BENCHMARKS.md alone
  --rounds N       interleaved rounds per case (default 5, quick 2)
  --only LIST      comma-separated sections: hbeat, active, best, memory, claim, security, scale, observe, snapshot
                   (default all); claim, security, scale, observe and snapshot write bench/results/<section>.md (and
                   .json) instead of BENCHMARKS.md (scale: stalls at 1M workers, memory at 1M and 5M; observe: HBEAT
                   with a dashboard and a 1 s scrape open at 100k workers, the scrape at 1M; snapshot: save, stall
                   and restore at 1M and 5M, beside Redis SAVE/BGSAVE of the same fleet as hashes)
  --max-workers N  no fleet larger than N workers: larger sizes of scale, memory, observe and snapshot are left out
                   (or brought down to N where a section has one size); e.g. 1000000 skips the 5M runs
  --help           this text`;

const SECTIONS = ['hbeat', 'active', 'best', 'memory', 'claim', 'security', 'scale', 'observe', 'snapshot'] as const;
/** Sections with a report of their own (bench/results/<name>.md), not part of BENCHMARKS.md's table. */
const OWN_REPORT: ReadonlySet<Section> = new Set(['claim', 'security', 'scale', 'observe', 'snapshot']);
type Section = (typeof SECTIONS)[number];

interface Plan {
  quick: boolean;
  rounds: number;
  sections: Set<Section>;
  hbeatRequests: number;
  hbeatPipelinedRequests: number;
  activeRequests: number;
  /** How long the stale hives age before HIVE.ACTIVE runs: each run must finish within it. */
  activeStaleWaitMs: number;
  bestWorkers: number;
  bestRequests: number;
  memoryWorkers: number;
  scaleWorkers: number;
  scaleBigWorkers: number;
  observeWorkers: number;
  observeBigWorkers: number;
  observeRequests: number;
  snapshotSizes: number[];
  runTimeoutMs: number;
}

function makePlan(): Plan {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean' },
        rounds: { type: 'string' },
        only: { type: 'string' },
        'max-workers': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true || process.env.BENCH_QUICK === '1';
  const rounds = values.rounds === undefined ? (quick ? 2 : 5) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`bench: --rounds must be a positive integer\n${USAGE}`);
    process.exit(2);
  }
  const maxWorkers = values['max-workers'] === undefined ? Infinity : Number(values['max-workers']);
  if (!(Number.isSafeInteger(maxWorkers) && maxWorkers > 0) && maxWorkers !== Infinity) {
    console.error(`bench: --max-workers must be a positive integer\n${USAGE}`);
    process.exit(2);
  }
  const only = (values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim());
  for (const s of only) {
    if (!(SECTIONS as readonly string[]).includes(s)) {
      console.error(`bench: unknown section '${s}'\n${USAGE}`);
      process.exit(2);
    }
  }
  const capped = (workers: number) => Math.min(workers, maxWorkers);
  // A second, bigger size is left out rather than brought down to the first.
  const bigger = (workers: number) => (workers > maxWorkers ? 0 : workers);
  const snapshotSizes = (quick ? [50_000] : [1_000_000, 5_000_000]).filter((w) => w <= maxWorkers);
  return {
    quick,
    rounds,
    sections: new Set(only as Section[]),
    hbeatRequests: quick ? 10_000 : 100_000,
    hbeatPipelinedRequests: quick ? 50_000 : 500_000,
    activeRequests: quick ? 1_000 : 10_000,
    activeStaleWaitMs: quick ? 3_000 : 15_000,
    bestWorkers: quick ? 20_000 : 100_000,
    bestRequests: quick ? 5_000 : 50_000,
    memoryWorkers: capped(quick ? 100_000 : 1_000_000),
    scaleWorkers: capped(quick ? 50_000 : 1_000_000),
    scaleBigWorkers: bigger(quick ? 0 : 5_000_000),
    observeWorkers: capped(quick ? 20_000 : 100_000),
    observeBigWorkers: capped(quick ? 100_000 : 1_000_000),
    observeRequests: quick ? 20_000 : 300_000,
    snapshotSizes: snapshotSizes.length > 0 ? snapshotSizes : [maxWorkers],
    runTimeoutMs: 180_000,
  };
}

// ── one comparison: variants of the same job, interleaved ───────────────────────────────────────────────────

interface Variant {
  id: string;
  label: string;
  server: 'ours' | 'redis';
  /** The command as shown in BENCHMARKS.md. */
  command: string[];
  /** The command to run now, when it depends on the time of the run. */
  prepare?: () => Promise<string[]>;
  /** Checked after every run: the run measured what it claims to. */
  verify?: () => Promise<void>;
  /** Another port of the server (its TLS port) and how to connect to it or log in (redis-benchmark flags). */
  port?: number;
  connArgs?: string[];
}

interface Case {
  id: string;
  title: string;
  shape: LoadShape;
  variants: Variant[];
}

interface Servers {
  ours: ServerProcess;
  redis: ServerProcess;
}

class Bench {
  readonly started = performance.now();
  readonly runs: RunRecord[] = [];
  readonly cases: CaseSummary[] = [];
  readonly populations: string[] = [];
  readonly notes: string[] = [];
  readonly scripts: Record<string, string> = {};
  memory: MemoryResult | null = null;
  private done = 0;

  constructor(
    readonly plan: Plan,
    readonly totalRuns: number,
  ) {}

  elapsedS(): number {
    return (performance.now() - this.started) / 1000;
  }

  log(message: string): void {
    const s = Math.round(this.elapsedS());
    console.log(`[${String(Math.floor(s / 60)).padStart(2, ' ')}:${String(s % 60).padStart(2, '0')}] ${message}`);
  }

  async runCase(c: Case, servers: Servers): Promise<void> {
    const { rounds } = this.plan;
    for (let round = 0; round <= rounds; round++) {
      // Rotate the order every round so no variant always runs first, or always right after the same neighbour.
      const order = c.variants.map((_, i) => c.variants[(i + round) % c.variants.length]!);
      for (const v of order) {
        const shape = round === 0 ? { ...c.shape, requests: Math.max(1000, Math.round(c.shape.requests / 5)) } : c.shape;
        const server = servers[v.server];
        servers.ours.assertAlive();
        servers.redis.assertAlive();
        const command = v.prepare === undefined ? v.command : await v.prepare();
        const loadAvg1m = os.loadavg()[0]!;
        let result;
        try {
          result = await redisBenchmark(v.port ?? server.port, shape, command, this.plan.runTimeoutMs, v.connArgs);
        } catch (e) {
          server.assertAlive(); // a crash is the better explanation
          throw e;
        }
        server.assertAlive();
        await v.verify?.();
        this.runs.push({
          case: c.id,
          variant: v.id,
          round,
          at: new Date(Date.now() - result.wallMs).toISOString(),
          loadAvg1m,
          command,
          result,
        });
        this.done++;
        const what = round === 0 ? 'warm-up  ' : `round ${round}/${rounds}`;
        this.log(
          `${String(this.done).padStart(3)}/${this.totalRuns} ${c.id.padEnd(10)} ${what}  ${v.label.padEnd(32)} ` +
            `${Math.round(result.rps).toLocaleString('en-US').padStart(9)} req/s  p50 ${result.p50Ms.toFixed(3)}  p99 ${result.p99Ms.toFixed(3)} ms`,
        );
      }
    }
    const summary = summariseCase(
      c.id,
      c.title,
      c.variants.map((v) => ({ id: v.id, label: v.label, server: v.server, command: displayCommand(c.shape, v.command, v.connArgs) })),
      this.runs,
    );
    this.cases.push(summary);
  }
}

// ── helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

async function connect(port: number): Promise<Redis> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  await client.connect();
  return client;
}

async function scriptLoad(client: Redis, text: string): Promise<string> {
  const sha = String(await client.call('SCRIPT', 'LOAD', text));
  if (sha !== sha1(text)) throw new Error(`SCRIPT LOAD returned ${sha}, expected ${sha1(text)}`);
  return sha;
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(`sanity check failed: ${message}`);
}

function describeLoad(what: string, load: LoadReport): string {
  return `${what}: ${load.commands.toLocaleString('en-US')} commands via redis-cli --pipe in ${(load.ms / 1000).toFixed(2)} s`;
}

async function withServers<T>(ours: ServerProcess, redis: ServerProcess, body: (s: Servers) => Promise<T>): Promise<T> {
  try {
    return await body({ ours, redis });
  } finally {
    await Promise.all([ours.stop(), redis.stop()]);
  }
}

// ── 1 and 2: HBEAT against HSET and against a Lua heartbeat ────────────────────────────────────────────────

const HBEAT_HIVE = 'hive-0';
const LUA_TTL_MS = '30000';

function hbeatCases(plan: Plan, heartbeatSha: string): Case[] {
  const variants: Variant[] = [
    { id: 'ours', label: 'ours: HBEAT', server: 'ours', command: hbeat('worker-__rand_int__', HBEAT_HIVE, FIXED_BEAT) },
    {
      id: 'redis-hset',
      label: 'Redis: HSET',
      server: 'redis',
      command: ['HSET', 'worker:__rand_int__', ...hashPairs(HBEAT_HIVE, FIXED_BEAT)],
    },
    {
      id: 'redis-lua',
      label: 'Redis: EVALSHA HSET+ZADD+PEXPIRE',
      server: 'redis',
      command: [
        'EVALSHA',
        heartbeatSha,
        '2',
        'lua:worker:__rand_int__',
        `lua:hive:${HBEAT_HIVE}`,
        LUA_TTL_MS,
        ...hashPairs(HBEAT_HIVE, FIXED_BEAT),
      ],
    },
  ];
  return [
    {
      id: 'hbeat-p1',
      title: 'heartbeat, 12 fields, -c 50',
      shape: { clients: 50, requests: plan.hbeatRequests, pipeline: 1, keyspace: 100_000 },
      variants,
    },
    {
      id: 'hbeat-p16',
      title: 'heartbeat, 12 fields, -c 50 -P 16',
      shape: { clients: 50, requests: plan.hbeatPipelinedRequests, pipeline: 16, keyspace: 100_000 },
      variants,
    },
  ];
}

async function hbeatSection(bench: Bench): Promise<void> {
  bench.log('heartbeat: starting redis-server and ours');
  await withServers(await startOurs(), await startRedis(), async (servers) => {
    const ours = await connect(servers.ours.port);
    const redis = await connect(servers.redis.port);
    const sha = await scriptLoad(redis, HEARTBEAT_LUA);
    bench.scripts['heartbeat (HSET + ZADD + PEXPIRE)'] = HEARTBEAT_LUA;
    const cases = hbeatCases(bench.plan, sha);
    // One of each by hand first: redis-benchmark stops at the first error reply, but a wrong reply type would pass.
    const sample = (command: string[]) => command.map((a) => a.replace('__rand_int__', 'sanity'));
    const [hb, hs, ev] = cases[0]!.variants.map((v) => sample(v.command));
    expect((await ours.call(hb![0]!, ...hb!.slice(1))) === 1, 'first HBEAT of a worker replies 1');
    expect((await redis.call(hs![0]!, ...hs!.slice(1))) === 12, 'HSET of 12 new fields replies 12');
    expect((await redis.call(ev![0]!, ...ev!.slice(1))) === 1, 'the heartbeat script adds the worker to its hive set');
    for (const c of cases) await bench.runCase(c, servers);
    const workers = Number(await ours.call('WORKER.COUNT'));
    const keys = Number(await redis.call('DBSIZE'));
    bench.populations.push(
      `heartbeat: nothing preloaded; -r 100000 spreads the beats over up to 100,000 worker ids in one hive (redis-benchmark ` +
        `replaces each __rand_int__ independently, so the hive id cannot vary). Afterwards ours held ${workers.toLocaleString('en-US')} ` +
        `workers and Redis ${keys.toLocaleString('en-US')} keys. The Lua variant writes its own keys (lua:…) with a ${LUA_TTL_MS} ms TTL.`,
    );
    ours.disconnect();
    redis.disconnect();
  });
}

// ── 3: HIVE.ACTIVE against ZRANGEBYSCORE ─────────────────────────────────────────────────────────────────────

const ACTIVE_HIVES = 10_000;
const isOnlineHive = (h: number) => h % 10 === 0; // 1,000 of 10,000, spread across the id order

async function activeSection(bench: Bench): Promise<void> {
  const plan = bench.plan;
  bench.log('active hives: starting redis-server and ours');
  await withServers(await startOurs(), await startRedis(), async (servers) => {
    const ours = await connect(servers.ours.port);
    const redis = await connect(servers.redis.port);
    const hives = [...range(ACTIVE_HIVES)];
    const stale = hives.filter((h) => !isOnlineHive(h));
    const online = hives.filter(isOnlineHive);

    const oursLoad = await bulkLoad(
      servers.ours.port,
      stale.map((h) => ['HBEAT', workerId(h), hiveId(h), 'STATE', 'Idle']),
    );
    const staleLoadedAt = Date.now(); // every stale heartbeat was received at or before this
    const nowMs = Date.now();
    const redisCutoff = nowMs - 30_000;
    const redisLoad = await bulkLoad(
      servers.redis.port,
      hives.map((h) => ['ZADD', 'hives', String(isOnlineHive(h) ? nowMs : nowMs - 600_000), hiveId(h)]),
    );
    expect(
      ((await redis.call('ZRANGEBYSCORE', 'hives', String(redisCutoff), '+inf')) as string[]).length === online.length,
      'Redis: 1,000 recent hives',
    );

    // Ours has no way to backdate a heartbeat: the stale hives age in real time, and each run asks for a
    // max_age_ms shorter than their age; the online hives beat again just before each run.
    const wait = staleLoadedAt + plan.activeStaleWaitMs - Date.now();
    if (wait > 0) {
      bench.log(`active hives: letting the 9,000 stale hives age ${(plan.activeStaleWaitMs / 1000).toFixed(0)} s`);
      await sleep(wait);
    }
    let maxAgeMs = 0;
    const refreshOnline = async () => {
      const pipeline = ours.pipeline();
      for (const h of online) pipeline.call('HBEAT', workerId(h), hiveId(h), 'STATE', 'Idle');
      const replies = (await pipeline.exec()) ?? [];
      expect(
        replies.every(([err]) => err === null),
        'online hives beat without error',
      );
    };
    const activeNow = async () => ((await ours.call('HIVE.ACTIVE', String(maxAgeMs))) as string[]).length;
    const c: Case = {
      id: 'active',
      title: 'active hives: 1k of 10k, -c 50',
      shape: { clients: 50, requests: plan.activeRequests, pipeline: 1 },
      variants: [
        {
          id: 'ours',
          label: 'ours: HIVE.ACTIVE max_age_ms',
          server: 'ours',
          command: ['HIVE.ACTIVE', '<max_age_ms>'],
          prepare: async () => {
            await refreshOnline();
            maxAgeMs = Date.now() - staleLoadedAt - 500;
            expect((await activeNow()) === online.length, `ours: HIVE.ACTIVE ${maxAgeMs} lists the 1,000 online hives`);
            return ['HIVE.ACTIVE', String(maxAgeMs)];
          },
          verify: async () =>
            expect(
              (await activeNow()) === online.length,
              `ours: the run outlasted its ${maxAgeMs} ms window (online hives went stale mid-run); raise activeStaleWaitMs`,
            ),
        },
        { id: 'redis', label: 'Redis: ZRANGEBYSCORE', server: 'redis', command: ['ZRANGEBYSCORE', 'hives', String(redisCutoff), '+inf'] },
      ],
    };
    await bench.runCase(c, servers);
    bench.populations.push(
      `active hives: ${describeLoad('ours, 9,000 stale hives of one worker each (HBEAT worker hive STATE Idle)', oursLoad)}; they then age ` +
        `${plan.activeStaleWaitMs / 1000} s or more, and before each run the 1,000 online hives beat again (pipelined) and max_age_ms is set ` +
        `just under the stale hives' age, so every reply lists exactly 1,000 hives (checked before and after each run). ` +
        `${describeLoad('Redis, ZADD hives <ms> <hive> for all 10,000 (the stale ones 10 minutes older)', redisLoad)}; ZRANGEBYSCORE from 30 s ago. ` +
        'The max_age_ms of each run is in the JSON (runs[].command).',
    );
    ours.disconnect();
    redis.disconnect();
  });
}

// ── 4: WORKER.BEST ──────────────────────────────────────────────────────────────────────────────────────────

const BEST_HIVES = 1_000;
const BEST_MODELS = 50;

/** The best-worker and claim sections' fleet: n workers in ours, and the same records as hashes plus one
 *  sorted set of idle workers per model in Redis. */
async function loadBestFleet(servers: Servers, n: number) {
  const ours = await connect(servers.ours.port);
  const redis = await connect(servers.redis.port);
  const oursLoad = await bulkLoad(
    servers.ours.port,
    (function* () {
      for (const i of range(n)) yield hbeat(workerId(i), hiveId(i % BEST_HIVES), generatedBeat(i, BEST_MODELS));
    })(),
  );
  const redisLoad = await bulkLoad(
    servers.redis.port,
    (function* () {
      for (const i of range(n)) {
        const fields = generatedBeat(i, BEST_MODELS);
        const key = `worker:${workerId(i)}`;
        yield ['HSET', key, ...hashPairs(hiveId(i % BEST_HIVES), fields)];
        if (fields[0]![2] === 'Idle') yield ['ZADD', `idle:${modelId(i % BEST_MODELS)}`, String(bestScore(fields)), key];
      }
    })(),
  );
  expect(Number(await ours.call('WORKER.COUNT')) === n, `ours holds ${n} workers`);
  return { ours, redis, oursLoad, redisLoad };
}

async function bestSection(bench: Bench): Promise<void> {
  const plan = bench.plan;
  const n = plan.bestWorkers;
  bench.log('best worker: starting redis-server and ours');
  // A long liveness window: the workers are loaded once and must stay online through every round.
  await withServers(await startOurs(['--offline-after', '3600000']), await startRedis(), async (servers) => {
    const { ours, redis, oursLoad, redisLoad } = await loadBestFleet(servers, n);
    const sha = await scriptLoad(redis, BEST_LUA);
    bench.scripts['best worker (ZRANGE + HGETALL)'] = BEST_LUA;
    // Both pick the same worker: the orders agree (healthy, then GPU load, then id).
    for (const m of [0, BEST_MODELS - 1]) {
      const best = (await ours.call('WORKER.BEST', modelId(m))) as string[] | null;
      const bestId = best === null ? null : best[best.indexOf('worker_id') + 1];
      const redisBest = ((await redis.call('ZRANGE', `idle:${modelId(m)}`, '0', '0')) as string[])[0];
      expect(bestId !== null && `worker:${bestId}` === redisBest, `WORKER.BEST ${modelId(m)}: ours ${bestId}, Redis ${redisBest}`);
      expect(
        ((await redis.call('EVALSHA', sha, '1', `idle:${modelId(m)}`)) as string[]).length === 24,
        'the best-worker script returns a record',
      );
    }
    const c: Case = {
      id: 'best',
      title: `best worker: ${(n / 1000).toFixed(0)}k workers, ${BEST_MODELS} models, -c 50`,
      shape: { clients: 50, requests: plan.bestRequests, pipeline: 1, keyspace: BEST_MODELS },
      variants: [
        { id: 'ours', label: 'ours: WORKER.BEST', server: 'ours', command: ['WORKER.BEST', 'model-__rand_int__'] },
        { id: 'redis', label: 'Redis: EVALSHA ZRANGE+HGETALL', server: 'redis', command: ['EVALSHA', sha, '1', 'idle:model-__rand_int__'] },
      ],
    };
    await bench.runCase(c, servers);
    // Latency without queueing: one client, so p50/p99 are the service time plus a loopback round trip.
    await bench.runCase(
      {
        ...c,
        id: 'best-c1',
        title: `best worker latency: ${(n / 1000).toFixed(0)}k workers, ${BEST_MODELS} models, -c 1`,
        shape: { ...c.shape, clients: 1, requests: Math.max(1000, Math.round(plan.bestRequests / 5)) },
      },
      servers,
    );
    bench.notes.push(
      `best worker: each model has ${(n / BEST_MODELS).toLocaleString('en-US')} workers, 3 in 4 idle. The Redis script only reads the head of a ` +
        'sorted set that its writers would have to keep up to date, and ignores liveness: it does less work than WORKER.BEST.',
    );
    bench.populations.push(
      `best worker: ${n.toLocaleString('en-US')} workers in ${BEST_HIVES.toLocaleString('en-US')} hives, ${BEST_MODELS} models, 3 in 4 Idle, 1 in 10 ` +
        `degraded, GPU load varying. ${describeLoad('Ours (HBEAT with all 11 options; server started with --offline-after 3600000 so all stay online)', oursLoad)}. ` +
        `${describeLoad("Redis (HSET of the same 12 fields, plus ZADD of each idle worker into its model's set)", redisLoad)}. ` +
        'Before the runs, both were checked to pick the same worker. The Redis script does no liveness check; WORKER.BEST does.',
    );
    ours.disconnect();
    redis.disconnect();
  });
}

// ── 6: WORKER.CLAIM against WORKER.BEST (own report: bench/results/claim.md) ───────────────────────────────

const CLAIM_LEASE_MS = '1';

async function claimSection(bench: Bench): Promise<void> {
  const plan = bench.plan;
  const n = plan.bestWorkers;
  bench.log('claim: starting redis-server and ours');
  await withServers(await startOurs(['--offline-after', '3600000']), await startRedis(), async (servers) => {
    const { ours, redis, oursLoad, redisLoad } = await loadBestFleet(servers, n);
    const sha = await scriptLoad(redis, CLAIM_LUA);
    bench.scripts['claim (ZRANGE + SET NX PX + HGETALL)'] = CLAIM_LUA;
    // Every claim must find a worker: with a 1 ms lease, reservations end as fast as they are made.
    const claimsAWorker = async () => {
      const reply = (await ours.call('WORKER.CLAIM', modelId(0), 'LEASE', CLAIM_LEASE_MS)) as string[] | null;
      expect(reply !== null && reply.includes('claim_token'), 'WORKER.CLAIM returns a reserved worker');
    };
    await claimsAWorker();
    expect(
      ((await redis.call('EVALSHA', sha, '1', `idle:${modelId(0)}`, CLAIM_LEASE_MS, 'sanity')) as string[]).length === 24,
      'the claim script returns a record',
    );
    const c: Case = {
      id: 'claim',
      title: `claim: ${(n / 1000).toFixed(0)}k workers, ${BEST_MODELS} models, -c 50`,
      shape: { clients: 50, requests: plan.bestRequests, pipeline: 1, keyspace: BEST_MODELS },
      variants: [
        {
          id: 'ours',
          label: 'ours: WORKER.CLAIM LEASE 1',
          server: 'ours',
          command: ['WORKER.CLAIM', 'model-__rand_int__', 'LEASE', CLAIM_LEASE_MS],
          verify: claimsAWorker,
        },
        { id: 'ours-best', label: 'ours: WORKER.BEST', server: 'ours', command: ['WORKER.BEST', 'model-__rand_int__'] },
        {
          id: 'redis',
          label: 'Redis: EVALSHA ZRANGE+SET NX PX+HGETALL',
          server: 'redis',
          command: ['EVALSHA', sha, '1', 'idle:model-__rand_int__', CLAIM_LEASE_MS, 'token'],
        },
      ],
    };
    await bench.runCase(c, servers);
    await bench.runCase(
      {
        ...c,
        id: 'claim-c1',
        title: `claim latency: ${(n / 1000).toFixed(0)}k workers, ${BEST_MODELS} models, -c 1`,
        shape: { ...c.shape, clients: 1, requests: Math.max(1000, Math.round(plan.bestRequests / 5)) },
      },
      servers,
    );
    for (const summary of bench.cases) {
      const claim = summary.variants.find((v) => v.id === 'ours')!;
      const best = summary.variants.find((v) => v.id === 'ours-best')!;
      bench.notes.push(
        `${summary.title}: WORKER.CLAIM/WORKER.BEST req/s ${(claim.rps / best.rps).toFixed(2)}×, p50 ${(claim.p50Ms / best.p50Ms).toFixed(2)}×, ` +
          `p99 ${(claim.p99Ms / best.p99Ms).toFixed(2)}×.`,
      );
    }
    bench.notes.push(
      'A claim is WORKER.BEST plus a reservation: the worker leaves the best-worker index and a lease deadline is kept; ' +
        'with LEASE 1 each later query first ends the leases that are over (the steady state of short jobs). The Redis script ' +
        'takes a lock key per worker with SET NX PX and does no liveness check; the ours/Redis ratios compare the first row (WORKER.CLAIM) with it.',
    );
    bench.populations.push(
      `claim: the best-worker population: ${n.toLocaleString('en-US')} workers in ${BEST_HIVES.toLocaleString('en-US')} hives, ${BEST_MODELS} models, ` +
        `3 in 4 Idle. ${describeLoad('Ours', oursLoad)} (--offline-after 3600000). ${describeLoad('Redis (HSET + ZADD of each idle worker)', redisLoad)}. ` +
        `Claims use LEASE ${CLAIM_LEASE_MS} (ms): reservations end about as fast as they are made, so no run drains a model's idle workers ` +
        '(checked after each run: a claim still gets a worker).',
    );
    ours.disconnect();
    redis.disconnect();
  });
}

// ── 7: what ACL checks and TLS cost (own report: bench/results/security.md) ────────────────────────────────

const SECURITY_PASSWORD = 'bench-secret';

/** Redis as startRedis runs it, plus a TLS port (client certificates not asked for, as ours here). */
async function startRedisWithTls(certs: CertFiles): Promise<ServerProcess & { tlsPort: number }> {
  const [port, tlsPort] = [await freePort(), await freePort()];
  const args = [
    '--port',
    String(port),
    '--tls-port',
    String(tlsPort),
    '--tls-cert-file',
    certs.cert('server'),
    '--tls-key-file',
    certs.key('server'),
    '--tls-ca-cert-file',
    certs.caCert,
    '--tls-auth-clients',
    'no',
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
  ];
  const server = new ServerProcess('redis-server', spawnTracked('redis-server', args));
  await server.waitForLine(/Ready to accept connections/, 10_000);
  server.port = port;
  return Object.assign(server, { tlsPort });
}

async function securitySection(bench: Bench): Promise<void> {
  const plan = bench.plan;
  // First, with nothing else of the bench running: the check's cost in the dispatcher alone.
  const micro = aclDispatchBench(plan.quick ? 9 : 41, plan.quick ? 2_000 : 10_000);
  bench.log(`security: in-process HBEAT dispatch, restricted/default ${micro.ratio.toFixed(3)}×`);
  const certs = makeCerts('openssl', []);
  try {
    // The README's worker role; Redis gets the same rules with HSET in place of HBEAT.
    const workerRules = (command: string) =>
      `gpu-a on >${SECURITY_PASSWORD} resetchannels -@all +@connection -@dangerous +info +${command} ~worker:gpu-a-* ~hive:hive-a`;
    const tlsPort = await freePort();
    // A TCP port of its own: with --port 0 beside --tls-port the server would serve TLS only (as Redis).
    const ours = await startOurs([
      '--port',
      String(await freePort()),
      '--tls-port',
      String(tlsPort),
      '--tls-cert-file',
      certs.cert('server'),
      '--tls-key-file',
      certs.key('server'),
      '--tls-ca-cert-file',
      certs.caCert,
      '--tls-auth-clients',
      'no',
      '--user',
      workerRules('hbeat'),
    ]);
    const redis = await startRedisWithTls(certs);
    bench.log('security: started redis-server and ours, each with TLS and an ACL worker user');
    await withServers(ours, redis, async (servers) => {
      const admin = await connect(redis.port);
      await admin.call('ACL', 'SETUSER', ...workerRules('hset').split(' '));
      admin.disconnect();
      const oursBeat = ['HBEAT', 'gpu-a-__rand_int__', 'hive-a', 'STATE', 'Idle', 'GPU', '40'];
      const redisBeat = ['HSET', 'worker:gpu-a-__rand_int__', 'hive_id', 'hive-a', 'state', 'Idle', 'gpu_percent', '40'];
      const asWorker = ['--user', 'gpu-a', '-a', SECURITY_PASSWORD];
      const overTls = ['--tls', '--cacert', certs.caCert];
      const acl = (shape: LoadShape, id: string, title: string): Case => ({
        id,
        title,
        shape,
        variants: [
          { id: 'ours-acl', label: 'ours: HBEAT as ACL user gpu-a', server: 'ours', command: oursBeat, connArgs: asWorker },
          { id: 'ours-default', label: 'ours: HBEAT as default', server: 'ours', command: oursBeat },
          { id: 'redis-acl', label: 'Redis: HSET as ACL user gpu-a', server: 'redis', command: redisBeat, connArgs: asWorker },
          { id: 'redis-default', label: 'Redis: HSET as default', server: 'redis', command: redisBeat },
        ],
      });
      const keyspace = 10_000;
      await bench.runCase(
        acl(
          { clients: 50, requests: plan.hbeatRequests, pipeline: 1, keyspace },
          'acl',
          'ACL check: HBEAT as a restricted worker against the default user, -c 50',
        ),
        servers,
      );
      await bench.runCase(
        acl({ clients: 50, requests: plan.hbeatPipelinedRequests, pipeline: 16, keyspace }, 'acl-p16', 'ACL check, pipelined: -c 50 -P 16'),
        servers,
      );
      await bench.runCase(
        {
          id: 'tls',
          title: 'TLS: HBEAT through TLS against plain TCP, -c 50',
          shape: { clients: 50, requests: plan.hbeatRequests, pipeline: 1, keyspace },
          variants: [
            { id: 'ours-tls', label: 'ours: HBEAT over TLS', server: 'ours', command: oursBeat, port: tlsPort, connArgs: overTls },
            { id: 'ours-plain', label: 'ours: HBEAT over TCP', server: 'ours', command: oursBeat },
            { id: 'redis-tls', label: 'Redis: HSET over TLS', server: 'redis', command: redisBeat, port: redis.tlsPort, connArgs: overTls },
            { id: 'redis-plain', label: 'Redis: HSET over TCP', server: 'redis', command: redisBeat },
          ],
        },
        servers,
      );
      for (const c of bench.cases) {
        const [a, b, ra, rb] = c.variants;
        bench.notes.push(
          `${c.title}: ours ${a!.label.replace('ours: ', '')} / ${b!.label.replace('ours: ', '')}: req/s ${(a!.rps / b!.rps).toFixed(3)}×, ` +
            `p50 ${(a!.p50Ms / b!.p50Ms).toFixed(2)}×, p99 ${(a!.p99Ms / b!.p99Ms).toFixed(2)}×; Redis for reference: req/s ${(ra!.rps / rb!.rps).toFixed(3)}×.`,
        );
      }
    });
    bench.notes.push(
      `In process (bench/acl-dispatch.ts): the real dispatcher of a server that does not listen ran ${micro.batches} rounds ` +
        `of ${micro.beatsPerBatch.toLocaleString('en-US')} pre-decoded HBEAT frames each as the default user, as a user with ` +
        `allkeys (noise floor: the same path without keys) and as the worker (\`${micro.rules}\`), the order rotating. ` +
        `CPU time per beat, medians: default ${micro.defaultUs.toFixed(3)} µs, allkeys ${micro.allKeysUs.toFixed(3)} µs, ` +
        `worker ${micro.aclUs.toFixed(3)} µs; worker/default **${micro.ratio.toFixed(3)}×** (rounds ranged ` +
        `${micro.ratioMin.toFixed(3)}–${micro.ratioMax.toFixed(3)}×), allkeys/default ${micro.allKeysRatio.toFixed(3)}×. ` +
        'This is the ACL check alone, without sockets or a client sharing the cores.',
    );
    bench.notes.push(
      "The ACL user is the README's worker role (`~worker:gpu-a-* ~hive:hive-a`): each beat checks its command bit and both keys " +
        'against the patterns; the default user has allkeys and skips the key check. TLS runs without client certificates ' +
        '(--tls-auth-clients no, on both servers): the handshake happens once per connection, so this measures encrypting the traffic. ' +
        'The machine was shared with other work while measuring: compare the ratios, not the absolute figures.',
    );
    bench.populations.push(
      'security: each run heartbeats up to 10,000 distinct workers gpu-a-<n> on hive-a (ours: HBEAT; Redis: HSET of the same fields).',
    );
  } finally {
    certs.remove();
  }
}

// ── 8: what an open dashboard and a Prometheus scrape cost (own report: bench/results/observe.md) ──────────────

const OBSERVE_HIVES = 1_000;
const OBSERVE_MODELS = 50;
const SCRAPE_SAMPLES = 10;

/**
 * The workers the HBEAT runs refresh (their ids are the ones -r 100000 makes), in the runs' hive with the runs'
 * fields: a refresh changes nothing but the numbers, so no run makes events the other variants do not.
 */
function* observeFleet(n: number): Generator<string[]> {
  for (const i of range(n)) yield hbeat(workerId(i), HBEAT_HIVE, FIXED_BEAT);
}

/** A fleet spread over hives and models, for the scrape at 1M workers. */
function* spreadFleet(n: number): Generator<string[]> {
  for (const i of range(n)) yield hbeat(workerId(i), hiveId(i % OBSERVE_HIVES), generatedBeat(i, OBSERVE_MODELS));
}

const ms = (v: number) => v.toFixed(1);
const fewerOrMore = (ratio: number) =>
  ratio <= 1 ? `${((1 - ratio) * 100).toFixed(1)}% fewer` : `${((ratio - 1) * 100).toFixed(1)}% more`;
const describeTimes = (label: string, v: number[]) => {
  const s = stats(v);
  return `${label}: min ${ms(s.min)} / median ${ms(s.median)} / max ${ms(s.max)} ms over ${s.n}`;
};

/** Times `SCRAPE_SAMPLES` scrapes and dashboard page reads, one after another, on an otherwise idle server. */
async function idleReads(httpPort: number): Promise<{ scrapes: number[]; pages: number[]; scrapeBytes: number }> {
  const scrapes: number[] = [];
  const pages: number[] = [];
  let scrapeBytes = 0;
  for (let i = 0; i < SCRAPE_SAMPLES; i++) {
    const r = await timedGet(httpPort, '/metrics');
    expect(r.status === 200, '/metrics answers 200');
    scrapes.push(r.ms);
    scrapeBytes = r.bytes;
    const t0 = performance.now();
    for (const path of ['/api/summary', '/api/hives?limit=24', '/api/workers?limit=100']) {
      expect((await timedGet(httpPort, path)).status === 200, `${path} answers 200`);
    }
    pages.push(performance.now() - t0);
  }
  return { scrapes, pages, scrapeBytes };
}

async function observeSection(bench: Bench): Promise<void> {
  const plan = bench.plan;
  const n = plan.observeWorkers;
  const httpPort = await freePort();
  const ours = await startOurs(['--http-port', String(httpPort)]);
  const redis = await startRedis();
  bench.log(`observe: started redis-server and ours (HTTP on ${httpPort}); loading ${n.toLocaleString('en-US')} workers`);
  const observed: ObserverReport[] = [];
  let idle: Awaited<ReturnType<typeof idleReads>> | null = null;
  await withServers(ours, redis, async (servers) => {
    const load = await bulkLoad(servers.ours.port, observeFleet(n));
    const client = await connect(servers.ours.port);
    expect(Number(await client.call('WORKER.COUNT')) === n, `ours holds ${n} workers`);
    client.disconnect();
    idle = await idleReads(httpPort);
    const observer = new Observer(httpPort);
    const beat = hbeat('worker-__rand_int__', HBEAT_HIVE, FIXED_BEAT);
    const variants: Variant[] = [
      {
        id: 'ours-observed',
        label: 'ours: HBEAT, dashboard + scrape open',
        server: 'ours',
        command: beat,
        prepare: () => {
          observer.start();
          return Promise.resolve(beat);
        },
        verify: async () => {
          const report = await observer.stop();
          expect(report.pageReads.length > 0, 'the dashboard read its page during the run');
          observed.push(report);
        },
      },
      { id: 'ours-plain', label: 'ours: HBEAT, nothing watching', server: 'ours', command: beat },
      {
        id: 'redis-hset',
        label: 'Redis: HSET',
        server: 'redis',
        command: ['HSET', 'worker:__rand_int__', ...hashPairs(HBEAT_HIVE, FIXED_BEAT)],
      },
    ];
    const shape = (pipeline: number, requests: number): LoadShape => ({ clients: 50, requests, pipeline, keyspace: 100_000 });
    await bench.runCase(
      { id: 'observe', title: `HBEAT at ${n / 1000}k workers, -c 50`, shape: shape(1, plan.observeRequests), variants },
      servers,
    );
    await bench.runCase(
      { id: 'observe-p16', title: `HBEAT at ${n / 1000}k workers, -c 50 -P 16`, shape: shape(16, plan.observeRequests * 4), variants },
      servers,
    );
    bench.populations.push(
      `observe: ${describeLoad(`ours, ${n.toLocaleString('en-US')} workers in one hive (the ids -r 100000 picks), each with the runs' 12 fields`, load)}. ` +
        'Every HBEAT refreshes one of them (Redis: HSET of the same 12 fields on worker:<id>).',
    );
  });
  for (const c of bench.cases) {
    const [obs, plain, red] = c.variants;
    bench.notes.push(
      `${c.title}: with a dashboard and a 1 s scrape open / with nothing watching: req/s ${(obs!.rps / plain!.rps).toFixed(3)}× ` +
        `(${fewerOrMore(obs!.rps / plain!.rps)}), p50 ${(obs!.p50Ms / plain!.p50Ms).toFixed(2)}×, ` +
        `p99 ${(obs!.p99Ms / plain!.p99Ms).toFixed(2)}×; Redis HSET for reference: ours plain/Redis req/s ${(plain!.rps / red!.rps).toFixed(2)}×.`,
    );
  }
  const during = observed.flatMap((r) => r.scrapes);
  const pagesDuring = observed.flatMap((r) => r.pageReads);
  const i = idle!;
  bench.notes.push(
    `At ${n.toLocaleString('en-US')} workers, idle server: ${describeTimes('/metrics scrape', i.scrapes)} (${(i.scrapeBytes / 1024).toFixed(0)} KiB); ` +
      `${describeTimes('dashboard page read (summary + 24 hives + 100 workers, one after another)', i.pages)}. ` +
      `During the observed runs: ${describeTimes('scrape', during)}; ${describeTimes('page read', pagesDuring)}; ` +
      `the /events stream carried ${observed.reduce((a, r) => a + r.events, 0)} events (workers no run refreshed for 30 s go offline, ` +
      'and come back at their next beat, in every variant alike; only the observed runs stream them).',
  );

  const big = plan.observeBigWorkers;
  const bigHttp = await freePort();
  const oursBig = await startOurs(['--http-port', String(bigHttp)]);
  try {
    bench.log(`observe: loading ${big.toLocaleString('en-US')} workers for the scrape at scale`);
    const load = await bulkLoad(oursBig.port, spreadFleet(big));
    oursBig.assertAlive();
    const reads = await idleReads(bigHttp);
    bench.notes.push(
      `At ${big.toLocaleString('en-US')} workers (${OBSERVE_HIVES.toLocaleString('en-US')} hives, ${OBSERVE_MODELS} models; ${describeLoad('loaded', load)}), ` +
        `idle server: ${describeTimes('/metrics scrape', reads.scrapes)} (${(reads.scrapeBytes / 1024).toFixed(0)} KiB); ` +
        `${describeTimes('dashboard page read', reads.pages)}.`,
    );
  } finally {
    await oursBig.stop();
  }
  bench.notes.push(
    'A scrape reads counts the registry keeps as workers change (by state, health, liveness and model): it walks no worker, so ' +
      'its time does not grow with the fleet; the page reads walk only their page. A scrape every second costs about its own ' +
      'time in CPU: at the scrape time above that is its share of one core. The bench process plays the dashboard (an /events ' +
      'stream, the page reads twice a second) and Prometheus (a scrape a second) itself, on the same machine as the servers and ' +
      'redis-benchmark: compare the ratios, not the absolute figures, and see the load averages for other work on the machine.',
  );
}

// ── 5: memory per worker ────────────────────────────────────────────────────────────────────────────────────

const MEMORY_HIVES = 10_000;
const MEMORY_MODELS = 50;

function* oursMemoryLoad(n: number): Generator<string[]> {
  for (const i of range(n)) yield hbeat(workerId(i), hiveId(i % MEMORY_HIVES), generatedBeat(i, MEMORY_MODELS));
}

function* redisHashLoad(n: number): Generator<string[]> {
  for (const i of range(n))
    yield ['HSET', `worker:${workerId(i)}`, ...hashPairs(hiveId(i % MEMORY_HIVES), generatedBeat(i, MEMORY_MODELS))];
}

/** What the heartbeat script leaves behind, written directly: hash with last_seen_ms, hive set entry, TTL. */
function* redisLuaLayoutLoad(n: number): Generator<string[]> {
  const now = String(Date.now());
  for (const i of range(n)) {
    const key = `worker:${workerId(i)}`;
    const hive = hiveId(i % MEMORY_HIVES);
    yield ['HSET', key, 'last_seen_ms', now, ...hashPairs(hive, generatedBeat(i, MEMORY_MODELS))];
    yield ['ZADD', `hive:${hive}:workers`, now, key];
    yield ['PEXPIRE', key, '3600000'];
  }
}

async function usedMemory(client: Redis): Promise<number> {
  const info = String(await client.call('INFO', 'memory'));
  return Number(/^used_memory:(\d+)/m.exec(info)![1]);
}

async function memorySection(bench: Bench): Promise<void> {
  const n = bench.plan.memoryWorkers;
  const targets: MemoryTarget[] = [];

  bench.log(`memory: ours, loading ${n.toLocaleString('en-US')} workers`);
  const ours = await startMemoryServer();
  try {
    const before = await ours.heapAfterGc();
    const rssBefore = rssBytes(ours.pid);
    const load = await bulkLoad(ours.port, oursMemoryLoad(n));
    ours.assertAlive();
    const client = await connect(ours.port);
    expect(Number(await client.call('WORKER.COUNT')) === n, `ours holds ${n} workers`);
    client.disconnect();
    await sleep(200); // let the server drop both connections, so their buffers are not counted
    const after = await ours.heapAfterGc();
    targets.push({
      id: 'ours',
      label: 'ours',
      // Worker numbers live in Float64Array pages outside the V8 heap: count them too.
      measure: 'heapUsed + arrayBuffers after GC',
      before: before.heapUsed + before.arrayBuffers,
      after: after.heapUsed + after.arrayBuffers,
      rssBefore,
      rssAfter: rssBytes(ours.pid),
      loadMs: load.ms,
    });
    bench.log(
      `memory: ours ${((after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / n).toFixed(0)} heap+arrayBuffers bytes/worker, load ${(load.ms / 1000).toFixed(1)} s`,
    );
  } finally {
    await ours.stop();
  }

  const redisTargets: Array<[id: string, label: string, load: (n: number) => Generator<string[]>, keys: number]> = [
    ['redis-hash', 'Redis: hash per worker', redisHashLoad, n],
    ['redis-lua', 'Redis: hash + hive zset + TTL', redisLuaLayoutLoad, n + MEMORY_HIVES],
  ];
  for (const [id, label, generate, keys] of redisTargets) {
    bench.log(`memory: ${label}, loading ${n.toLocaleString('en-US')} workers`);
    const redis = await startRedis();
    try {
      const client = await connect(redis.port);
      const before = await usedMemory(client);
      const rssBefore = rssBytes(redis.pid);
      const load = await bulkLoad(redis.port, generate(n));
      expect(Number(await client.call('DBSIZE')) === keys, `Redis holds ${keys} keys`);
      const after = await usedMemory(client);
      targets.push({ id, label, measure: 'used_memory', before, after, rssBefore, rssAfter: rssBytes(redis.pid), loadMs: load.ms });
      bench.log(`memory: ${label} ${((after - before) / n).toFixed(0)} bytes/worker, load ${(load.ms / 1000).toFixed(1)} s`);
      client.disconnect();
    } finally {
      await redis.stop();
    }
  }
  bench.memory = { workers: n, hives: MEMORY_HIVES, models: MEMORY_MODELS, targets };
  bench.populations.push(
    `memory: each server fresh, one record per worker with all 12 fields (values vary per worker: URL, model, device, ` +
      `VRAM, RAM, CPU, GPU, TS). Ours: HBEAT. Redis: HSET worker:<id> with the same 12 fields; and, separately, the layout ` +
      `the heartbeat script leaves (the hash plus last_seen_ms, the worker in its hive's sorted set, a TTL).`,
  );
}

// ── main ────────────────────────────────────────────────────────────────────────────────────────────────────

function revision(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'package.json', 'package-lock.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return `${head.stdout.trim()}${dirty.stdout.trim() !== '' ? ' with uncommitted changes to src/' : ''}`;
}

function environment(): Environment {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const osRelease = (() => {
    try {
      return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
    } catch {
      return os.type();
    }
  })();
  const redisServer = toolVersion('redis-server');
  const v = /v=([\d.]+).*?malloc=(\S+)/.exec(redisServer);
  return {
    date: new Date().toISOString().slice(0, 10),
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: osRelease,
    node: process.version,
    redisServer: v ? `${v[1]} (${v[2]})` : redisServer,
    redisBenchmark: toolVersion('redis-benchmark'),
    redisCli: toolVersion('redis-cli'),
    revision: revision(),
    loadAvgStart: os.loadavg()[0]!,
    loadAvgEnd: NaN,
  };
}

function countRuns(plan: Plan): number {
  const perVariant = plan.rounds + 1;
  let runs = 0;
  if (plan.sections.has('hbeat')) runs += 2 * 3 * perVariant;
  if (plan.sections.has('active')) runs += 2 * perVariant;
  if (plan.sections.has('best')) runs += 2 * perVariant;
  if (plan.sections.has('claim')) runs += 2 * 3 * perVariant;
  if (plan.sections.has('security')) runs += 3 * 4 * perVariant;
  if (plan.sections.has('observe')) runs += 2 * 3 * perVariant;
  return runs;
}

async function main(): Promise<void> {
  installCleanup();
  const plan = makePlan();
  const env = environment();
  const bench = new Bench(plan, countRuns({ ...plan, sections: new Set([...plan.sections].filter((s) => !OWN_REPORT.has(s))) }));
  bench.log(
    `bench${plan.quick ? ' (quick)' : ''}: ${plan.rounds} rounds, sections ${[...plan.sections].join(', ')}; ` +
      `${env.cpus} × ${env.cpuModel}, Node ${env.node}, Redis ${env.redisServer}`,
  );
  if (env.loadAvgStart > 1) {
    bench.log(`note: the machine is already busy (load average ${env.loadAvgStart.toFixed(2)}): expect noisy figures`);
  }

  const outDir = plan.quick ? join(ROOT, 'bench/results/tmp') : join(ROOT, 'bench/results');
  const save = (name: string, extra: object = {}) => {
    mkdirSync(outDir, { recursive: true });
    const raw = {
      env,
      plan: { ...plan, sections: [...plan.sections] },
      durationS: bench.elapsedS(),
      cases: bench.cases,
      memory: bench.memory,
      runs: bench.runs,
      ...extra,
    };
    writeFileSync(join(outDir, name), `${JSON.stringify(raw, null, 2)}\n`);
  };

  // A section with a report of its own runs on its own Bench and writes bench/results/<name>.md and .json.
  const ownReport = async (name: Section, section: (b: Bench) => Promise<void>) => {
    const own = new Bench(plan, countRuns({ ...plan, sections: new Set([name]) }));
    const ownEnv = { ...env, loadAvgStart: os.loadavg()[0]! };
    await section(own);
    ownEnv.loadAvgEnd = os.loadavg()[0]!;
    mkdirSync(outDir, { recursive: true });
    const raw = { env: ownEnv, plan: { ...plan, sections: [name] }, durationS: own.elapsedS(), cases: own.cases, runs: own.runs };
    writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(raw, null, 2)}\n`);
    const markdown = markdownReport({
      env: ownEnv,
      quick: plan.quick,
      rounds: plan.rounds,
      durationS: own.elapsedS(),
      cases: own.cases,
      memory: null,
      populations: own.populations,
      scripts: own.scripts,
      notes: own.notes,
    })
      .replace(/^# Benchmarks\n/, `# Benchmarks: ${name} (\`npm run bench -- --only ${name}\`)\n`)
      .replace('[bench/results/latest.json](bench/results/latest.json)', `[${name}.json](${name}.json)`)
      .replace('[bench/results/liveness.md](bench/results/liveness.md)', '[liveness.md](liveness.md)');
    writeFileSync(join(outDir, `${name}.md`), markdown);
    console.log(`\n${consoleReport(own.cases, null)}\n`);
  };

  try {
    if (plan.sections.has('hbeat')) await hbeatSection(bench);
    if (plan.sections.has('active')) await activeSection(bench);
    if (plan.sections.has('best')) await bestSection(bench);
    if (plan.sections.has('memory')) await memorySection(bench);
    if (plan.sections.has('claim')) await ownReport('claim', claimSection);
    if (plan.sections.has('security')) await ownReport('security', securitySection);
    if (plan.sections.has('observe')) await ownReport('observe', observeSection);
    if (plan.sections.has('scale')) {
      await scaleSection({ workers: plan.scaleWorkers, bigWorkers: plan.scaleBigWorkers, outDir, log: (m) => bench.log(m) });
    }
    if (plan.sections.has('snapshot')) await snapshotSection({ sizes: plan.snapshotSizes, outDir, log: (m) => bench.log(m) });
  } catch (e) {
    save('failed.json', { error: String((e as Error).stack ?? e) });
    throw e;
  }

  if ([...plan.sections].every((s) => OWN_REPORT.has(s))) {
    console.log(`wrote ${[...plan.sections].map((s) => join(plan.quick ? 'bench/results/tmp' : 'bench/results', `${s}.md`)).join(', ')}`);
    return;
  }
  const durationS = bench.elapsedS();
  env.loadAvgEnd = os.loadavg()[0]!;
  bench.notes.push('HIVE.ACTIVE replies are sorted by hive id; ZRANGEBYSCORE replies are in score order. Both carry the same 1,000 ids.');
  save(plan.quick ? 'quick.json' : 'latest.json');
  const markdown = markdownReport({
    env,
    quick: plan.quick,
    rounds: plan.rounds,
    durationS,
    cases: bench.cases,
    memory: bench.memory,
    populations: bench.populations,
    scripts: bench.scripts,
    notes: bench.notes,
  });
  writeFileSync(plan.quick ? join(outDir, 'BENCHMARKS.quick.md') : join(ROOT, 'BENCHMARKS.md'), markdown);

  console.log(`\n${consoleReport(bench.cases, bench.memory)}\n`);
  console.log(
    `medians of ${plan.rounds} rounds; whole run ${Math.round(durationS)} s; wrote ${plan.quick ? 'bench/results/tmp/' : 'BENCHMARKS.md and bench/results/latest.json'}`,
  );
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(`\nbench failed: ${e instanceof Error ? e.message : String(e)}`);
    killAllChildren();
    process.exit(1);
  },
);
