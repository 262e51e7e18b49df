// The reply encoder: the exact bytes of every reply type in RESP2 and RESP3, and redis-parser (an
// independent RESP2 client parser) reading the RESP2 bytes back as the value a client library would see.

import { expect } from 'chai';
import fc from 'fast-check';
import { encodeReply, ReplyWriter } from '../../src/resp/encoder.js';
import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArray,
  ONE,
  OK,
  PONG,
  PushReply,
  RawReply,
  type Reply,
  SetReply,
  SimpleString,
  VerbatimReply,
  ZERO,
} from '../../src/resp/reply.js';
import { parseOneResp2, type ParseOptions } from '../helpers/resp2.js';

/** Wire bytes from readable parts: strings are UTF-8, Buffers are taken as they are. */
const wire = (...parts: Array<string | Buffer>): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p)));

/** Compares as latin1 text so a failure shows the bytes readably. */
function expectBytes(actual: Buffer, expected: Buffer, what: string): void {
  expect(actual.toString('latin1'), what).to.equal(expected.toString('latin1'));
  expect(actual.equals(expected), what).to.equal(true);
}

interface Case {
  what: string;
  value: Reply;
  resp2: Buffer;
  resp3: Buffer;
  /** What redis-parser reads from the RESP2 bytes. */
  parsed: unknown;
  options?: ParseOptions;
}

const binary = Buffer.from([0, 255, 13, 10, 128, 36, 42]);
const rawBinary = Buffer.from([58, 0xe9, 0xff, 13, 10]); // `:` then non-ASCII bytes: nonsense, but bytes are bytes

