// The record encoder writes each saved worker as JSON.stringify writes its snapshot object, byte for byte, for
// any strings and numbers (escapes, non-ASCII, lone surrogates, fractions, huge and negative numbers), and the
// file it makes reads back the same records whatever the chunk size, with the checksum still guarding it.

import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { toSnapshot, type SavedWorker, type WorkerSnapshot } from '../../src/registry/snapshot.js';
import { RecordEncoder } from '../../src/server/snapshot-encoder.js';
import { readSnapshot, SnapshotError, writeSnapshot } from '../../src/server/snapshot.js';
import { ManualClock } from '../helpers/clock.js';

// Any UTF-16 unit, lone surrogates and control characters included.
const anyText = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const text = fc.oneof(anyText, fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('worker-1', 'a"b', 'c\\d', 'e\nf', 'ü€😀'));
const number = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 9, 10, 99, 100, 1e21, 2 ** 53, -(2 ** 53), 8e9, 12.5, 1e-7),
);
const orNull = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const savedWorker: fc.Arbitrary<SavedWorker> = fc.record({
  workerId: text,
  hiveId: text,
  state: orNull(fc.constantFrom<'Idle' | 'Busy' | 'Loading'>('Idle', 'Busy', 'Loading')),
  health: orNull(fc.constantFrom<'healthy' | 'degraded'>('healthy', 'degraded')),
  url: orNull(text),
  modelId: orNull(text),
  backend: orNull(text),
  deviceId: orNull(number),
  vramBytes: orNull(number),
  vramTotalBytes: orNull(number),
  ramBytes: orNull(number),
  cpuPercent: orNull(number),
  gpuPercent: orNull(number),
  reportedAt: orNull(text),
  skewMs: orNull(number),
  lastSeenMs: number,
});

describe('snapshot record encoder', () => {
  it('writes every record as JSON.stringify writes its snapshot object', () => {
    fc.assert(
      fc.property(fc.array(savedWorker, { maxLength: 8 }), (workers) => {
        const encoder = new RecordEncoder(64);
        for (const w of workers) encoder.worker(w);
        const expected = workers.map((w) => JSON.stringify(toSnapshot(w)) + '\n').join('');
        expect(encoder.bytes().equals(Buffer.from(expected, 'utf8'))).to.equal(true, expected);
      }),
      { numRuns: 500 },
    );
  });

  it('grows past its headroom for a record longer than any field bound allows, and starts over after reset', () => {
    const encoder = new RecordEncoder(16);
    const long = 'x'.repeat(200_000) + '"' + 'é'.repeat(50_000);
    const w: SavedWorker = { ...toFields('w'), url: long };
    encoder.worker(w);
    expect(encoder.full).to.equal(true);
    expect(encoder.bytes().toString('utf8')).to.equal(JSON.stringify(toSnapshot(w)) + '\n');
    encoder.reset();
    encoder.worker(toFields('short'));
    expect(encoder.bytes().toString('utf8')).to.equal(JSON.stringify(toSnapshot(toFields('short'))) + '\n');
  });

  describe('in a file', () => {
    let dir: string;
    let file: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'registry-snapenc-'));
      file = path.join(dir, 'registry.snapshot');
    });
    afterEach(() => rm(dir, { recursive: true, force: true }));

    it('reads back what the registry held, for any chunk size, and a changed byte anywhere still fails the checksum', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4096 }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 40 }), fc.double({ min: 0, max: 100, noNaN: true })), {
            minLength: 1,
            maxLength: 60,
          }),
          fc.nat(),
          async (chunkBytes, beats, flipAt) => {
            const registry = new WorkerRegistry({ clock: new ManualClock(), offlineAfterMs: 30_000, evictAfterMs: 300_000 });
            beats.forEach(([vram, gpu], i) =>
              registry.heartbeat(`w-${i}-é`, `hive-${i % 3}`, {
                vramBytes: vram,
                gpuPercent: gpu,
                modelId: 'm"1',
                url: 'http://10.0.0.1:80',
              }),
            );
            const reader = registry.openSnapshot();
            const expected: WorkerSnapshot[] = [];
            for (let part = reader.read(100); part.length > 0; part = reader.read(100)) expected.push(...part);
            await writeSnapshot(file, registry.openSnapshot(), { chunkBytes, sliceMs: 0 });
            const loaded: WorkerSnapshot[] = [];
            await readSnapshot(file, () => ({ add: (w) => void loaded.push(w) }));
            expect(sorted(loaded)).to.deep.equal(sorted(expected));

            // Any byte of the header or a record changed (to another that keeps the JSON valid or not).
            const bytes = await readFile(file);
            const bodyEnd = bytes.lastIndexOf(10, bytes.length - 2) + 1;
            const at = flipAt % bodyEnd;
            bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
            await writeFile(file, bytes);
            let refused: unknown = null;
            await readSnapshot(file, () => ({ add: () => {} })).catch((e: unknown) => (refused = e));
            expect(refused).to.be.instanceOf(SnapshotError);
          },
        ),
        { numRuns: 40 },
      );
    });
  });
});

function toFields(id: string): SavedWorker {
  return {
    workerId: id,
    hiveId: 'h',
    state: 'Idle',
    health: null,
    url: null,
    modelId: 'm',
    backend: null,
    deviceId: 3,
    vramBytes: 8e9,
    vramTotalBytes: null,
    ramBytes: null,
    cpuPercent: 12.5,
    gpuPercent: null,
    reportedAt: null,
    skewMs: -40,
    lastSeenMs: 1_700_000_000_000,
  };
}

const sorted = (ws: WorkerSnapshot[]) => ws.slice().sort((a, b) => (a.worker_id < b.worker_id ? -1 : 1));
