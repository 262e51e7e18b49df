// Summaries of the raw runs: medians, ours/Redis ratios, the console table and BENCHMARKS.md.

import type { BenchmarkResult } from './redis-benchmark.js';

export interface RunRecord {
  case: string;
  variant: string;
  /** 0 is the warm-up run, left out of the medians. */
  round: number;
  at: string;
  /** The machine's 1-minute load average when the run started: other work on the machine shows here. */
  loadAvg1m: number;
  /** The command redis-benchmark sent (with __rand_int__ as given to it). */
  command: string[];
  result: BenchmarkResult;
}

export interface VariantSpecSummary {
  id: string;
  label: string;
  server: 'ours' | 'redis';
  command: string;
}

export interface CaseSummary {
  id: string;
  title: string;
  variants: Array<VariantSpecSummary & { rounds: number; rps: number; rpsMin: number; rpsMax: number; p50Ms: number; p99Ms: number }>;
  /** For each Redis variant: ours divided by it. rps above 1 and latencies below 1 favour ours. */
  ratios: Array<{ vs: string; rps: number; p50: number; p99: number }>;
}

export interface MemoryTarget {
  id: string;
  label: string;
  /** What `before`/`after` measure: V8 heapUsed after a forced GC, or Redis' used_memory. */
  measure: string;
  before: number;
  after: number;
  rssBefore: number;
  rssAfter: number;
  loadMs: number;
}

