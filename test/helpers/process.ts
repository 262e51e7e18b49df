// The real server as a child process (`node dist/src/main.js --port 0 …`), for inputs that could take the
// whole process down: a test then sees an exit instead of losing its own runner.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

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

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** `node main.js --port 0 <args>`. */
  static start(args: string[] = []): ServerProcess {
    return new ServerProcess(spawn(process.execPath, [MAIN, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** The server under a shell that first runs `setup` (e.g. `ulimit -n 64`), then execs node. */
  static startWithShell(setup: string, args: string[] = []): ServerProcess {
    const quoted = [process.execPath, MAIN, '--port', '0', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    return new ServerProcess(spawn('bash', ['-c', `${setup}; exec ${quoted}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the port once the ready line is printed; rejects if the process exits first. */
  ready(timeoutMs = 15_000): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; stdout ${JSON.stringify(this.stdout)} stderr ${JSON.stringify(this.stderr)}`)), timeoutMs);
      const check = () => {
        const match = / ready on \S+:(\d+) /.exec(this.stdout);
        if (match !== null) {
          clearTimeout(timer);
          this.port = Number(match[1]);
          resolve(this.port);
        }
      };
      this.child.stdout!.on('data', check);
      void this.exited.then((exit) => {
        clearTimeout(timer);
        reject(new Error(`exited ${JSON.stringify(exit)} before ready; stderr ${JSON.stringify(this.stderr)}`));
      });
      check();
    });
  }

  async stop(): Promise<Exit> {
    if (this.alive) this.child.kill('SIGKILL');
    return this.exited;
  }
}