const cases: Case[] = [
  // Integers
  { what: 'an integer', value: 42, resp2: wire(':42\r\n'), resp3: wire(':42\r\n'), parsed: 42 },
  { what: 'a negative integer', value: -7, resp2: wire(':-7\r\n'), resp3: wire(':-7\r\n'), parsed: -7 },
  { what: 'zero', value: 0, resp2: wire(':0\r\n'), resp3: wire(':0\r\n'), parsed: 0 },
  { what: 'minus zero', value: -0, resp2: wire(':0\r\n'), resp3: wire(':0\r\n'), parsed: 0 },
  {
    what: 'an integer past 2^53',
    value: 2 ** 53 + 2,
    resp2: wire(':9007199254740994\r\n'),
    resp3: wire(':9007199254740994\r\n'),
    parsed: '9007199254740994',
    options: { stringNumbers: true },
  },
  {
    what: 'a bigint at the int64 maximum',
    value: 2n ** 63n - 1n,
    resp2: wire(':9223372036854775807\r\n'),
    resp3: wire(':9223372036854775807\r\n'),
    parsed: '9223372036854775807',
    options: { stringNumbers: true },
  },
  {
    what: 'a bigint at the int64 minimum',
    value: -(2n ** 63n),
    resp2: wire(':-9223372036854775808\r\n'),
    resp3: wire(':-9223372036854775808\r\n'),
    parsed: '-9223372036854775808',
    options: { stringNumbers: true },
  },
  // Past int64 a RESP integer would overflow every client: Redis' addReplyBigNum sends `(` in RESP3, a bulk in RESP2.
  {
    what: 'a bigint past int64 (big number)',
    value: 2n ** 63n,
    resp2: wire('$19\r\n9223372036854775808\r\n'),
    resp3: wire('(9223372036854775808\r\n'),
    parsed: '9223372036854775808',
  },
  {
    what: 'a negative bigint past int64 (big number)',
    value: -(2n ** 70n),
    resp2: wire('$23\r\n-1180591620717411303424\r\n'),
    resp3: wire('(-1180591620717411303424\r\n'),
    parsed: '-1180591620717411303424',
  },
  {
    what: 'an integral number past int64 (big number, not `:1e+21`)',
    value: 1e21,
    resp2: wire('$22\r\n1000000000000000000000\r\n'),
    resp3: wire('(1000000000000000000000\r\n'),
    parsed: '1000000000000000000000',
  },
  { what: 'a non-integral number (a double)', value: 2.5, resp2: wire('$3\r\n2.5\r\n'), resp3: wire(',2.5\r\n'), parsed: '2.5' },

  // Bulk strings
  { what: 'a string', value: 'hello', resp2: wire('$5\r\nhello\r\n'), resp3: wire('$5\r\nhello\r\n'), parsed: 'hello' },
  { what: 'an empty string', value: '', resp2: wire('$0\r\n\r\n'), resp3: wire('$0\r\n\r\n'), parsed: '' },
  {
    what: 'a non-ASCII string (length in bytes, not characters)',
    value: 'héllo ☃ 🐝',
    resp2: wire('$15\r\nhéllo ☃ 🐝\r\n'),
    resp3: wire('$15\r\nhéllo ☃ 🐝\r\n'),
    parsed: 'héllo ☃ 🐝',
  },
  { what: 'a string holding CRLF', value: 'a\r\nb', resp2: wire('$4\r\na\r\nb\r\n'), resp3: wire('$4\r\na\r\nb\r\n'), parsed: 'a\r\nb' },
  {
    what: 'a binary Buffer',
    value: binary,
    resp2: wire('$7\r\n', binary, '\r\n'),
    resp3: wire('$7\r\n', binary, '\r\n'),
    parsed: binary,
    options: { returnBuffers: true },
  },
  { what: 'an empty Buffer', value: Buffer.alloc(0), resp2: wire('$0\r\n\r\n'), resp3: wire('$0\r\n\r\n'), parsed: '' },

  // Nulls
  { what: 'null', value: null, resp2: wire('$-1\r\n'), resp3: wire('_\r\n'), parsed: null },
  { what: 'the null array', value: NullArray.instance, resp2: wire('*-1\r\n'), resp3: wire('_\r\n'), parsed: null },

  // Aggregates
  { what: 'an empty array', value: [], resp2: wire('*0\r\n'), resp3: wire('*0\r\n'), parsed: [] },
  {
    what: 'a nested array',
    value: [1, 'a', [null, 2n], []],
    resp2: wire('*4\r\n:1\r\n$1\r\na\r\n*2\r\n$-1\r\n:2\r\n*0\r\n'),
    resp3: wire('*4\r\n:1\r\n$1\r\na\r\n*2\r\n_\r\n:2\r\n*0\r\n'),
    parsed: [1, 'a', [null, 2], []],
  },
  {
    what: 'a map (a flat field/value array in RESP2)',
    value: MapReply.of({ worker_id: 'w1', online: 1 }),
    resp2: wire('*4\r\n$9\r\nworker_id\r\n$2\r\nw1\r\n$6\r\nonline\r\n:1\r\n'),
    resp3: wire('%2\r\n$9\r\nworker_id\r\n$2\r\nw1\r\n$6\r\nonline\r\n:1\r\n'),
    parsed: ['worker_id', 'w1', 'online', 1],
  },
  { what: 'an empty map', value: new MapReply([]), resp2: wire('*0\r\n'), resp3: wire('%0\r\n'), parsed: [] },
  {
    what: 'maps, sets and doubles nested',
    value: MapReply.of({ hive: MapReply.of({ gb: new DoubleReply(0.5), up: new BoolReply(true) }), workers: new SetReply(['a', 'b']) }),
    resp2: wire('*4\r\n$4\r\nhive\r\n*4\r\n$2\r\ngb\r\n$3\r\n0.5\r\n$2\r\nup\r\n:1\r\n$7\r\nworkers\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n'),
    resp3: wire('%2\r\n$4\r\nhive\r\n%2\r\n$2\r\ngb\r\n,0.5\r\n$2\r\nup\r\n#t\r\n$7\r\nworkers\r\n~2\r\n$1\r\na\r\n$1\r\nb\r\n'),
    parsed: ['hive', ['gb', '0.5', 'up', 1], 'workers', ['a', 'b']],
  },
  {
    what: 'a set',
    value: new SetReply(['a', 1]),
    resp2: wire('*2\r\n$1\r\na\r\n:1\r\n'),
    resp3: wire('~2\r\n$1\r\na\r\n:1\r\n'),
    parsed: ['a', 1],
  },
  {
    what: 'a push',
    value: new PushReply(['message', 'workers', 'w1 joined']),
    resp2: wire('*3\r\n$7\r\nmessage\r\n$7\r\nworkers\r\n$9\r\nw1 joined\r\n'),
    resp3: wire('>3\r\n$7\r\nmessage\r\n$7\r\nworkers\r\n$9\r\nw1 joined\r\n'),
    parsed: ['message', 'workers', 'w1 joined'],
  },

  // Booleans and doubles
  { what: 'true', value: new BoolReply(true), resp2: wire(':1\r\n'), resp3: wire('#t\r\n'), parsed: 1 },
  { what: 'false', value: new BoolReply(false), resp2: wire(':0\r\n'), resp3: wire('#f\r\n'), parsed: 0 },
  { what: 'a double', value: new DoubleReply(1.5), resp2: wire('$3\r\n1.5\r\n'), resp3: wire(',1.5\r\n'), parsed: '1.5' },
  { what: 'an integral double', value: new DoubleReply(8), resp2: wire('$1\r\n8\r\n'), resp3: wire(',8\r\n'), parsed: '8' },
  { what: 'a negative double', value: new DoubleReply(-2.25), resp2: wire('$5\r\n-2.25\r\n'), resp3: wire(',-2.25\r\n'), parsed: '-2.25' },
  {
    what: 'a double needing 17 digits',
    value: new DoubleReply(0.1 + 0.2),
    resp2: wire('$19\r\n0.30000000000000004\r\n'),
    resp3: wire(',0.30000000000000004\r\n'),
    parsed: '0.30000000000000004',
  },
  { what: 'infinity', value: new DoubleReply(Infinity), resp2: wire('$3\r\ninf\r\n'), resp3: wire(',inf\r\n'), parsed: 'inf' },
  { what: 'minus infinity', value: new DoubleReply(-Infinity), resp2: wire('$4\r\n-inf\r\n'), resp3: wire(',-inf\r\n'), parsed: '-inf' },
  { what: 'NaN', value: new DoubleReply(NaN), resp2: wire('$3\r\nnan\r\n'), resp3: wire(',nan\r\n'), parsed: 'nan' },

  // Verbatim strings
  {
    what: 'a verbatim string',
    value: new VerbatimReply('a\r\nb'),
    resp2: wire('$4\r\na\r\nb\r\n'),
    resp3: wire('=8\r\ntxt:a\r\nb\r\n'),
    parsed: 'a\r\nb',
  },
  {
    what: 'a non-ASCII verbatim string in another format',
    value: new VerbatimReply('héllo', 'mkd'),
    resp2: wire('$6\r\nhéllo\r\n'),
    resp3: wire('=10\r\nmkd:héllo\r\n'),
    parsed: 'héllo',
  },

  // Status and error lines
  { what: 'a simple string', value: new SimpleString('OK'), resp2: wire('+OK\r\n'), resp3: wire('+OK\r\n'), parsed: 'OK' },
  {
    what: 'a simple string with line breaks (each becomes a space)',
    value: new SimpleString('a\r\nb\nc'),
    resp2: wire('+a  b c\r\n'),
    resp3: wire('+a  b c\r\n'),
    parsed: 'a  b c',
  },
  {
    what: 'an error',
    value: new ErrorReply('ERR unknown command'),
    resp2: wire('-ERR unknown command\r\n'),
    resp3: wire('-ERR unknown command\r\n'),
    parsed: new Error('ERR unknown command'),
  },
  {
    what: "an error with line breaks (each becomes a space, as Redis' addReplyError does)",
    value: new ErrorReply("ERR unknown command 'a\r\nb'"),
    resp2: wire("-ERR unknown command 'a  b'\r\n"),
    resp3: wire("-ERR unknown command 'a  b'\r\n"),
    parsed: new Error("ERR unknown command 'a  b'"),
  },
  {
    what: 'an error inside an array',
    value: [1, new ErrorReply('ERR no'), 'x'],
    resp2: wire('*3\r\n:1\r\n-ERR no\r\n$1\r\nx\r\n'),
    resp3: wire('*3\r\n:1\r\n-ERR no\r\n$1\r\nx\r\n'),
    parsed: [1, new Error('ERR no'), 'x'],
  },

  // Pre-encoded replies
  { what: 'the pre-encoded OK', value: OK, resp2: wire('+OK\r\n'), resp3: wire('+OK\r\n'), parsed: 'OK' },
  { what: 'the pre-encoded PONG', value: PONG, resp2: wire('+PONG\r\n'), resp3: wire('+PONG\r\n'), parsed: 'PONG' },
  { what: 'the pre-encoded 1', value: ONE, resp2: wire(':1\r\n'), resp3: wire(':1\r\n'), parsed: 1 },
  { what: 'the pre-encoded 0', value: ZERO, resp2: wire(':0\r\n'), resp3: wire(':0\r\n'), parsed: 0 },
];

