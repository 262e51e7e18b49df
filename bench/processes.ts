// Child processes of the benchmark (the two servers, redis-benchmark, redis-cli). Every child is tracked, so an
// error, SIGINT or SIGTERM still stops the servers; a server that dies mid-run is reported with its output.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/bench/). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUR_MAIN = fileURLToPath(new URL('../src/main.js', import.meta.url));
/** The V8 flags `npm start` runs the server with (see package.json), so the bench measures the same thing. */
export const NODE_FLAGS = ['--max-semi-space-size=64'];
const MEMORY_SERVER = fileURLToPath(new URL('./memory-server.js', import.meta.url));

const live = new Set<ChildProcess>();

/** Spawns a child that is killed if the benchmark stops for any reason. */
export function spawnTracked(command: string, args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const child = spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'] });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Kills every child still running, synchronously (safe inside an 'exit' handler). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

/** Stops the servers however the benchmark ends: normal exit, an uncaught error, SIGINT or SIGTERM. */
export function installCleanup(): void {
  process.once('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal} received, stopping the servers`);
      killAllChildren();
      process.exit(130);
    });
  }
}

/** Resolves with the exit code (or signal name) of a child, even if it has already exited. */
export function exited(child: ChildProcess): Promise<number | string> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
}

/** A port nobody listens on right now (Redis cannot pick its own: port 0 disables TCP there). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process, from /proc/<pid>/status (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** First line of a command's --version output, or '?' when it cannot run. */
export function toolVersion(command: string, args: string[] = ['--version']): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0]! : '?';
}

/** A running server under test. */
export class ServerProcess {
  private readonly tail: string[] = [];
  private readonly lineWaiters: Array<(line: string) => boolean> = [];
  private stopping = false;
  private death: string | null = null;
  port = 0;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (line: string) => {
      this.tail.push(line);
      if (this.tail.length > 40) this.tail.shift();
      const i = this.lineWaiters.findIndex((accept) => accept(line));
      if (i >= 0) this.lineWaiters.splice(i, 1);
    };
    createInterface({ input: child.stdout! }).on('line', keep);
    createInterface({ input: child.stderr! }).on('line', keep);
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.death = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for an output line matching the pattern; fails if the process dies or the time runs out. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms\n${this.output()}`)),
        timeoutMs,
      );
      const onExit = () => {
        clearTimeout(timer);
        reject(new Error(`${this.name} ${this.death ?? 'exited'} before printing ${pattern}\n${this.output()}`));
      };
      this.child.once('exit', onExit);
      this.lineWaiters.push((line) => {
        const m = pattern.exec(line);
        if (m === null) return false;
        clearTimeout(timer);
        this.child.off('exit', onExit);
        resolve(m);
        return true;
      });
    });
  }

  /** Throws, with the server's last output, if it died on its own. */
  assertAlive(): void {
    if (this.death !== null || this.child.exitCode !== null || this.child.signalCode !== null) {
      throw new Error(`${this.name} (pid ${this.pid}) ${this.death ?? 'is not running'}; its last output:\n${this.output()}`);
    }
  }

  output(): string {
    return this.tail.map((l) => `  | ${l}`).join('\n');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited(this.child);
    clearTimeout(timer);
  }
}

/** A throwaway redis-server: no persistence, foreground, loopback only. */
export async function startRedis(): Promise<ServerProcess> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'];
  const server = new ServerProcess('redis-server', spawnTracked('redis-server', args));
  await server.waitForLine(/Ready to accept connections/, 10_000);
  server.port = port;
  return server;
}

const READY = /ready on [^ ]+:(\d+) /;

/** This project's server, as `npm start` runs it, on a port it picks itself. */
export async function startOurs(extraArgs: string[] = []): Promise<ServerProcess> {
  const child = spawnTracked(process.execPath, [...NODE_FLAGS, OUR_MAIN, '--port', '0', '--bind', '127.0.0.1', ...extraArgs]);
  const server = new ServerProcess('rbee-registry', child);
  server.port = Number((await server.waitForLine(READY, 10_000))[1]);
  return server;
}

export interface HeapAfterGc {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/** Our server in the bench-only entry that can force a GC and report the heap (see memory-server.ts). */
export class MemoryServerProcess extends ServerProcess {
  async heapAfterGc(): Promise<HeapAfterGc> {
    const line = this.waitForLine(/^\{"heapUsed"/, 60_000);
    this.child.stdin!.write('gc\n');
    return JSON.parse((await line).input) as HeapAfterGc;
  }
}

/** `settingArgs`: server flags (`--offline-after 3600000`); `nodeArgs`: extra Node flags. */
export async function startMemoryServer(settingArgs: string[] = [], nodeArgs: string[] = []): Promise<MemoryServerProcess> {
  const child = spawnTracked(process.execPath, [...nodeArgs, '--expose-gc', MEMORY_SERVER, '--port', '0', ...settingArgs], 'pipe');
  const server = new MemoryServerProcess('rbee-registry (memory entry)', child);
  server.port = Number((await server.waitForLine(READY, 10_000))[1]);
  return server;
}
