// HBEAT's byte-level fast path must answer exactly like the handler that owns the semantics: for any option
// list, it either declines (undefined, and the handler runs) or gives the same reply and leaves the registry in
// the same state. Checked on random option lists, valid and not, against a twin server.

import { expect } from 'chai';
import fc from 'fast-check';
import type { ClientState } from '../../src/commands/context.js';
import HBEAT from '../../src/commands/registry/HBEAT.js';
import { toErrorReply } from '../../src/commands/dispatch.js';
import { workerReply } from '../../src/commands/records.js';
import { RequestDecoder } from '../../src/resp/decoder.js';
import { encodeReply } from '../../src/resp/encoder.js';
import type { Reply } from '../../src/resp/reply.js';
import { RegistryServer } from '../../src/server/server.js';
import { ManualClock } from '../helpers/clock.js';

function clientOf(server: RegistryServer): ClientState {
  return {
    id: 1, server, addr: '', laddr: '', createdAtMs: 0, name: null, proto: 3, libName: null, libVersion: null,
    authenticated: true, user: server.acl.defaultUser, lastCommand: '', lastInteractionMs: 0, multi: null, multiDirty: false, inTransaction: false,
    blocked: false, subscriptions: new Set(), patterns: new Set(), push() {}, onClose: () => () => {},
    closeAfterReply() {}, queryBufferBytes: () => 0, outputBufferBytes: () => 0,
  } as unknown as ClientState;
}

function frameOf(argv: string[]): RequestDecoder {
  const decoder = new RequestDecoder();
  decoder.push(Buffer.from(`*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')));
  expect(decoder.nextFrame()).to.equal(true);
  return decoder;
}

const wire = (r: Reply) => encodeReply(r, 3).toString('latin1');

const name = fc.constantFrom('STATE', 'state', 'State', 'HEALTH', 'URL', 'url', 'MODEL', 'BACKEND', 'DEVICE', 'VRAM', 'vram_total', 'VRAM_TOTAL', 'RAM', 'CPU', 'GPU', 'TS', 'ts', 'NOPE', 'JSON', '');
const value = fc.oneof(
  fc.constantFrom('Idle', 'idle', 'Busy', 'Loading', 'LOADING', 'healthy', 'Degraded', 'degraded', 'http://10.0.0.1:8080', 'not a url', '', '0', '00', '12',
    '8000000000', '-1', '1.5', '100', '100.5', '1e1', '9007199254740993', '2026-11-26T12:00:00Z', '2026-02-30T00:00:00Z', 'llama', 'cuda'),
  fc.string({ maxLength: 12 }),
);
const options = fc.array(fc.tuple(name, value), { maxLength: 8 }).map((pairs) => pairs.flat());

describe('HBEAT fast path', () => {
  it('answers like the handler, or declines', () => {
    fc.assert(
      fc.property(fc.constantFrom('w1', 'w2', '', 'JSON', 'json'), fc.constantFrom('h1', 'h2', ''), options, fc.boolean(), (worker, hive, opts, dropLast) => {
        const argv = ['HBEAT', worker, hive, ...opts];
        if (dropLast && argv.length > 3) argv.pop();
        const clock = new ManualClock();
        const fast = new RegistryServer({ port: 0, clock });
        const slow = new RegistryServer({ port: 0, clock });
        try {
          for (const s of [fast, slow]) s.registry.heartbeat('w1', 'h1', { state: 'Busy', modelId: 'm0', vramBytes: 7 });
          const reply = HBEAT.frameHandler!(clientOf(fast), frameOf(argv));
          if (reply === undefined) return;
          let expected: Reply;
          try {
            expected = HBEAT.handler!(clientOf(slow), argv, []) as Reply;
          } catch (e) {
            expected = toErrorReply(e);
          }
          expect(wire(reply), argv.join(' ')).to.equal(wire(expected));
          for (const id of ['w1', 'w2']) {
            const a = fast.registry.getWorker(id);
            const b = slow.registry.getWorker(id);
            expect(a === undefined ? null : wire(workerReply(fast.registry, a)), `${argv.join(' ')}: ${id}`).to.equal(
              b === undefined ? null : wire(workerReply(slow.registry, b)),
            );
          }
          expect(fast.registry.events.lastRev).to.equal(slow.registry.events.lastRev);
        } finally {
          fast.registry.stop();
          slow.registry.stop();
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the common heartbeat (so the test above compares something)', () => {
    const server = new RegistryServer({ port: 0, clock: new ManualClock() });
    const argv = ['HBEAT', 'w1', 'h1', 'STATE', 'Idle', 'HEALTH', 'healthy', 'URL', 'http://10.0.0.1:8080', 'MODEL', 'm', 'BACKEND', 'cuda',
      'DEVICE', '0', 'VRAM', '8000000000', 'VRAM_TOTAL', '9000000000', 'RAM', '2000000000', 'CPU', '12.5', 'GPU', '40', 'TS', '2026-11-26T12:00:00Z'];
    expect(HBEAT.frameHandler!(clientOf(server), frameOf(argv))).to.not.equal(undefined);
    const w = server.registry.getWorker('w1')!;
    expect([w.state, w.health, w.url, w.modelId, w.backend, w.deviceId, w.vramBytes, w.vramTotalBytes, w.ramBytes, w.cpuPercent, w.gpuPercent, w.reportedAt])
      .to.deep.equal(['Idle', 'healthy', 'http://10.0.0.1:8080', 'm', 'cuda', 0, 8e9, 9e9, 2e9, 12.5, 40, '2026-11-26T12:00:00Z']);
    server.registry.stop();
  });
});
