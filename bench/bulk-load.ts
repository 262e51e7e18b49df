// Bulk loading through `redis-cli --pipe`. Commands are encoded as RESP into large buffers first, so the
// timed part is the server ingesting them, not this process generating them.

import { exited, spawnTracked } from './processes.js';

export function encodeCommand(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return s;
}

export interface EncodedCommands {
  count: number;
  bytes: number;
  chunks: Buffer[];
}

const CHUNK_BYTES = 1 << 20;

export function encodeAll(commands: Iterable<readonly string[]>): EncodedCommands {
  const chunks: Buffer[] = [];
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  let count = 0;
  let bytes = 0;
  for (const argv of commands) {
    const resp = encodeCommand(argv);
    const need = Buffer.byteLength(resp);
    if (used + need > chunk.length) {
      chunks.push(chunk.subarray(0, used));
      chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need));
      used = 0;
    }
    used += chunk.write(resp, used);
    count++;
    bytes += need;
  }
  if (used > 0) chunks.push(chunk.subarray(0, used));
  return { count, bytes, chunks };
}

export interface LoadReport {
  commands: number;
  bytes: number;
  /** From starting redis-cli to its last reply. */
  ms: number;
}

/** Sends every command and waits for every reply; throws if any reply is an error. */
export async function bulkLoad(port: number, commands: Iterable<readonly string[]>): Promise<LoadReport> {
  const encoded = encodeAll(commands);
  const started = performance.now();
  const child = spawnTracked('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--pipe'], 'pipe');
  // A load that goes wrong can print one error line per command: keep the start and the end only.
  let head = '';
  let out = '';
  const collect = (b: Buffer) => {
    if (head.length < 2048) head += b.toString();
    out = (out + b.toString()).slice(-16_384);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const stdin = child.stdin!;
  let writeError: Error | null = null;
  stdin.on('error', (e) => (writeError = e));

  for (const chunk of encoded.chunks) {
    if (stdin.write(chunk) || writeError !== null) continue;
    await new Promise<void>((resolve) => {
      const done = () => {
        stdin.off('drain', done).off('close', done);
        resolve();
      };
      stdin.on('drain', done).on('close', done);
    });
    if (writeError !== null) break;
  }
  stdin.end();
  const status = await exited(child);
  const ms = performance.now() - started;
  const m = /errors: (\d+), replies: (\d+)/.exec(out);
  if (status !== 0 || m === null || Number(m[1]) !== 0 || Number(m[2]) !== encoded.count || writeError !== null) {
    const lines = [...head.trim().split('\n').slice(0, 4), '…', ...out.trim().split('\n').slice(-4)];
    const tail = lines.map((l) => `  | ${l}`).join('\n');
    throw new Error(
      `redis-cli --pipe of ${encoded.count} commands failed (exit ${status}${writeError ? `, ${String(writeError)}` : ''}):\n${tail}`,
    );
  }
  return { commands: encoded.count, bytes: encoded.bytes, ms };
}