export interface MemoryResult {
  workers: number;
  hives: number;
  models: number;
  targets: MemoryTarget[];
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summariseCase(id: string, title: string, variants: VariantSpecSummary[], runs: RunRecord[]): CaseSummary {
  const rows = variants.map((v) => {
    const measured = runs.filter((r) => r.case === id && r.variant === v.id && r.round > 0).map((r) => r.result);
    return {
      ...v,
      rounds: measured.length,
      rps: median(measured.map((r) => r.rps)),
      rpsMin: Math.min(...measured.map((r) => r.rps)),
      rpsMax: Math.max(...measured.map((r) => r.rps)),
      p50Ms: median(measured.map((r) => r.p50Ms)),
      p99Ms: median(measured.map((r) => r.p99Ms)),
    };
  });
  const ours = rows.find((r) => r.server === 'ours')!;
  const ratios = rows
    .filter((r) => r.server === 'redis')
    .map((r) => ({ vs: r.id, rps: ours.rps / r.rps, p50: ours.p50Ms / r.p50Ms, p99: ours.p99Ms / r.p99Ms }));
  return { id, title, variants: rows, ratios };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : '–');
const ratio = (n: number) => (Number.isFinite(n) ? `${n >= 10 ? n.toFixed(1) : n.toFixed(2)}×` : '–');
const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

function ratioCells(c: CaseSummary, variantId: string): [string, string, string] {
  const r = c.ratios.find((x) => x.vs === variantId);
  return r === undefined ? ['', '', ''] : [ratio(r.rps), ratio(r.p50), ratio(r.p99)];
}

/** Rounds further apart than this (max/min req/s) are flagged: something else was using the machine. */
const NOISY_SPREAD = 1.3;
const isNoisy = (v: { rpsMin: number; rpsMax: number }) => v.rpsMax / v.rpsMin > NOISY_SPREAD;
const NOISY_LEGEND = `! the rounds' req/s differ by more than ${Math.round((NOISY_SPREAD - 1) * 100)}%: other work on the machine disturbed them`;

function anyNoisy(cases: CaseSummary[]): boolean {
  return cases.some((c) => c.variants.some(isNoisy));
}

function throughputRows(cases: CaseSummary[]): string[][] {
  const rows: string[][] = [];
  for (const c of cases) {
    c.variants.forEach((v, i) => {
      const range = `${int(v.rpsMin)}–${int(v.rpsMax)}${isNoisy(v) ? ' !' : ''}`;
      rows.push([i === 0 ? c.title : '', v.label, int(v.rps), range, ms(v.p50Ms), ms(v.p99Ms), ...ratioCells(c, v.id)]);
    });
  }
  return rows;
}

export function perWorker(t: MemoryTarget, workers: number): { bytes: number; rss: number } {
  return { bytes: (t.after - t.before) / workers, rss: (t.rssAfter - t.rssBefore) / workers };
}

function memoryRows(m: MemoryResult): string[][] {
  return m.targets.map((t) => {
    const p = perWorker(t, m.workers);
    return [
      t.label,
      t.measure,
      int(p.bytes),
      int(p.rss),
      mib(t.after - t.before),
      mib(t.rssAfter - t.rssBefore),
      `${(t.loadMs / 1000).toFixed(1)} s`,
    ];
  });
}

const THROUGHPUT_HEAD = ['case', 'target', 'req/s', 'req/s range', 'p50 ms', 'p99 ms', 'ours/Redis req/s', 'p50', 'p99'];
const MEMORY_HEAD = ['target', 'measured', 'bytes/worker', 'RSS bytes/worker', 'growth', 'RSS growth', 'load time'];

function textTable(head: string[], rows: string[][], rightFrom: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= rightFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function markdownTable(head: string[], rows: string[][], rightFrom: number): string {
  const align = head.map((_, i) => (i >= rightFrom ? '---:' : '---'));
  return [head, align, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

export function consoleReport(cases: CaseSummary[], memory: MemoryResult | null): string {
  const parts: string[] = [];
  if (cases.length > 0) {
    parts.push(textTable(THROUGHPUT_HEAD, throughputRows(cases), 2) + (anyNoisy(cases) ? `\n${NOISY_LEGEND}` : ''));
  }
  if (memory !== null) {
    parts.push(`memory at ${int(memory.workers)} workers (${int(memory.hives)} hives, ${memory.models} models, 12 fields each)`);
    parts.push(textTable(MEMORY_HEAD, memoryRows(memory), 2));
  }
  return parts.join('\n\n');
}

export interface Environment {
  date: string;
  cpuModel: string;
  cpus: number;
  memory: string;
  os: string;
  node: string;
  redisServer: string;
  redisBenchmark: string;
  redisCli: string;
  /** The commit measured, and whether the work tree had changes on top of it. */
  revision: string;
  /** 1-minute load average at the start and at the end of the run. */
  loadAvgStart: number;
  loadAvgEnd: number;
}

export interface MarkdownInput {
  env: Environment;
  quick: boolean;
  rounds: number;
  durationS: number;
  cases: CaseSummary[];
  memory: MemoryResult | null;
  populations: string[];
  scripts: Record<string, string>;
  notes: string[];
}

export function markdownReport(input: MarkdownInput): string {
  const { env } = input;
  const out: string[] = [];
  out.push('# Benchmarks', '');
  out.push(
    'Generated by `npm run bench` (bench/run.ts): it starts a throwaway `redis-server` (no persistence) and this',
    'server, each on a free loopback port, drives both with `redis-benchmark`, and stops them. A/B runs are',
    `interleaved over ${input.rounds} rounds (the order rotates every round) after one unrecorded warm-up run each;`,
    'the figures are the medians over the rounds. Raw runs: [bench/results/latest.json](bench/results/latest.json). ' +
      'Event lateness and stalls with 100k workers going offline: [bench/results/liveness.md](bench/results/liveness.md) (`npm run bench:liveness`). ' +
      'WORKER.CLAIM against WORKER.BEST at 100k workers: [bench/results/claim.md](bench/results/claim.md) (`npm run bench -- --only claim`). ' +
      'What ACL checks and TLS cost: [bench/results/security.md](bench/results/security.md) (`npm run bench -- --only security`). ' +
      'Stalls and memory at 1M and 5M workers: [bench/results/scale.md](bench/results/scale.md) (`npm run bench -- --only scale`). ' +
      'What an open dashboard and a 1 s Prometheus scrape cost HBEAT at 100k workers, and the scrape at 1M: [bench/results/observe.md](bench/results/observe.md) (`npm run bench -- --only observe`). ' +
      'Snapshot save time, file size, the largest stall a side client sees during a save, and restore time at 1M and 5M workers: [bench/results/snapshot.md](bench/results/snapshot.md) (`npm run bench -- --only snapshot`).',
    '',
  );
  if (input.quick) out.push('> **Quick mode**: few requests and rounds; a smoke test, not a measurement.', '');
  out.push('| | |', '| --- | --- |');
  out.push(`| date | ${env.date} |`);
  out.push(`| machine | ${env.cpus} × ${env.cpuModel}, ${env.memory} RAM, ${env.os} |`);
  out.push(`| code | ${env.revision} |`);
  out.push(`| Node | ${env.node} |`);
  out.push(`| Redis | ${env.redisServer} |`);
  out.push(`| redis-benchmark | ${env.redisBenchmark} |`);
  out.push(`| whole run | ${Math.round(input.durationS)} s |`);
  out.push(
    `| load average (1 min) | ${env.loadAvgStart.toFixed(2)} at the start, ${env.loadAvgEnd.toFixed(2)} at the end (per run in the JSON) |`,
    '',
  );
  out.push(
    "redis-benchmark and the server under test share the machine's cores, so absolute figures are lower than with a",
    'dedicated client; the ratios are what to compare between runs. Other work on the machine (a load average well',
    'above 1) widens the req/s range between rounds; the medians damp it but do not remove it.',
    '',
  );

  if (input.cases.length > 0) {
    out.push('## Throughput and latency', '');
    out.push('ours/Redis: req/s above 1× and latencies below 1× favour this server.', '');
    out.push(markdownTable(THROUGHPUT_HEAD, throughputRows(input.cases), 2), '');
    if (anyNoisy(input.cases)) out.push(NOISY_LEGEND, '');
  }
  if (input.memory !== null) {
    const m = input.memory;
    out.push('## Memory', '');
    out.push(
      `${int(m.workers)} workers in ${int(m.hives)} hives with ${m.models} models, each with the 12 fields, loaded with`,
      '`redis-cli --pipe`. Ours: V8 `heapUsed` plus `arrayBuffers` (the worker number pages) after a forced GC (a bench-only entry started with `--expose-gc`);',
      'Redis: `used_memory` from `INFO memory`. RSS is `VmRSS` of the server process. Growth is after load minus',
      'before load.',
      '',
    );
    out.push(markdownTable(MEMORY_HEAD, memoryRows(m), 2), '');
  }
  out.push('## How the servers were loaded', '');
  for (const p of input.populations) out.push(`- ${p}`);
  out.push('');
  out.push('## Exact commands', '');
  out.push('`<port>` is the free port the run picked; `-h 127.0.0.1` throughout.', '');
  for (const c of input.cases) {
    out.push(`**${c.title}**`, '', '```sh');
    for (const v of c.variants) out.push(`# ${v.label}`, v.command);
    out.push('```', '');
  }
  if (Object.keys(input.scripts).length > 0) {
    out.push('## Lua scripts (loaded with SCRIPT LOAD; EVALSHA runs them)', '');
    for (const [name, text] of Object.entries(input.scripts)) out.push(`${name}:`, '', '```lua', text, '```', '');
  }
  if (input.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of input.notes) out.push(`- ${n}`);
    out.push('');
  }
  return out.join('\n');
}
