// HBEAT's byte-level fast path and its argv path (inside MULTI) share one parser over one option table, so they
// must answer alike: for any option list, the same reply or error, and the registry left in the same state.
// Checked on random option lists, valid and not, against a twin server; errors the fast path throws become
// error replies in dispatch, as the handler's do.

import { expect } from 'chai';
import fc from 'fast-check';
import type { ClientState } from '../../src/commands/context.js';
import HBEAT from '../../src/commands/registry/HBEAT.js';
import { dispatch, toErrorReply } from '../../src/commands/dispatch.js';
import { HEARTBEAT_OPTIONS } from '../../src/commands/registry/heartbeat-options.js';
import { workerReply } from '../../src/commands/records.js';
import { RequestDecoder } from '../../src/resp/decoder.js';
import { encodeReply } from '../../src/resp/encoder.js';
import type { Reply } from '../../src/resp/reply.js';
import { RegistryServer } from '../../src/server/server.js';
import { ManualClock } from '../helpers/clock.js';

function clientOf(server: RegistryServer): ClientState {
  // prettier-ignore
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
// prettier-ignore

// prettier-ignore
const name = fc.constantFrom('STATE', 'state', 'State', 'ſtate', 'HEALTH', 'URL', 'url', 'MODEL', 'BACKEND', 'DEVICE', 'VRAM', 'vram_total', 'VRAM_TOTAL', 'vram\x7ftotal', 'RAM', 'CPU', 'GPU', 'TS', 'ts', 'NOPE', 'JSON', '');
const value = fc.oneof(
  fc.constantFrom(
    'Idle',
    'idle',
    'Busy',
    'Loading',
    'LOADING',
    'healthy',
    'Degraded',
    'degraded',
    'http://10.0.0.1:8080',
    'not a url',
    '',
    '0',
    '00',
    '12',
    '8000000000',
    '-1',
    '1.5',
    '100',
    '100.5',
    '1e1',
    '9007199254740993',
    '2026-11-26T12:00:00Z',
    '2026-02-30T00:00:00Z',
    'llama',
    'cuda',
  ),
  fc.string({ maxLength: 12 }),
);
const options = fc.array(fc.tuple(name, value), { maxLength: 8 }).map((pairs) => pairs.flat());

describe('HBEAT fast path', () => {
  it('answers like the handler, errors included', () => {
    // One pair of servers, emptied by FLUSHALL before each run: building 4,000 servers took most of this test's
    // time (near its timeout on two busy cores), and a flushed registry is as empty as a new one.
    const clock = new ManualClock();
    const fast = new RegistryServer({ port: 0, clock });
    const slow = new RegistryServer({ port: 0, clock });
    try {
      fc.assert(
        fc.property(
          fc.constantFrom('w1', 'w2', '', 'JSON', 'json'),
          fc.constantFrom('h1', 'h2', ''),
          options,
          fc.boolean(),
          (worker, hive, opts, dropLast) => {
            const argv = ['HBEAT', worker, hive, ...opts];
            if (dropLast && argv.length > 3) argv.pop();
            for (const s of [fast, slow]) {
              s.registry.flush();
              s.registry.heartbeat('w1', 'h1', { state: 'Busy', modelId: 'm0', vramBytes: 7 });
            }
            const frame = frameOf(argv);
            let reply: Reply | undefined;
            try {
              reply = HBEAT.frameHandler!(clientOf(fast), frame);
            } catch (e) {
              reply = toErrorReply(e);
            }
            // Only a call too short for the command is left to the usual path (the arity error).
            expect(reply === undefined, argv.join(' ')).to.equal(argv.length < 3);
            if (reply === undefined) return;
            let expected: Reply;
            try {
              expected = HBEAT.handler!(clientOf(slow), argv, []);
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
          },
        ),
        { numRuns: 2000 },
      );
    } finally {
      fast.registry.stop();
      slow.registry.stop();
    }
  });

  it('matches option names with ASCII case folding only, as Redis: ſtate is not STATE on either path', () => {
    const server = new RegistryServer({ port: 0, clock: new ManualClock() });
    const argv = ['HBEAT', 'w1', 'h1', 'ſtate', 'Busy'];
    const expected = "-ERR unknown HBEAT option 'ſtate'\r\n";
    const utf8 = (r: Reply) => encodeReply(r, 3).toString('utf8');
    expect(utf8(dispatch(clientOf(server), frameOf(argv)))).to.equal(expected);
    let slow: Reply;
    try {
      slow = HBEAT.handler!(clientOf(server), argv, []);
    } catch (e) {
      slow = toErrorReply(e);
    }
    expect(utf8(slow)).to.equal(expected);
    expect(server.registry.workerCount()).to.equal(0);
    server.registry.stop();
  });

  it('takes every row of the option table on both paths (a new row needs a sample here)', () => {
    const SAMPLES: Record<string, [string, unknown]> = {
      STATE: ['busy', 'Busy'],
      HEALTH: ['Degraded', 'degraded'],
      URL: ['http://10.0.0.1:1', 'http://10.0.0.1:1'],
      MODEL: ['m', 'm'],
      BACKEND: ['cuda', 'cuda'],
      DEVICE: ['3', 3],
      VRAM: ['5', 5],
      VRAM_TOTAL: ['9', 9],
      RAM: ['7', 7],
      CPU: ['1.5', 1.5],
      GPU: ['2', 2],
      TS: ['2026-11-26T12:00:00Z', '2026-11-26T12:00:00Z'],
    };
    const read = (w: ReturnType<RegistryServer['registry']['getWorker']>, option: string): unknown => {
      const reply = workerReply(server.registry, w!).entries;
      const field = {
        STATE: 'state',
        HEALTH: 'health',
        URL: 'url',
        MODEL: 'model_id',
        BACKEND: 'backend',
        DEVICE: 'device_id',
        VRAM: 'vram_bytes',
        VRAM_TOTAL: 'vram_total_bytes',
        RAM: 'ram_bytes',
        CPU: 'cpu_percent',
        GPU: 'gpu_percent',
        TS: 'reported_at',
      }[option];
      const v = reply.find(([k]) => k === field)?.[1];
      return v !== null && typeof v === 'object' && 'value' in v ? (v as { value: number }).value : v;
    };
    const server = new RegistryServer({ port: 0, clock: new ManualClock() });
    for (const o of HEARTBEAT_OPTIONS) {
      const sample = SAMPLES[o.option];
      expect(sample, `a sample for ${o.option}`).to.not.equal(undefined);
      const argv = ['HBEAT', `fast-${o.option}`, 'h1', o.option.toLowerCase(), sample![0]];
      expect(HBEAT.frameHandler!(clientOf(server), frameOf(argv)), o.option).to.not.equal(undefined);
      void HBEAT.handler!(clientOf(server), ['HBEAT', `argv-${o.option}`, 'h1', o.option.toLowerCase(), sample![0]], []);
      for (const path of ['fast', 'argv'])
        expect(read(server.registry.getWorker(`${path}-${o.option}`), o.option), `${path} ${o.option}`).to.equal(sample![1]);
    }
    server.registry.stop();
  });

  it('takes the common heartbeat (so the test above compares something)', () => {
    const server = new RegistryServer({ port: 0, clock: new ManualClock() });
    // prettier-ignore
    const argv = ['HBEAT', 'w1', 'h1', 'STATE', 'Idle', 'HEALTH', 'healthy', 'URL', 'http://10.0.0.1:8080', 'MODEL', 'm', 'BACKEND', 'cuda',
      'DEVICE', '0', 'VRAM', '8000000000', 'VRAM_TOTAL', '9000000000', 'RAM', '2000000000', 'CPU', '12.5', 'GPU', '40', 'TS', '2026-11-26T12:00:00Z'];
    expect(HBEAT.frameHandler!(clientOf(server), frameOf(argv))).to.not.equal(undefined);
    const w = server.registry.getWorker('w1')!;
    expect([
      w.state,
      w.health,
      w.url,
      w.modelId,
      w.backend,
      w.deviceId,
      w.vramBytes,
      w.vramTotalBytes,
      w.ramBytes,
      w.cpuPercent,
      w.gpuPercent,
      w.reportedAt,
    ]).to.deep.equal(['Idle', 'healthy', 'http://10.0.0.1:8080', 'm', 'cuda', 0, 8e9, 9e9, 2e9, 12.5, 40, '2026-11-26T12:00:00Z']);
    server.registry.stop();
  });
});
