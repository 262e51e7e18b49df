// RequestDecoder against Redis' networking.c (processMultibulkBuffer, processInlineBuffer): what it accepts,
// what it skips, and each protocol error with Redis' wording, however the bytes are chunked.

import { isUtf8 } from 'node:buffer';
import { expect } from 'chai';
import fc from 'fast-check';
import { ArgvFrame } from '../../src/commands/argv-frame.js';
import { DEFAULT_LIMITS, ProtocolError, RequestDecoder, type DecoderLimits } from '../../src/resp/decoder.js';

type Bytes = string | Buffer;

const bytes = (b: Bytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);

/** A multibulk request, the way every client library sends one. */
function multibulk(...args: Bytes[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const b = bytes(arg);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

interface Decoded {
  requests: string[][];
  error: string | null;
}

/** Feeds the chunks one by one, draining the decoder after each, as the connection does. */
function decodeChunks(chunks: Bytes[], limits: Partial<DecoderLimits> = {}): Decoded {
  const decoder = new RequestDecoder({ ...DEFAULT_LIMITS, ...limits });
  const requests: string[][] = [];
  try {
    for (const chunk of chunks) {
      decoder.push(bytes(chunk));
      for (let argv = decoder.next(); argv !== null; argv = decoder.next()) {
        requests.push(argv.map((a) => a.toString('latin1')));
      }
    }
  } catch (e) {
    expect(e).to.be.instanceOf(ProtocolError);
    return { requests, error: (e as Error).message };
  }
  return { requests, error: null };
}

const decode = (input: Bytes, limits: Partial<DecoderLimits> = {}): Decoded => decodeChunks([input], limits);

function splitAt(input: Buffer, ...offsets: number[]): Buffer[] {
  const cuts = [0, ...offsets, input.length];
  return cuts.slice(1).map((end, i) => input.subarray(cuts[i], end));
}

const byteByByte = (input: Buffer): Buffer[] => [...input].map((b) => Buffer.from([b]));

describe('RequestDecoder', () => {
  describe('multibulk requests', () => {
    it('decodes the arguments of one request', () => {
      expect(decode(multibulk('HBEAT', 'w1', 'hive-a', 'VRAM', '8000000000'))).to.deep.equal({
        requests: [['HBEAT', 'w1', 'hive-a', 'VRAM', '8000000000']],
        error: null,
      });
    });

    it('is binary safe: a bulk may hold CR, LF, NUL and any byte', () => {
      const payload = Buffer.from([0, 13, 10, 255, 128, 42, 36, 13, 10]);
      const decoder = new RequestDecoder();
      decoder.push(multibulk('ECHO', payload));
      const argv = decoder.next();
      expect(argv).to.have.length(2);
      expect(argv![1]!.equals(payload)).to.equal(true);
      expect(decoder.next()).to.equal(null);
    });

    it('decodes an empty bulk as an empty argument', () => {
      expect(decode('*2\r\n$4\r\nECHO\r\n$0\r\n\r\n').requests).to.deep.equal([['ECHO', '']]);
    });

    it('skips `*0`, `*-1` and any other non-positive count, as Redis does', () => {
      expect(decode('*0\r\n*-1\r\n*-5\r\n*1\r\n$4\r\nPING\r\n*0\r\n')).to.deep.equal({ requests: [['PING']], error: null });
    });

    it('skips the two bytes after a bulk payload without checking them, as Redis does', () => {
      expect(decode('*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n').requests).to.deep.equal([['PING'], ['PING']]);
    });

    it('accepts any byte after the CR of a header line, as Redis does', () => {
      expect(decode('*1\rx$4\r\nPING\r\n').requests).to.deep.equal([['PING']]);
    });

    it('decodes many requests from one chunk, in order', () => {
      const chunk = Buffer.concat(Array.from({ length: 2000 }, (_, i) => multibulk('ECHO', `message-${i}`)));
      const { requests, error } = decode(chunk);
      expect(error).to.equal(null);
      expect(requests).to.have.length(2000);
      requests.forEach((argv, i) => expect(argv).to.deep.equal(['ECHO', `message-${i}`]));
    });

    it('returns null until a request is complete, and keeps what it has', () => {
      const request = multibulk('ECHO', 'hello');
      const decoder = new RequestDecoder();
      decoder.push(request.subarray(0, 10));
      expect(decoder.next()).to.equal(null);
      expect(decoder.next()).to.equal(null);
      expect(decoder.pendingBytes).to.equal(10 - '*2\r\n'.length); // the count line is consumed
      decoder.push(request.subarray(10));
      expect(decoder.next()!.map(String)).to.deep.equal(['ECHO', 'hello']);
      expect(decoder.pendingBytes).to.equal(0);
      expect(decoder.next()).to.equal(null);
    });
  });

  describe('inline requests', () => {
    it('decodes `PING\\r\\n` as typed in telnet', () => {
      expect(decode('PING\r\n')).to.deep.equal({ requests: [['PING']], error: null });
    });

    it('accepts a bare \\n as the line end', () => {
      expect(decode('PING\nECHO a\n').requests).to.deep.equal([['PING'], ['ECHO', 'a']]);
    });

    it('splits on runs of spaces and tabs', () => {
      expect(decode('  HBEAT \t w1   hive-a\t\r\n').requests).to.deep.equal([['HBEAT', 'w1', 'hive-a']]);
    });

    it('handles quotes and escapes like redis-cli', () => {
      expect(decode('ECHO "hello world" \'it\\\'s\' "\\x41\\x42\\n"\r\n').requests).to.deep.equal([
        ['ECHO', 'hello world', "it's", 'AB\n'],
      ]);
    });

    it('skips blank and whitespace-only lines', () => {
      expect(decode('\r\n\n   \r\n\t\nPING\r\n\r\n')).to.deep.equal({ requests: [['PING']], error: null });
    });

    it('waits for the end of the line', () => {
      const decoder = new RequestDecoder();
      decoder.push(Buffer.from('PING\r'));
      expect(decoder.next()).to.equal(null);
      decoder.push(Buffer.from('\n'));
      expect(decoder.next()!.map(String)).to.deep.equal(['PING']);
    });

    it('mixes with multibulk requests in one chunk', () => {
      const chunk = Buffer.concat([Buffer.from('PING\r\n'), multibulk('ECHO', 'x'), Buffer.from('ECHO y\n')]);
      expect(decode(chunk).requests).to.deep.equal([['PING'], ['ECHO', 'x'], ['ECHO', 'y']]);
    });

    it("rejects unbalanced quotes with Redis' message", () => {
      expect(decode('ECHO "unterminated\r\n').error).to.equal('Protocol error: unbalanced quotes in request');
      expect(decode("ECHO 'unterminated\r\n").error).to.equal('Protocol error: unbalanced quotes in request');
      expect(decode('ECHO "closed"but-not-ended\r\n').error).to.equal('Protocol error: unbalanced quotes in request');
    });
  });

  describe('chunking', () => {
    const stream = Buffer.concat([
      multibulk('HBEAT', 'w1', 'hive-a', 'VRAM', '100'),
      Buffer.from('PING\r\n'),
      Buffer.from('*0\r\n'),
      Buffer.from('\r\n'),
      multibulk('ECHO', Buffer.from([0, 13, 10, 255])),
      Buffer.from('echo "a b" \'c d\'\n'),
      Buffer.from('*-1\r\n'),
      multibulk('ECHO', ''),
      Buffer.from('   \t \r\n'),
      Buffer.from('echo "\\x41\\x42" x\r\n'),
      multibulk('WORKER.COUNT'),
    ]);
    const expected = decode(stream);

    it('the reference stream decodes as expected in one chunk', () => {
      expect(expected).to.deep.equal({
        requests: [
          ['HBEAT', 'w1', 'hive-a', 'VRAM', '100'],
          ['PING'],
          ['ECHO', '\x00\r\n\xff'],
          ['echo', 'a b', 'c d'],
          ['ECHO', ''],
          ['echo', 'AB', 'x'],
          ['WORKER.COUNT'],
        ],
        error: null,
      });
    });

    it('gives the same requests when split at any byte offset', () => {
      for (let i = 1; i < stream.length; i++) {
        expect(decodeChunks(splitAt(stream, i)), `split at ${i}`).to.deep.equal(expected);
      }
    });

    it('gives the same requests when split at any two byte offsets', () => {
      for (let i = 1; i < stream.length; i++) {
        for (let j = i + 1; j < stream.length; j++) {
          expect(decodeChunks(splitAt(stream, i, j)), `split at ${i} and ${j}`).to.deep.equal(expected);
        }
      }
    });

    it('gives the same requests fed one byte at a time', () => {
      expect(decodeChunks(byteByByte(stream))).to.deep.equal(expected);
    });
  });

  describe('chunking (property)', () => {
    // Any argv as multibulk, or as inline with every byte \xHH-escaped, with requests that decode to nothing
    // in between; cut anywhere, it decodes to exactly the generated argvs.
    const arg = fc.oneof(
      fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
      fc.integer({ min: 32 * 1024 - 2, max: 40 * 1024 }).map((n) => Buffer.alloc(n, 'q')),
    );
    const request = fc.record({
      argv: fc.array(arg, { minLength: 1, maxLength: 5 }),
      asInline: fc.boolean(),
      before: fc.constantFrom('', '', '\r\n', ' \t\n', '*0\r\n', '*-3\r\n'),
    });
    const encode = ({ argv, asInline, before }: { argv: Buffer[]; asInline: boolean; before: string }): Buffer => {
      const body = asInline
        ? Buffer.from(`${argv.map((a) => `"${[...a].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}"`).join(' ')}\r\n`)
        : multibulk(...argv);
      return Buffer.concat([Buffer.from(before), body]);
    };

    it('random requests cut at random offsets decode to the same argvs', () => {
      fc.assert(
        fc.property(fc.array(request, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (requests, offsets) => {
          // Inline lines are capped at 64 KB; keep big arguments to multibulk requests.
          const fitting = requests.map((r) => (r.argv.some((a) => a.length > 1000) ? { ...r, asInline: false } : r));
          const stream = Buffer.concat(fitting.map(encode));
          const cuts = [...new Set(offsets.map((o) => 1 + (o % (stream.length - 1))))]
            .filter((o) => o < stream.length)
            .sort((a, b) => a - b);
          const decoded = decodeChunks(splitAt(stream, ...cuts));
          expect(decoded.error).to.equal(null);
          expect(decoded.requests).to.deep.equal(fitting.map((r) => r.argv.map((a) => a.toString('latin1'))));
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('firstNonUtf8 (the UTF-8 check dispatch makes before a command runs)', () => {
    // ASCII, valid multi-byte UTF-8, and bytes that are not UTF-8 (a lone continuation byte, a cut sequence).
    const arg = fc.oneof(
      fc.uint8Array({ max: 0x7f, maxLength: 12 }).map((a) => Buffer.from(a)),
      fc.string({ unit: 'grapheme', maxLength: 6 }).map((t) => Buffer.from(t, 'utf8')),
      fc.uint8Array({ maxLength: 6 }).map((a) => Buffer.from(a)),
      fc.constantFrom(Buffer.from([0x80]), Buffer.from([0xe2, 0x82]), Buffer.from('é', 'utf8').subarray(0, 1)),
    );
    const expected = (argv: Buffer[], count: number): number => argv.slice(0, count).findIndex((a) => !isUtf8(a));

    it('names the first argument that is not UTF-8, for pipelined requests cut anywhere', () => {
      fc.assert(
        fc.property(
          fc.array(fc.array(arg, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.nat(), { maxLength: 6 }),
          fc.nat(),
          (requests, offsets, countSeed) => {
            const stream = Buffer.concat(requests.map((argv) => multibulk(...argv)));
            const cuts = [...new Set(offsets.map((o) => 1 + (o % (stream.length - 1))))]
              .filter((o) => o < stream.length)
              .sort((a, b) => a - b);
            const decoder = new RequestDecoder();
            const seen: number[] = [];
            const want: number[] = [];
            let next = 0;
            for (const chunk of splitAt(stream, ...cuts)) {
              decoder.push(chunk);
              while (decoder.nextFrame()) {
                const argv = requests[next++]!;
                const count = countSeed % (argv.length + 1);
                seen.push(decoder.firstNonUtf8(argv.length), decoder.firstNonUtf8(count));
                want.push(expected(argv, argv.length), expected(argv, count));
              }
            }
            expect(next).to.equal(requests.length);
            expect(seen).to.deep.equal(want);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('judges the bytes of the latest push when a buffer is pushed again with new bytes', () => {
      const decoder = new RequestDecoder();
      const chunk = multibulk('SET', 'ab', 'cd');
      decoder.push(chunk);
      expect(decoder.nextFrame()).to.equal(true);
      expect(decoder.firstNonUtf8(3)).to.equal(-1);
      chunk[chunk.length - 3] = 0xff; // the last byte of 'cd'
      decoder.push(chunk);
      expect(decoder.nextFrame()).to.equal(true);
      expect(decoder.firstNonUtf8(3)).to.equal(2);
    });
  });

  describe('argDecimal (how HBEAT reads CPU and GPU without making a string)', () => {
    it('reads digits with one point exactly as Number() does, on request bytes and on strings', () => {
      const text = fc.oneof(
        fc.string({ unit: fc.constantFrom(...'0123456789.'), maxLength: 18 }),
        fc.string({ unit: fc.constantFrom(...'0123456789.e-+ x'), maxLength: 18 }),
        fc.double({ min: 0, max: 100, noNaN: true }).map(String),
      );
      fc.assert(
        fc.property(text, (t) => {
          const decoder = new RequestDecoder();
          decoder.push(multibulk('X', t));
          expect(decoder.nextFrame()).to.equal(true);
          const simple = /^([0-9]+\.?[0-9]*|\.[0-9]+)$/.test(t) && t.length <= 15;
          const want = simple ? Number(t) : -1;
          expect(decoder.argDecimal(1), t).to.equal(want);
          expect(new ArgvFrame(['X', t]).argDecimal(1), t).to.equal(want);
        }),
        { numRuns: 2000 },
      );
      // Values whose last digit a naive sum of digit / 10^k gets wrong.
      for (const t of ['0.1', '0.3', '12.5', '99.99', '33.333333333333', '.5', '5.', '007.50', '0.000000000001']) {
        const decoder = new RequestDecoder();
        decoder.push(multibulk('X', t));
        decoder.nextFrame();
        expect(decoder.argDecimal(1), t).to.equal(Number(t));
      }
    });
  });

  describe('big bulk arguments (assembled across chunks)', () => {
    const payload = Buffer.alloc(100 * 1024 + 7);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;

    function decodeBuffers(chunks: Buffer[], limits: Partial<DecoderLimits> = {}): Buffer[][] {
      const decoder = new RequestDecoder({ ...DEFAULT_LIMITS, ...limits });
      const out: Buffer[][] = [];
      for (const chunk of chunks) {
        decoder.push(chunk);
        for (let argv = decoder.next(); argv !== null; argv = decoder.next()) out.push(argv.map((a) => Buffer.from(a)));
      }
      return out;
    }

    it('assembles a 100 KB bulk sent in 1000-byte chunks, and reads the request after it', () => {
      const stream = Buffer.concat([multibulk('ECHO', payload), multibulk('PING')]);
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += 1000) chunks.push(stream.subarray(i, i + 1000));
      const out = decodeBuffers(chunks);
      expect(out).to.have.length(2);
      expect(out[0]![0]!.toString()).to.equal('ECHO');
      expect(out[0]![1]!.equals(payload)).to.equal(true);
      expect(out[1]!.map(String)).to.deep.equal(['PING']);
    });

    it('assembles a request of several big bulks split around every boundary', () => {
      const second = Buffer.alloc(40_000, 'b');
      const stream = Buffer.concat([multibulk('ECHO', payload, second), multibulk('ECHO', 'after')]);
      const headerEnd = stream.indexOf('\r\n', stream.indexOf('$', 15)) + 2;
      const firstEnd = headerEnd + payload.length;
      const offsets = new Set<number>();
      for (const around of [1, 5, 14, headerEnd, firstEnd, firstEnd + 2, firstEnd + 10, stream.length - 30]) {
        for (let d = -3; d <= 3; d++) if (around + d > 0 && around + d < stream.length) offsets.add(around + d);
      }
      for (let i = 997; i < stream.length; i += 997) offsets.add(i);
      for (const i of offsets) {
        const out = decodeBuffers(splitAt(stream, i));
        expect(out, `split at ${i}`).to.have.length(2);
        expect(out[0]![1]!.equals(payload), `split at ${i}`).to.equal(true);
        expect(out[0]![2]!.equals(second), `split at ${i}`).to.equal(true);
        expect(out[1]!.map(String)).to.deep.equal(['ECHO', 'after']);
      }
    });

    it('gives the same bulk either side of the 32 KB threshold', () => {
      for (const length of [32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1]) {
        const arg = Buffer.alloc(length, 'x');
        const stream = multibulk('ECHO', arg);
        for (const cut of [3, 12, 200, length - 1, length + 13, stream.length - 1]) {
          const out = decodeBuffers(splitAt(stream, cut));
          expect(out, `${length} bytes split at ${cut}`).to.have.length(1);
          expect(out[0]![1]!.equals(arg)).to.equal(true);
        }
      }
    });

    it('counts a big bulk being filled in pendingBytes', () => {
      const decoder = new RequestDecoder();
      const stream = multibulk('ECHO', payload);
      decoder.push(stream.subarray(0, 50_000));
      expect(decoder.next()).to.equal(null);
      decoder.push(stream.subarray(50_000, 60_000));
      expect(decoder.next()).to.equal(null);
      // Header lines and CRLFs no longer count; `ECHO` and the payload bytes so far do.
      expect(decoder.pendingBytes).to.equal(60_000 - '*2\r\n$4\r\nECHO\r\n$102407\r\n'.length + 'ECHO'.length);
      decoder.push(stream.subarray(60_000));
      expect(decoder.next()).to.have.length(2);
      expect(decoder.pendingBytes).to.equal(0);
    });
  });

  describe("protocol errors, with Redis' messages", () => {
    const tooLong = 'x'.repeat(64 * 1024 + 1);
    const cases: Array<[string, string, string]> = [
      ['a count that is not a number', '*abc\r\n', 'Protocol error: invalid multibulk length'],
      ['a count above the limit', '*99999999999\r\n', 'Protocol error: invalid multibulk length'],
      ['a count with a leading zero', '*01\r\n', 'Protocol error: invalid multibulk length'],
      ['a count with a plus sign', '*+1\r\n', 'Protocol error: invalid multibulk length'],
      ['a count of minus zero', '*-0\r\n', 'Protocol error: invalid multibulk length'],
      ['an empty count', '*\r\n', 'Protocol error: invalid multibulk length'],
      ['a count with a space', '* 1\r\n', 'Protocol error: invalid multibulk length'],
      ['a count of 21 digits', `*${'1'.repeat(21)}\r\n`, 'Protocol error: invalid multibulk length'],
      ['a negative bulk length', '*1\r\n$-5\r\n', 'Protocol error: invalid bulk length'],
      ['a bulk length of minus zero', '*1\r\n$-0\r\n\r\n', 'Protocol error: invalid bulk length'],
      ['a bulk length of -1', '*1\r\n$-1\r\n', 'Protocol error: invalid bulk length'],
      ['a bulk length that is not a number', '*1\r\n$abc\r\n', 'Protocol error: invalid bulk length'],
      ['an empty bulk length', '*1\r\n$\r\n', 'Protocol error: invalid bulk length'],
      ['a bulk length above the limit', `*1\r\n$${DEFAULT_LIMITS.maxBulkLength + 1}\r\n`, 'Protocol error: invalid bulk length'],
      ['a bulk length past 2^53', '*1\r\n$99999999999999999999\r\n', 'Protocol error: invalid bulk length'],
      ['something else than a bulk', '*1\r\nx\r\n', "Protocol error: expected '$', got 'x'"],
      ['an integer instead of a bulk', '*2\r\n$4\r\nECHO\r\n:1\r\n', "Protocol error: expected '$', got ':'"],
      ['an inline line inside a multibulk', '*2\r\n$4\r\nECHO\r\nPING\r\n', "Protocol error: expected '$', got 'P'"],
      ['an inline line over 64 KB', tooLong, 'Protocol error: too big inline request'],
      ['an inline line over 64 KB with its newline', `${tooLong}\r\n`, 'Protocol error: too big inline request'],
      ['a count line over 64 KB', `*${tooLong}`, 'Protocol error: too big mbulk count string'],
      ['a bulk length line over 64 KB', `*1\r\n$${tooLong}`, 'Protocol error: too big bulk count string'],
      ['unbalanced quotes', 'ECHO "a\r\n', 'Protocol error: unbalanced quotes in request'],
    ];

    for (const [what, input, message] of cases) {
      it(`${what}: ${message}`, () => {
        // A good request before the bad one is still decoded first.
        const stream = Buffer.concat([Buffer.from('PING\r\n'), bytes(input), multibulk('ECHO', 'never')]);
        expect(decode(stream)).to.deep.equal({ requests: [['PING']], error: message });
      });
    }

    it('gives the same error however the bad bytes are chunked', () => {
      for (const [what, input, message] of cases) {
        const stream = Buffer.concat([Buffer.from('PING\r\n'), bytes(input), multibulk('ECHO', 'never')]);
        const offsets = stream.length < 200 ? [...stream.keys()].slice(1) : [1, 6, 7, 8, 9, 1000, stream.length - 3];
        for (const i of offsets) {
          expect(decodeChunks(splitAt(stream, i)), `${what}, split at ${i}`).to.deep.equal({ requests: [['PING']], error: message });
        }
        if (stream.length < 200) {
          expect(decodeChunks(byteByByte(stream)), `${what}, byte by byte`).to.deep.equal({ requests: [['PING']], error: message });
        }
      }
    });

    it('yields nothing more after an error', () => {
      const decoder = new RequestDecoder();
      decoder.push(Buffer.from('*abc\r\nPING\r\n'));
      expect(() => decoder.next()).to.throw(ProtocolError, 'invalid multibulk length');
      expect(decoder.next()).to.equal(null);
      decoder.push(Buffer.from('PING\r\n'));
      expect(decoder.next()).to.equal(null);
    });

    it('accepts a bulk length exactly at the limit (and waits for its bytes)', () => {
      const decoder = new RequestDecoder();
      decoder.push(Buffer.from(`*1\r\n$${DEFAULT_LIMITS.maxBulkLength}\r\nabc`));
      expect(decoder.next()).to.equal(null);
      expect(decoder.pendingBytes).to.equal(3);
    });
  });

  describe('before authentication', () => {
    let authRequired = true;
    const decoder = () => new RequestDecoder(DEFAULT_LIMITS, () => authRequired);
    const drain = (d: RequestDecoder, input: Buffer): string => {
      d.push(input);
      try {
        let n = 0;
        while (d.next() !== null) n++;
        return `${n} requests`;
      } catch (e) {
        return (e as Error).message;
      }
    };
    beforeEach(() => {
      authRequired = true;
    });

    it('caps a request at 10 arguments, as Redis does', () => {
      const args = (n: number) => Array.from({ length: n }, () => 'x');
      expect(drain(decoder(), multibulk(...args(10)))).to.equal('1 requests');
      expect(drain(decoder(), multibulk(...args(11)))).to.equal('Protocol error: unauthenticated multibulk length');
    });

    it('caps a bulk at 16 KB, as Redis does, before allocating it', () => {
      expect(drain(decoder(), multibulk('AUTH', 'x'.repeat(16384)))).to.equal('1 requests');
      expect(drain(decoder(), Buffer.from('*2\r\n$4\r\nAUTH\r\n$16385\r\n'))).to.equal('Protocol error: unauthenticated bulk length');
    });

    it('holds at most 1 MB of unparsed requests, whatever client-query-buffer-limit says', () => {
      const pipeline = Buffer.from('PING\r\n'.repeat(Math.ceil((1024 * 1024 + 1) / 6)));
      const d = decoder();
      expect(() => d.push(pipeline)).to.throw(
        `Protocol error: client query buffer of ${pipeline.length} bytes exceeds the limit of 1048576 bytes`,
      );
      authRequired = false;
      const authed = decoder();
      authed.push(pipeline);
      expect(authed.pendingBytes).to.equal(pipeline.length);
    });

    it('lifts the caps once the client is authenticated', () => {
      const d = decoder();
      expect(drain(d, multibulk('AUTH', 'secret'))).to.equal('1 requests');
      authRequired = false;
      expect(drain(d, multibulk('ECHO', 'x'.repeat(20_000), ...Array.from({ length: 10 }, () => 'y')))).to.equal('1 requests');
    });
  });

  describe('configured limits', () => {
    it('maxBulkLength', () => {
      const limits = { maxBulkLength: 10 };
      expect(decode(multibulk('ECHO', '0123456789'), limits)).to.deep.equal({ requests: [['ECHO', '0123456789']], error: null });
      expect(decode(multibulk('ECHO', '0123456789a'), limits).error).to.equal('Protocol error: invalid bulk length');
    });

    it('maxMultibulkLength', () => {
      const limits = { maxMultibulkLength: 3 };
      expect(decode(multibulk('ECHO', 'a', 'b'), limits).requests).to.deep.equal([['ECHO', 'a', 'b']]);
      expect(decode(multibulk('ECHO', 'a', 'b', 'c'), limits).error).to.equal('Protocol error: invalid multibulk length');
    });

    it('maxInlineLength, for inline lines and for header lines', () => {
      const limits = { maxInlineLength: 16 };
      const line = 'ECHO 0123456789'; // 15 bytes + CR = 16 before the LF
      expect(decode(`${line}\r\n`, limits).requests).to.deep.equal([['ECHO', '0123456789']]);
      expect(decode(`${line}x\r\n`, limits).error).to.equal('Protocol error: too big inline request');
      expect(decodeChunks(['ECHO', ' 0123456789xx'], limits).error).to.equal('Protocol error: too big inline request');
      expect(decode(`*${'1'.repeat(17)}`, limits).error).to.equal('Protocol error: too big mbulk count string');
      expect(decode(`*1\r\n$${'1'.repeat(17)}`, limits).error).to.equal('Protocol error: too big bulk count string');
      expect(decode(multibulk('ECHO', 'x'.repeat(100)), limits).requests).to.deep.equal([['ECHO', 'x'.repeat(100)]]);
    });

    it('maxQueryBuffer: unparsed bytes of a request in progress', () => {
      const limits = { maxQueryBuffer: 1000 };
      // Complete requests, however many, do not count once decoded.
      const many = Array.from({ length: 100 }, () => multibulk('ECHO', 'x'.repeat(5)));
      expect(decodeChunks(many, limits).requests).to.have.length(100);
      // A request that fits passes however it is chunked; one that does not fails however it is chunked.
      const fits = multibulk('ECHO', 'x'.repeat(900));
      for (let i = 1; i < fits.length; i += 7) expect(decodeChunks(splitAt(fits, i), limits).error).to.equal(null);
      const tooBig = multibulk('ECHO', 'x'.repeat(2000));
      expect(decodeChunks([tooBig], limits).error).to.equal(
        'Protocol error: client query buffer of 2023 bytes exceeds the limit of 1000 bytes',
      );
      for (let i = 1; i < tooBig.length; i += 7) {
        expect(decodeChunks(splitAt(tooBig, i), limits).error, `split at ${i}`).to.match(
          /^Protocol error: client query buffer of \d+ bytes exceeds the limit of 1000 bytes$/,
        );
      }
      // Arguments already read count too: 604 bytes of ECHO and a's, then 608 bytes of the next bulk.
      const threeArgs = multibulk('ECHO', 'a'.repeat(600), 'b'.repeat(600));
      expect(decodeChunks(splitAt(threeArgs, 700), limits).error).to.equal(
        'Protocol error: client query buffer of 1212 bytes exceeds the limit of 1000 bytes',
      );
    });

    it('maxQueryBuffer: a big bulk being filled counts, however it is chunked', () => {
      const limits = { maxQueryBuffer: 1000 };
      const request = multibulk('ECHO', Buffer.alloc(40_000, 'x'));
      const chunks: Buffer[] = [];
      for (let i = 0; i < request.length; i += 500) chunks.push(request.subarray(i, i + 500));
      expect(decodeChunks(chunks, limits).error).to.match(
        /^Protocol error: client query buffer of \d+ bytes exceeds the limit of 1000 bytes$/,
      );
      expect(decodeChunks([request], limits).error).to.match(
        /^Protocol error: client query buffer of \d+ bytes exceeds the limit of 1000 bytes$/,
      );
    });

    it('reads limit changes made after it was created (CONFIG SET)', () => {
      const limits: DecoderLimits = { ...DEFAULT_LIMITS };
      const decoder = new RequestDecoder(limits);
      decoder.push(multibulk('ECHO', 'abcdef'));
      expect(decoder.next()).to.have.length(2);
      limits.maxBulkLength = 5;
      decoder.push(multibulk('ECHO', 'abcdef'));
      expect(() => decoder.next()).to.throw(ProtocolError, 'Protocol error: invalid bulk length');
    });
  });
});
