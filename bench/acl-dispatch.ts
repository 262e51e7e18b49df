// In-process cost of the ACL key check on HBEAT: the real dispatcher of a real RegistryServer (never listening)
// runs the same pre-decoded HBEAT frames as the default user and as the README's restricted worker, in
// interleaved batches so that other work on the machine disturbs both alike. Over the wire this cost drowns in
// socket and client time; here it is the only difference between the two.

import type { ClientState } from '../src/commands/context.js';
import { dispatch } from '../src/commands/dispatch.js';
import { RequestDecoder } from '../src/resp/decoder.js';
import { ErrorReply } from '../src/resp/reply.js';
import { RegistryServer } from '../src/server/server.js';
import { ManualClock } from '../test/helpers/clock.js';

export interface AclDispatchResult {
  /** Per-beat dispatch time, medians over the batches, in microseconds. */
  defaultUs: number;
  aclUs: number;
  /** The medians of the per-batch-pair ratios (restricted / default), and their range. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  batches: number;
  beatsPerBatch: number;
  rules: string;
}

function clientOf(server: RegistryServer, user: ClientState['user']): ClientState {
  // prettier-ignore
  return {
    id: 1, server, addr: '127.0.0.1:1', laddr: '127.0.0.1:2', createdAtMs: 0, name: null, proto: 2, libName: null,
    libVersion: null, authenticated: true, user, lastCommand: '', current: null, lastInteractionMs: 0, multi: null,
    multiDirty: false, inTransaction: false, blocked: false, subscriptions: new Set(), patterns: new Set(), push() {},
    onClose: () => () => {}, closeAfterReply() {}, queryBufferBytes: () => 0, outputBufferBytes: () => 0,
  } as unknown as ClientState;
}

/** One decoder holding `count` HBEAT requests back to back, as one socket chunk would. */
function beats(count: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const argv = ['HBEAT', `gpu-a-${i}`, 'hive-a', 'STATE', 'Idle', 'GPU', '40'];
    parts.push(`*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join(''));
  }
  return Buffer.from(parts.join(''));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function runBatch(client: ClientState, bytes: Buffer, count: number): number {
  const decoder = new RequestDecoder();
  decoder.push(bytes);
  const started = process.hrtime.bigint();
  let n = 0;
  while (decoder.nextFrame()) {
    const reply = dispatch(client, decoder);
    if (reply instanceof Promise) throw new Error('acl-dispatch: HBEAT answered asynchronously');
    n++;
  }
  const ns = Number(process.hrtime.bigint() - started);
  if (n !== count) throw new Error(`acl-dispatch: ${n} of ${count} beats decoded`);
  return ns / count / 1000;
}

export function aclDispatchBench(batches = 41, beatsPerBatch = 10_000): AclDispatchResult {
  const rules = 'on nopass resetchannels -@all +@connection -@dangerous +info +hbeat ~worker:gpu-a-* ~hive:hive-a';
  const server = new RegistryServer({ port: 0, clock: new ManualClock() });
  try {
    const worker = server.acl.setUser('gpu-a', rules.split(' '));
    const asDefault = clientOf(server, server.acl.defaultUser);
    const asWorker = clientOf(server, worker);
    // The worker's check must pass on the fast path for this to measure it: a denial would be far slower.
    const probe = new RequestDecoder();
    probe.push(beats(1));
    probe.nextFrame();
    const reply = dispatch(asWorker, probe);
    if (reply instanceof ErrorReply) throw new Error(`acl-dispatch: the worker was refused: ${reply.message}`);
    const bytes = beats(beatsPerBatch);
    // Warm-up: both paths compiled before anything counts.
    for (let i = 0; i < 5; i++) {
      runBatch(asDefault, bytes, beatsPerBatch);
      runBatch(asWorker, bytes, beatsPerBatch);
    }
    const d: number[] = [];
    const a: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < batches; i++) {
      // Alternate which goes first, so a drift in machine load does not favour one.
      const first = i % 2 === 0;
      const x = first ? runBatch(asDefault, bytes, beatsPerBatch) : 0;
      const y = runBatch(asWorker, bytes, beatsPerBatch);
      const z = first ? x : runBatch(asDefault, bytes, beatsPerBatch);
      d.push(z);
      a.push(y);
      ratios.push(y / z);
    }
    return {
      defaultUs: median(d),
      aclUs: median(a),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      batches,
      beatsPerBatch,
      rules,
    };
  } finally {
    server.registry.stop();
  }
}
