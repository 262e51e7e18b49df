// The server as a real child process (`node dist/src/main.js`), for tests that restart, stop or kill it.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** Sends a signal and, for terminating ones, waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts the server with `args` (`--port 0` unless given) and resolves once it printed its ready line. */
export async function startServerProcess(args: string[] = []): Promise<ServerProcess> {
  const argv = args.includes('--port') ? args : ['--port', '0', ...args];
  const child = spawn(process.execPath, [MAIN, '--bind', '127.0.0.1', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = / ready on [^:]+:(\d+) /.exec(out);
      if (m) resolve(Number(m[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => void (out += c.toString()));
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}) before it was ready:\n${out}`)));
  });
  return {
    child,
    port,
    output: () => out,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = signal === 'SIGSTOP' || signal === 'SIGCONT' ? null : once(child, 'exit');
      child.kill(signal);
      if (exited) await exited;
    },
  };
}