/** Errors compare by class and message; everything else structurally. */
function normalizeErrors(value: unknown): unknown {
  if (value instanceof Error) return { error: value.message };
  if (Array.isArray(value)) return value.map(normalizeErrors);
  return value;
}

describe('encodeReply', () => {
  for (const c of cases) {
    describe(c.what, () => {
      it('RESP2 bytes', () => expectBytes(encodeReply(c.value, 2), c.resp2, 'RESP2'));
      it('RESP3 bytes', () => expectBytes(encodeReply(c.value, 3), c.resp3, 'RESP3'));
      it('redis-parser reads the RESP2 bytes as the expected value', () => {
        const parsed = parseOneResp2(encodeReply(c.value, 2), c.options);
        expect(normalizeErrors(parsed)).to.deep.equal(normalizeErrors(c.parsed));
      });
    });
  }

  it('writes pre-encoded bytes as they are, even outside ASCII', () => {
    const raw = new RawReply(rawBinary);
    expectBytes(encodeReply(raw, 2), rawBinary, 'RESP2');
    expectBytes(encodeReply([raw, 'é'], 3), wire('*2\r\n', rawBinary, '$2\r\né\r\n'), 'RESP3 in an array');
  });

  it('refuses a value that is not a reply', () => {
    expect(() => encodeReply({}, 2)).to.throw(TypeError, 'unencodable reply value');
    expect(() => encodeReply(undefined as unknown as Reply, 3)).to.throw(TypeError);
  });
});

