// In-process cost of the ACL key check on HBEAT: the real dispatcher of a real RegistryServer (never listening)
// runs the same pre-decoded HBEAT frames as the default user and as the README's restricted worker, in
// interleaved batches so that other work on the machine disturbs both alike, timed in CPU time (a busy machine
// takes the core away between beats; CPU time does not count that). A third user with allkeys (the command bit
// checked, no keys) shows the noise floor. Over the wire this cost drowns in socket and client time; here it is
// the only difference between the users.

import type { ClientState } from '../src/commands/context.js';
import { dispatch } from '../src/commands/dispatch.js';
import { RequestDecoder } from '../src/resp/decoder.js';
import { ErrorReply } from '../src/resp/reply.js';
import { RegistryServer } from '../src/server/server.js';
import { ManualClock } from '../test/helpers/clock.js';

export interface AclDispatchResult {
  /** Per-beat dispatch CPU time, medians over the batches, in microseconds. */
  defaultUs: number;
  allKeysUs: number;
  aclUs: number;
  /** The median of the per-round ratios restricted / default, and their range; the same for allkeys / default. */
  ratio: number;
  allKeysRatio: number;
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
  const started = process.cpuUsage();
  let n = 0;
  while (decoder.nextFrame()) {
    const reply = dispatch(client, decoder);
    if (reply instanceof Promise || reply instanceof ErrorReply) throw new Error('acl-dispatch: a beat was not taken');
    n++;
  }
  const used = process.cpuUsage(started);
  if (n !== count) throw new Error(`acl-dispatch: ${n} of ${count} beats decoded`);
  return (used.user + used.system) / count;
}

export function aclDispatchBench(batches = 41, beatsPerBatch = 10_000): AclDispatchResult {
  const rules = 'on nopass resetchannels -@all +@connection -@dangerous +info +hbeat ~worker:gpu-a-* ~hive:hive-a';
  const server = new RegistryServer({ port: 0, clock: new ManualClock() });
  try {
    const worker = server.acl.setUser('gpu-a', rules.split(' '));
    const users = [
      clientOf(server, server.acl.defaultUser),
      clientOf(server, server.acl.setUser('all-keys', ['on', 'nopass', '-@all', '+hbeat', 'allkeys'])),
      clientOf(server, worker),
    ];
    const bytes = beats(beatsPerBatch);
    // Warm-up: every path compiled before anything counts (runBatch throws if a beat is refused).
    for (let i = 0; i < 5; i++) for (const u of users) runBatch(u, bytes, beatsPerBatch);
    const times: number[][] = [[], [], []];
    const ratios: number[] = [];
    const allKeysRatios: number[] = [];
    for (let i = 0; i < batches; i++) {
      // Rotate which goes first, so a drift in machine load does not favour one.
      const t = [0, 0, 0];
      for (let j = 0; j < 3; j++) {
        const u = (i + j) % 3;
        t[u] = runBatch(users[u]!, bytes, beatsPerBatch);
        times[u]!.push(t[u]);
      }
      ratios.push(t[2]! / t[0]!);
      allKeysRatios.push(t[1]! / t[0]!);
    }
    return {
      defaultUs: median(times[0]!),
      allKeysUs: median(times[1]!),
      aclUs: median(times[2]!),
      ratio: median(ratios),
      allKeysRatio: median(allKeysRatios),
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
