// The real server as a child process (`node dist/src/main.js --port 0 …`), its output captured: for what only a
// process has (signals, exit codes, the log, files left on disk) and for inputs that could take the whole
// process down, where a test then sees an exit instead of losing its own runner.

import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

export const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ServerProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  port = 0;
  private readonly outputWaiters = new Set<() => void>();

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      for (const w of [...this.outputWaiters]) w();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      for (const w of [...this.outputWaiters]) w();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** `node main.js --port 0 <args>`, in `cwd` when given. */
  static start(args: string[] = [], cwd?: string): ServerProcess {
    return new ServerProcess(spawn(process.execPath, [MAIN, '--port', '0', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  static spawn(args: string[], cwd: string): ServerProcess {
    return ServerProcess.start(args, cwd);
  }

  /** The server under a shell that first runs `setup` (e.g. `ulimit -n 64`), then execs node. */
  static startWithShell(setup: string, args: string[] = []): ServerProcess {
    const quoted = [process.execPath, MAIN, '--port', '0', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return new ServerProcess(spawn('bash', ['-c', `${setup}; exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves once stdout+stderr match `pattern` (returns the match); rejects on exit or after timeoutMs. */
  output(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const check = () => {
        const match = pattern.exec(this.stdout + this.stderr);
        if (match === null) return;
        this.outputWaiters.delete(check);
        clearTimeout(timer);
        resolve(match);
      };
      timer = setTimeout(() => {
        this.outputWaiters.delete(check);
        reject(new Error(`no output matching ${pattern}; stdout ${JSON.stringify(this.stdout)} stderr ${JSON.stringify(this.stderr)}`));
      }, timeoutMs);
      this.outputWaiters.add(check);
      void this.exited.then((exit) => {
        if (!this.outputWaiters.has(check)) return;
        check();
        if (!this.outputWaiters.has(check)) return;
        this.outputWaiters.delete(check);
        clearTimeout(timer);
        reject(
          new Error(
            `exited ${JSON.stringify(exit)} before output matching ${pattern}; stdout ${JSON.stringify(this.stdout)} stderr ${JSON.stringify(this.stderr)}`,
          ),
        );
      });
      check();
    });
  }

  /** Resolves with the port once the ready line is printed; rejects if the process exits first. */
  async ready(timeoutMs = 15_000): Promise<number> {
    const match = await this.output(/^rbee-registry \S+ ready on \S+:(\d+) .*$/m, timeoutMs);
    expect(match[0]).to.match(/^rbee-registry \S+ ready on 127\.0\.0\.1:\d+ /);
    this.port = Number(match[1]);
    return this.port;
  }

  /** Sends a signal (SIGKILL unless told) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  /** Sends a signal without waiting. */
  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }
}

/** An ioredis client that does not retry (a test sees a refused or closed connection as it is). */
export async function connectClient(port: number): Promise<Redis> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, protocol: 2 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** The log lines (Redis format) in some output, without their `pid:M date time mark ` prefix, with their mark. */
export function logLines(output: string): Array<{ mark: string; message: string }> {
  const out: Array<{ mark: string; message: string }> = [];
  for (const line of output.split('\n')) {
    const m = /^\d+:M \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} ([.\-*#]) (.*)$/.exec(line);
    if (m !== null) out.push({ mark: m[1]!, message: m[2]! });
  }
  return out;
}