describe('ReplyWriter', () => {
  it("writes a reply past V8's string limit in parts, none of them a giant string", () => {
    // 40 × 16 MB (one string shared, as one URL in many records): 640 MB in all.
    const big = 'u'.repeat(16 * 1024 * 1024);
    const writer = new ReplyWriter(3);
    writer.write(Array.from({ length: 40 }, () => big));
    writer.write(MapReply.of({ url: big, n: 1 }));
    let total = 0;
    let largest = 0;
    let chunks = 0;
    for (let c = writer.takeChunk(); c !== null; c = writer.takeChunk()) {
      total += Buffer.byteLength(c);
      largest = Math.max(largest, c.length);
      chunks++;
    }
    const header = (n: number) => `$${n}\r\n`.length + 2;
    expect(total).to.equal(
      '*40\r\n'.length + 41 * (big.length + header(big.length)) + '%2\r\n'.length + '$3\r\nurl\r\n$1\r\nn\r\n:1\r\n'.length,
    );
    expect(largest).to.equal(big.length);
    expect(chunks).to.be.above(40);
    expect(writer.isEmpty).to.equal(true);
  });

  it('encodes a large array a slice at a time, and estimates what is still to come', () => {
    const writer = new ReplyWriter(2);
    const items = Array.from({ length: 100_000 }, (_, i) => `item-${i}`);
    writer.write(items);
    expect(writer.streaming).to.equal(true);
    const first = writer.takeChunk(64 * 1024)!;
    expect(first.length).to.be.below(80 * 1024);
    expect(writer.estimatedLength).to.be.above(1_000_000);
    items.length = 0; // what the client gets is the value the command returned
    const chunks = [first];
    for (let c = writer.takeChunk(); c !== null; c = writer.takeChunk()) chunks.push(c);
    const all = parseOneResp2(Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)))) as string[];
    expect(all).to.have.length(100_000);
    expect(all[99_999]).to.equal('item-99999');
    expect(writer.streaming).to.equal(false);
  });

  it('starts empty', () => {
    const writer = new ReplyWriter();
    expect(writer.isEmpty).to.equal(true);
    expect(writer.pendingLength).to.equal(0);
    expect(writer.take()).to.equal('');
  });

  it('batches text replies into one string, in order, and empties on take()', () => {
    const writer = new ReplyWriter(2);
    writer.write(OK);
    writer.write(7);
    writer.write('hello');
    expect(writer.isEmpty).to.equal(false);
    expect(writer.pendingLength).to.equal('+OK\r\n:7\r\n$5\r\nhello\r\n'.length);
    expect(writer.take()).to.equal('+OK\r\n:7\r\n$5\r\nhello\r\n');
    expect(writer.isEmpty).to.equal(true);
    expect(writer.take()).to.equal('');
  });

  it('keeps text and binary replies in order, as one Buffer', () => {
    const writer = new ReplyWriter(2);
    const big = Buffer.alloc(1000, 0xab);
    writer.write('é');
    writer.write(binary);
    writer.write(['☃', 1]);
    writer.write(big);
    writer.write(null);
    expect(writer.pendingLength).to.be.at.least(1000);
    const out = writer.take();
    expect(Buffer.isBuffer(out)).to.equal(true);
    expectBytes(
      out as Buffer,
      wire('$2\r\né\r\n', '$7\r\n', binary, '\r\n', '*2\r\n$3\r\n☃\r\n:1\r\n', '$1000\r\n', big, '\r\n', '$-1\r\n'),
      'batch',
    );
    expect(writer.isEmpty).to.equal(true);
    expect(writer.pendingLength).to.equal(0);
    writer.write(1);
    expect(writer.take()).to.equal(':1\r\n');
  });

  it('encodes each reply in the protocol selected when it is written (HELLO mid-batch)', () => {
    const writer = new ReplyWriter(2);
    writer.write(null);
    writer.proto = 3;
    writer.write(null);
    writer.write(MapReply.of({ a: 1 }));
    writer.proto = 2;
    writer.write(MapReply.of({ a: 1 }));
    expect(writer.take()).to.equal('$-1\r\n_\r\n%1\r\n$1\r\na\r\n:1\r\n*2\r\n$1\r\na\r\n:1\r\n');
  });
});

