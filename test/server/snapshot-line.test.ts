// The restore's byte-level record reader takes exactly what JSON.parse and the record check take: for any line
// (records as the writer lays them out, then changed a byte, a key, a number or a space at a time), it either
// returns the very record the JSON path returns, or leaves the line to that path. A record's time is taken
// exactly when HBEAT's parseTimestamp takes it.

import { expect } from 'chai';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import { parseTimestamp } from '../../src/registry/heartbeat-input.js';
import type { SavedWorker, WorkerSnapshot } from '../../src/registry/snapshot.js';
import { RecordEncoder } from '../../src/server/snapshot-encoder.js';
import { RecordParser } from '../../src/server/snapshot-line.js';
import { checkRecord } from '../../src/server/snapshot-record.js';

/** What the JSON path makes of a line: the record, or why it is refused. */
function viaJson(line: string): WorkerSnapshot | string {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    return (e as Error).message;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return 'not a JSON object';
  return checkRecord(o as Record<string, unknown>);
}

/** Field by field, telling -0 from 0 (JSON.parse keeps the sign). */
function same(a: WorkerSnapshot, b: WorkerSnapshot): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.is(a[k as keyof WorkerSnapshot], b[k as keyof WorkerSnapshot]));
}

function encode(w: SavedWorker): string {
  const encoder = new RecordEncoder(1024);
  encoder.worker(w);
  return encoder.bytes().toString('utf8');
}

// Values near and past every rule's edges: names with spaces, non-ASCII and escapes, URLs good and bad, numbers
// of every JSON form, times valid and not.
const name = fc.oneof(
  fc.constantFrom('w1', 'hive-7', ' ', '\u00a0', 'ü€😀', 'a"b', 'c\\d', 'tab\there', '', 'x'.repeat(257), 'cuda', 'model-3'),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const url = fc.oneof(fc.constantFrom('http://10.0.0.1:8080', 'https://a.example/x?y=1', 'not a url', 'http://', 'x:'), fc.webUrl());
const timestamp = fc.oneof(
  fc.date({ min: new Date(-62_000_000_000_000), max: new Date(253_000_000_000_000), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom(
    '2025-10-22T12:00:00Z',
    '2025-10-22T12:00:00.000+02:00',
    '2024-02-29T23:59:60.999Z',
    '2023-02-29T00:00:00.000Z',
    'yesterday',
  ),
);
const count = fc.oneof(fc.nat(), fc.maxSafeInteger(), fc.constantFrom(0, -0, 65535, 65536, 8e9, 2 ** 53, 1e21, -1));
const anyNumber = fc.oneof(
  count,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(12.5, 100, 100.5, 1e-7),
);
const orNull = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });
const worker: fc.Arbitrary<SavedWorker> = fc.record({
  workerId: name,
  hiveId: name,
  state: orNull(fc.constantFrom('Idle', 'Busy', 'Loading', 'Sleeping' as 'Idle')),
  health: orNull(fc.constantFrom('healthy', 'degraded', 'sick' as 'healthy')),
  url: orNull(url),
  modelId: orNull(name),
  backend: orNull(name),
  deviceId: orNull(count),
  vramBytes: orNull(count),
  vramTotalBytes: orNull(count),
  ramBytes: orNull(count),
  cpuPercent: orNull(anyNumber),
  gpuPercent: orNull(anyNumber),
  reportedAt: orNull(timestamp),
  skewMs: orNull(anyNumber),
  lastSeenMs: count,
});

/** Records HBEAT could have made, as varied as the rules allow. */
const valid: fc.Arbitrary<SavedWorker> = fc.record({
  workerId: fc
    .string({ minLength: 1, maxLength: 20 })
    .filter((s) => /\S/.test(s) && [...s].every((c) => c >= ' ' && c !== '"' && c !== '\\')),
  hiveId: fc.constantFrom('hive-1', 'ü-hive', 'h'),
  state: orNull(fc.constantFrom<'Idle' | 'Busy' | 'Loading'>('Idle', 'Busy', 'Loading')),
  health: orNull(fc.constantFrom<'healthy' | 'degraded'>('healthy', 'degraded')),
  url: orNull(fc.constantFrom('http://10.0.0.1:8080', 'https://a.example/x')),
  modelId: orNull(fc.constantFrom('llama-3-8b', 'qwen')),
  backend: orNull(fc.constantFrom('cuda', 'metal')),
  deviceId: orNull(fc.integer({ min: 0, max: 65535 })),
  vramBytes: orNull(fc.maxSafeNat()),
  vramTotalBytes: orNull(fc.maxSafeNat()),
  ramBytes: orNull(fc.maxSafeNat()),
  cpuPercent: orNull(fc.double({ min: 0, max: 100, noNaN: true })),
  gpuPercent: orNull(fc.integer({ min: 0, max: 100 })),
  reportedAt: orNull(fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString())),
  skewMs: orNull(fc.maxSafeInteger()),
  lastSeenMs: fc.maxSafeNat(),
});

