// Runs redis-benchmark (a client we did not write) against one server and parses its --csv line.

import { basename, isAbsolute } from 'node:path';
import { exited, spawnTracked } from './processes.js';

export interface LoadShape {
  clients: number;
  requests: number;
  /** Requests per pipeline (-P); 1 is unpipelined. */
  pipeline: number;
  /** -r: __rand_int__ is replaced by a 12-digit number below this. */
  keyspace?: number;
}

export interface BenchmarkResult {
  rps: number;
  avgMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Wall time of the redis-benchmark process, ms. */
  wallMs: number;
}

/** The arguments after the port, shared by the run and by the command line shown in BENCHMARKS.md. */
export function loadArgs(shape: LoadShape, command: string[]): string[] {
  const args = ['-c', String(shape.clients), '-n', String(shape.requests)];
  if (shape.pipeline > 1) args.push('-P', String(shape.pipeline));
  if (shape.keyspace !== undefined) args.push('-r', String(shape.keyspace));
  return [...args, '--csv', ...command];
}

/** The command line as a person would type it; <placeholders> (the port, a time-dependent value) stay as they are. */
export function displayCommand(shape: LoadShape, command: string[], connArgs: readonly string[] = []): string {
  const quote = (a: string) => (/^[\w.:/+@=,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const placeholder = (a: string) => /^<[\w .]+>$/.test(a);
  // A file made for the run (the test CA) is shown by its name: its directory is gone when the report is read.
  const shown = connArgs.map((a) => (isAbsolute(a) ? `<${basename(a)}>` : a));
  return ['redis-benchmark', '-h', '127.0.0.1', '-p', '<port>', ...shown, ...loadArgs(shape, command)]
    .map((a) => (placeholder(a) ? a : quote(a)))
    .join(' ');
}

const CSV_ROW = /"([\d.]+)","([\d.]+)","([\d.]+)","([\d.]+)","([\d.]+)","([\d.]+)","([\d.]+)"\s*$/;

/** `connArgs`: how to connect (`--tls --cacert …`, `--user … -a …`), placed before the load arguments. */
export async function redisBenchmark(
  port: number,
  shape: LoadShape,
  command: string[],
  timeoutMs: number,
  connArgs: readonly string[] = [],
): Promise<BenchmarkResult> {
  const started = performance.now();
  const child = spawnTracked('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), ...connArgs, ...loadArgs(shape, command)]);
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const status = await exited(child);
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  const lines = out.split(/\r?\n|\r/).filter((l) => l.trim() !== '');
  const row = lines
    .map((l) => CSV_ROW.exec(l))
    .filter((m) => m !== null)
    .pop();
  if (timedOut || status !== 0 || row === undefined) {
    const why = timedOut ? `did not finish within ${timeoutMs / 1000} s` : `exited with ${status}`;
    throw new Error(
      `redis-benchmark ${why}: ${displayCommand(shape, command, connArgs)}\n${lines
        .slice(-8)
        .map((l) => `  | ${l}`)
        .join('\n')}`,
    );
  }
  const [rps, avgMs, minMs, p50Ms, p95Ms, p99Ms, maxMs] = row.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { rps, avgMs, minMs, p50Ms, p95Ms, p99Ms, maxMs, wallMs };
}