// Any reply tree: redis-parser must read back exactly what a RESP2 client should see.
describe('encodeReply RESP2 against redis-parser (property)', () => {
  type Expected = null | { int: string } | { bulk: string } | { error: string } | Expected[];
  const hex = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('hex');
  const INT64_MIN = -(2n ** 63n);
  const INT64_MAX = 2n ** 63n - 1n;

  /** What a RESP2 client should read, written independently of the encoder. */
  function expected(r: Reply): Expected {
    if (r === null || r === NullArray.instance) return null;
    if (typeof r === 'number') return { int: String(r) };
    if (typeof r === 'bigint') return r >= INT64_MIN && r <= INT64_MAX ? { int: r.toString() } : { bulk: hex(r.toString()) };
    if (typeof r === 'string' || Buffer.isBuffer(r)) return { bulk: hex(r) };
    if (Array.isArray(r)) return r.map(expected);
    if (r instanceof MapReply) return r.entries.flatMap(([k, v]) => [expected(k), expected(v)]);
    if (r instanceof SetReply || r instanceof PushReply) return r.items.map(expected);
    if (r instanceof BoolReply) return { int: r.value ? '1' : '0' };
    if (r instanceof SimpleString) return { bulk: hex(r.value) };
    if (r instanceof ErrorReply) return { error: r.message };
    if (r instanceof VerbatimReply) return { bulk: hex(r.text) };
    throw new Error('no expectation for this reply');
  }

  function normalize(parsed: unknown): Expected {
    if (parsed === null) return null;
    if (typeof parsed === 'string') return { int: parsed }; // stringNumbers: integers only
    if (Buffer.isBuffer(parsed)) return { bulk: parsed.toString('hex') };
    if (parsed instanceof Error) return { error: parsed.message };
    if (Array.isArray(parsed)) return parsed.map(normalize);
    throw new Error(`unexpected parsed value ${JSON.stringify(parsed)}`);
  }

  const line = fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).filter((s) => !/[\r\n]/.test(s));
  const leaf: fc.Arbitrary<Reply> = fc.oneof(
    fc.integer(),
    fc.maxSafeInteger(),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    fc.constant(null),
    fc.constant(NullArray.instance),
    fc.boolean().map((b) => new BoolReply(b)),
    line.map((s) => new SimpleString(s)),
    line.map((s) => new ErrorReply(`ERR ${s}`)),
    fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => new VerbatimReply(s)),
  );
  const { reply } = fc.letrec<{ reply: Reply }>((tie) => ({
    reply: fc.oneof(
      { maxDepth: 4, depthSize: 'small' },
      leaf,
      fc.array(tie('reply'), { maxLength: 5 }),
      fc.array(fc.tuple(tie('reply'), tie('reply')), { maxLength: 4 }).map((entries) => new MapReply(entries)),
      fc.array(tie('reply'), { maxLength: 4 }).map((items) => new SetReply(items)),
      fc.array(tie('reply'), { maxLength: 4 }).map((items) => new PushReply(items)),
    ),
  }));

  it('every reply tree reads back as expected', () => {
    fc.assert(
      fc.property(reply, (r) => {
        const parsed = parseOneResp2(encodeReply(r, 2), { returnBuffers: true, stringNumbers: true });
        expect(normalize(parsed)).to.deep.equal(expected(r));
      }),
      { numRuns: 300 },
    );
  });

  it('a batch of reply trees written by one writer reads back in order', () => {
    fc.assert(
      fc.property(fc.array(reply, { minLength: 1, maxLength: 10 }), (replies) => {
        const writer = new ReplyWriter(2);
        for (const r of replies) writer.write(r);
        const out = writer.take();
        const bytes = typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
        const all = parseOneResp2(wire(`*${replies.length}\r\n`, bytes), { returnBuffers: true, stringNumbers: true });
        expect(normalize(all)).to.deep.equal(replies.map(expected));
      }),
      { numRuns: 100 },
    );
  });
});