/** One change to a line: a byte set, dropped or added, a space, a number or key rewritten, a field added. */
const change = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 127 }) }),
  fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      ' ',
      '\t',
      '0',
      '00',
      '-',
      '.5',
      'e3',
      'E+2',
      '98765432109876543210',
      '9007199254740993',
      '\\u0041',
      '\\"',
      '"',
      ',',
      'null',
      '1',
      '\r',
    ),
  }),
  fc.record({
    kind: fc.constant('replace' as const),
    from: fc.constantFrom('"worker_id"', '"hive_id":', ':1', ',"state"', 'null', '"url"', 'Z"', '0,', '}'),
    to: fc.constantFrom('"online":true,"worker_id"', '"hive_id": ', ':01', ',"State"', 'nul', '"url":"x","url"', 'z"', '0.0,', ',"x":1}'),
  }),
);

type Change = { kind: string; at?: number; byte?: number; text?: string; from?: string; to?: string };

function applied(line: string, c: Change): string {
  const at = typeof c.at === 'number' ? c.at % (line.length + 1) : 0;
  switch (c.kind) {
    case 'set':
      return line.slice(0, at) + String.fromCharCode(c.byte!) + line.slice(at + 1);
    case 'drop':
      return line.slice(0, at) + line.slice(at + 1);
    case 'insert':
      return line.slice(0, at) + c.text! + line.slice(at);
    default:
      return line.replace(c.from!, c.to!);
  }
}

describe('snapshot line reader', () => {
  it('returns the record the JSON path returns, or leaves the line to it, for records and changed records', () => {
    let fast = 0;
    fc.assert(
      fc.property(fc.oneof(valid, worker), fc.oneof(fc.constant([]), fc.array(change, { minLength: 1, maxLength: 3 })), (w, changes) => {
        let line = encode(w).slice(0, -1);
        for (const c of changes) line = applied(line, c);
        const bytes = Buffer.from(line + '\n', 'utf8');
        // The reader only ever sees UTF-8 (a chunk that is not is refused before it is read).
        if (!isUtf8(bytes) || line.includes('\n')) return;
        const parser = new RecordParser();
        const got = parser.read(bytes, 0);
        const expected = viaJson(line);
        if (got === null) return;
        fast++;
        expect(expected, line).to.not.be.a('string');
        expect(same(got, expected as WorkerSnapshot), line).to.equal(true);
        expect(parser.next, line).to.equal(bytes.length);
      }),
      { numRuns: 4000 },
    );
    // The reader must take a share of the lines (the valid unchanged ones), or this proves nothing.
    expect(fast).to.be.above(100);
  });

  it('takes every valid record the writer writes, with its values as JSON.parse reads them', () => {
    fc.assert(
      fc.property(fc.array(valid, { minLength: 1, maxLength: 6 }), (workers) => {
        // Several records in one buffer, as a chunk holds them: the parser's remembered values carry over.
        const text = workers.map(encode).join('');
        const bytes = Buffer.from(text, 'utf8');
        const parser = new RecordParser();
        let from = 0;
        for (const line of text.split('\n').slice(0, -1)) {
          const got = parser.read(bytes, from);
          expect(got, line).to.not.equal(null);
          expect(same(got!, viaJson(line) as WorkerSnapshot), line).to.equal(true);
          from = parser.next;
        }
        expect(from).to.equal(bytes.length);
      }),
      { numRuns: 500 },
    );
  });

  it('takes a record time exactly when parseTimestamp does', () => {
    const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
    const field = (n: number, edges: string[]) => fc.oneof(digits(n), fc.constantFrom(...edges));
    const timeLike = fc
      .tuple(
        field(4, ['0000', '1900', '2000', '2024', '2023', '9999']),
        field(2, ['00', '01', '02', '12', '13']),
        field(2, ['00', '01', '28', '29', '30', '31', '32']),
        field(2, ['00', '23', '24']),
        field(2, ['00', '59', '60']),
        field(2, ['00', '59', '60', '61']),
        digits(3),
        fc.option(fc.record({ at: fc.integer({ min: 0, max: 23 }), c: fc.constantFrom('x', ' ', '-', ':', '.', 'Z', 'T', '/', '٣') }), {
          nil: null,
        }),
      )
      .map(([y, mo, d, h, mi, s, ms, swap]) => {
        const v = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`;
        return swap === null ? v : v.slice(0, swap.at) + swap.c + v.slice(swap.at + 1);
      });
    const base = JSON.parse(encode({ ...validWorker(), reportedAt: null })) as Record<string, unknown>;
    fc.assert(
      fc.property(timeLike, (v) => {
        let parses = true;
        try {
          parseTimestamp(v);
        } catch {
          parses = false;
        }
        expect(typeof checkRecord({ ...base, reported_at: v }) !== 'string', v).to.equal(parses);
      }),
      { numRuns: 3000 },
    );
  });
});

function validWorker(): SavedWorker {
  return {
    workerId: 'w1',
    hiveId: 'h1',
    state: 'Idle',
    health: 'healthy',
    url: 'http://10.0.0.1:8080',
    modelId: 'm',
    backend: 'cuda',
    deviceId: 0,
    vramBytes: 1,
    vramTotalBytes: 2,
    ramBytes: 3,
    cpuPercent: 4,
    gpuPercent: 5,
    reportedAt: '2025-01-01T00:00:00.000Z',
    skewMs: 0,
    lastSeenMs: 6,
  };
}
