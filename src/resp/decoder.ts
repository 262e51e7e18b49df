// Request decoder: bytes from a client socket → argv arrays (multibulk `*N\r\n$len\r\n...` or inline
// `PING\r\n`), following Redis' networking.c: the same limits, the same protocol error messages.
//
// Written by hand on purpose: redis-parser is a *reply* parser (it rejects inline commands, has no size
// limits and throws a RangeError on `*99999999999\r\n`), and a server must treat every byte as hostile.
// It works on Buffers by offset and copies only what a partial frame forces it to keep.

import { isAscii, isUtf8 } from 'node:buffer';
import { splitArgs } from './inline.js';
import { DECIMAL_MAX, decimalOf, parseStrictInt } from './numbers.js';

export { splitArgs };

export interface DecoderLimits {
  /** Longest bulk argument accepted (Redis: proto-max-bulk-len, 512 MB). */
  maxBulkLength: number;
  /** Most arguments in one multibulk request (Redis: INT_MAX). */
  maxMultibulkLength: number;
  /** Longest inline request or header line without a newline (Redis: PROTO_INLINE_MAX_SIZE, 64 KB). */
  maxInlineLength: number;
  /** Most unparsed bytes held for one client (Redis: client-query-buffer-limit, 1 GB). */
  maxQueryBuffer: number;
}

export const DEFAULT_LIMITS: DecoderLimits = {
  maxBulkLength: 16 * 1024 * 1024,
  maxMultibulkLength: 1024 * 1024,
  maxInlineLength: 64 * 1024,
  maxQueryBuffer: 64 * 1024 * 1024,
};

const UNAUTHENTICATED_QUERY_BUFFER = 1024 * 1024;

/** A malformed request. The connection replies `-ERR <message>` and closes, as Redis does. */
export class ProtocolError extends Error {}

/** Node's Buffer has these fast paths (used by toString); they skip its argument checks. */
interface FastSlices {
  utf8Slice(start: number, end: number): string;
}

/** Bulk arguments at least this long are assembled in their own buffer instead of by re-concatenation. */
const LARGE_BULK = 32 * 1024;

/** Header bytes scanned for '\r' in JavaScript before indexOf takes over (a valid header is at most 22). */
const HEADER_SCAN = 24;

const CR = 13;
const LF = 10;

/** One decoded request: its arguments, read on demand as strings or bytes. */
export interface RequestFrame {
  readonly frameLength: number;
  argString(i: number): string;
  argBuffer(i: number): Buffer;
  /** Byte length of argument i. */
  argLength(i: number): number;
  /** Whether argument i equals `token` (upper-case ASCII) ignoring ASCII case, without making a string. */
  argIsToken(i: number, token: Uint8Array): boolean;
  /** Whether argument i is exactly these bytes. */
  argIs(i: number, bytes: Uint8Array): boolean;
  /** Whether argument i begins with these bytes. */
  argStartsWith(i: number, bytes: Uint8Array): boolean;
  /** Argument i as a non-negative decimal integer (no sign, no leading zeros), or -1 if it is not one. */
  argUint(i: number): number;
  /**
   * Argument i as a number when it is digits with at most one '.' (`12`, `12.5`, `.5`, `5.`) and at most 15
   * bytes, exactly as Number() reads that text; else -1 (other forms go to the string parsers).
   */
  argDecimal(i: number): number;
  /** The first of arguments [0, count) that is not valid UTF-8 (so cannot be read as text without loss), or -1. */
  firstNonUtf8(count: number): number;
}

export class RequestDecoder implements RequestFrame {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  // The request being read, and then the last complete one: each argument is bytes [start, end) of a
  // buffer (usually the socket chunk itself, so nothing is copied). The arrays are reused across requests.
  private inMultibulk = false;
  private argBufs: Buffer[] = [];
  private argStarts: number[] = [];
  private argEnds: number[] = [];
  private argc = 0;
  private remaining = 0;
  // A large bulk argument being filled across chunks.
  private big: Buffer | null = null;
  private bigFilled = 0;
  // Bytes of the arguments already read: they still count against the query buffer limit.
  private argvBytes = 0;
  private failed = false;
  // The last buffer checked whole for ASCII since the last push, and the answer (see firstNonUtf8).
  private asciiOf: Buffer | null = null;
  private asciiIs = false;

  /**
   * `authRequired` tells whether the client still has to authenticate: until it does, Redis caps a request at
   * 10 arguments of 16 KB so an unauthenticated client cannot make the server allocate much.
   */
  constructor(
    private readonly limits: DecoderLimits = DEFAULT_LIMITS,
    private readonly authRequired: () => boolean = () => false,
  ) {}

  /** Unparsed bytes held for this client (its query buffer). */
  get pendingBytes(): number {
    return this.buf.length - this.pos + this.bigFilled + this.argvBytes;
  }

  /** Adds bytes from the socket. Throws ProtocolError when the query buffer limit is passed. */
  push(chunk: Buffer): void {
    if (this.failed) return;
    // A caller may refill a buffer it pushed before: the ASCII answer is only trusted until the next push.
    this.asciiOf = null;
    if (this.big) {
      const need = this.big.length - this.bigFilled;
      const n = Math.min(need, chunk.length);
      chunk.copy(this.big, this.bigFilled, 0, n);
      this.bigFilled += n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length === 0) {
      // All of it went into the big bulk; checked below like any other buffered byte.
    } else if (this.pos >= this.buf.length) {
      this.buf = chunk;
      this.pos = 0;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
      this.pos = 0;
    }
    // Before authentication Redis holds at most 1 MB for a client, whatever client-query-buffer-limit says.
    const limit = this.authRequired() ? Math.min(UNAUTHENTICATED_QUERY_BUFFER, this.limits.maxQueryBuffer) : this.limits.maxQueryBuffer;
    if (this.pendingBytes > limit) {
      this.failed = true;
      throw new ProtocolError(`Protocol error: client query buffer of ${this.pendingBytes} bytes exceeds the limit of ${limit} bytes`);
    }
  }

  /** The next complete request as buffers, or null when more bytes are needed (see nextFrame). */
  next(): Buffer[] | null {
    if (!this.nextFrame()) return null;
    const out = new Array<Buffer>(this.argc);
    for (let i = 0; i < this.argc; i++) out[i] = this.argBuffer(i);
    return out;
  }

  /**
   * Reads the next complete request; false when more bytes are needed. Its arguments are then read with
   * frameLength / argString / argBuffer, until the next call. An empty request (blank inline line, `*0`,
   * `*-1`) is skipped as Redis does. Throws ProtocolError on malformed input; after that the decoder yields
   * nothing more.
   */
  nextFrame(): boolean {
    if (this.failed) return false;
    try {
      for (;;) {
        if (!this.inMultibulk) {
          if (this.pos >= this.buf.length) return false;
          if (this.buf[this.pos] === 42 /* '*' */) {
            if (!this.startMultibulk()) return false;
            if (!this.inMultibulk) continue; // empty multibulk: skip
          } else {
            const inline = this.inline();
            if (inline === null) return false;
            if (inline.length === 0) continue;
            for (let i = 0; i < inline.length; i++) this.setArg(i, inline[i]!, 0, inline[i]!.length);
            this.argc = inline.length;
            return true;
          }
        }
        if (!this.fillMultibulk()) return false;
        this.inMultibulk = false;
        this.argvBytes = 0;
        return true;
      }
    } catch (e) {
      this.failed = true;
      throw e;
    }
  }

  /** Number of arguments of the current request. */
  get frameLength(): number {
    return this.argc;
  }

  /** Argument i of the current request as a UTF-8 string, decoded straight from the socket bytes. */
  argString(i: number): string {
    return (this.argBufs[i] as unknown as FastSlices).utf8Slice(this.argStarts[i]!, this.argEnds[i]!);
  }

  /** Argument i of the current request as bytes (a view, not a copy). */
  argBuffer(i: number): Buffer {
    return this.argBufs[i]!.subarray(this.argStarts[i], this.argEnds[i]);
  }

  argLength(i: number): number {
    return this.argEnds[i]! - this.argStarts[i]!;
  }

  argIsToken(i: number, token: Uint8Array): boolean {
    const start = this.argStarts[i]!;
    if (this.argEnds[i]! - start !== token.length) return false;
    const buf = this.argBufs[i]!;
    for (let j = 0; j < token.length; j++) {
      let c = buf[start + j]!;
      if (c >= 97 && c <= 122) c -= 32;
      if (c !== token[j]) return false;
    }
    return true;
  }

  argIs(i: number, bytes: Uint8Array): boolean {
    const start = this.argStarts[i]!;
    if (this.argEnds[i]! - start !== bytes.length) return false;
    const buf = this.argBufs[i]!;
    for (let j = 0; j < bytes.length; j++) if (buf[start + j] !== bytes[j]) return false;
    return true;
  }

  argStartsWith(i: number, bytes: Uint8Array): boolean {
    const start = this.argStarts[i]!;
    if (this.argEnds[i]! - start < bytes.length) return false;
    const buf = this.argBufs[i]!;
    for (let j = 0; j < bytes.length; j++) if (buf[start + j] !== bytes[j]) return false;
    return true;
  }

  argUint(i: number): number {
    const start = this.argStarts[i]!;
    const end = this.argEnds[i]!;
    if (end === start || end - start > 16) return -1;
    const buf = this.argBufs[i]!;
    if (buf[start] === 48 /* '0' */ && end - start > 1) return -1;
    let n = 0;
    for (let j = start; j < end; j++) {
      const d = buf[j]! - 48;
      if (d < 0 || d > 9) return -1;
      n = n * 10 + d;
    }
    return n <= Number.MAX_SAFE_INTEGER ? n : -1;
  }

  argDecimal(i: number): number {
    const start = this.argStarts[i]!;
    const end = this.argEnds[i]!;
    return end - start > DECIMAL_MAX ? -1 : decimalOf(this.argBufs[i]!, start, end);
  }

  firstNonUtf8(count: number): number {
    if (count === 0) return -1;
    // Usually every argument lies in one socket chunk, and requests are ASCII (heartbeats): one native check of
    // the whole chunk answers for every request in it (16 at -P 16), where a JavaScript scan cost about 1.5 ns a
    // byte per request. Otherwise one check of the span from the first argument to the last: the framing between
    // arguments is ASCII, so a multi-byte sequence cannot run across it, and the span is valid UTF-8 exactly
    // when each argument is. Only a request that fails that goes argument by argument, to name the bad one.
    const first = this.argBufs[0]!;
    let oneBuffer = true;
    for (let i = 1; i < count && oneBuffer; i++) oneBuffer = this.argBufs[i] === first;
    if (oneBuffer) {
      if (first !== this.asciiOf) {
        this.asciiOf = first;
        this.asciiIs = isAscii(first);
      }
      if (this.asciiIs || isUtf8(first.subarray(this.argStarts[0], this.argEnds[count - 1]))) return -1;
    }
    for (let i = 0; i < count; i++) if (!isUtf8(this.argBufs[i]!.subarray(this.argStarts[i], this.argEnds[i]))) return i;
    return -1;
  }

  private setArg(i: number, buf: Buffer, start: number, end: number): void {
    this.argBufs[i] = buf;
    this.argStarts[i] = start;
    this.argEnds[i] = end;
  }

  private lineEnd(from: number, what: string): number {
    // A header line is a few bytes (`$19`): a scan here finds its '\r' sooner than a call into native code (two
    // such calls per argument were about a tenth of the decoder's time). Longer lines go to indexOf.
    const buf = this.buf;
    const stop = Math.min(buf.length, from + HEADER_SCAN);
    let cr = from;
    while (cr < stop && buf[cr] !== CR) cr++;
    if (cr === stop) cr = stop === buf.length ? -1 : buf.indexOf(CR, stop);
    if (cr === -1) {
      if (this.buf.length - from > this.limits.maxInlineLength) {
        throw new ProtocolError(`Protocol error: too big ${what} count string`);
      }
      return -1;
    }
    if (cr - from > this.limits.maxInlineLength) {
      throw new ProtocolError(`Protocol error: too big ${what} count string`);
    }
    // The '\n' after the '\r' must have arrived too.
    if (cr + 1 >= this.buf.length) return -1;
    return cr;
  }

  /** Reads `*N\r\n`. Returns false when more bytes are needed. */
  private startMultibulk(): boolean {
    const cr = this.lineEnd(this.pos, 'mbulk');
    if (cr === -1) return false;
    const n = parseStrictInt(this.buf, this.pos + 1, cr);
    if (n === null || n > this.limits.maxMultibulkLength) {
      throw new ProtocolError('Protocol error: invalid multibulk length');
    }
    if (n > 10 && this.authRequired()) throw new ProtocolError('Protocol error: unauthenticated multibulk length');
    this.pos = cr + 2;
    if (n <= 0) {
      this.inMultibulk = false;
      return true;
    }
    this.inMultibulk = true;
    this.argc = 0;
    this.remaining = n;
    return true;
  }

  /** Reads `$len\r\n<bytes>\r\n` until the multibulk is complete. Returns false when more bytes are needed. */
  private fillMultibulk(): boolean {
    while (this.remaining > 0) {
      if (this.big) {
        if (this.bigFilled < this.big.length) return false;
        this.setArg(this.argc++, this.big, 0, this.big.length - 2);
        this.argvBytes += this.big.length;
        this.big = null;
        this.bigFilled = 0;
        this.remaining--;
        continue;
      }
      if (this.pos >= this.buf.length) return false;
      const cr = this.lineEnd(this.pos, 'bulk');
      if (cr === -1) return false;
      if (this.buf[this.pos] !== 36 /* '$' */) {
        throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(this.buf[this.pos]!)}'`);
      }
      const len = parseStrictInt(this.buf, this.pos + 1, cr);
      if (len === null || len < 0 || len > this.limits.maxBulkLength) {
        throw new ProtocolError('Protocol error: invalid bulk length');
      }
      if (len > 16384 && this.authRequired()) throw new ProtocolError('Protocol error: unauthenticated bulk length');
      const start = cr + 2;
      const end = start + len;
      if (end + 2 <= this.buf.length) {
        // Redis skips the two bytes after the payload without looking at them; so do we.
        this.setArg(this.argc++, this.buf, start, end);
        this.argvBytes += len;
        this.pos = end + 2;
        this.remaining--;
        continue;
      }
      if (len >= LARGE_BULK) {
        // Assemble the payload (and its CRLF) in one allocation instead of re-concatenating per chunk.
        this.big = Buffer.allocUnsafe(len + 2);
        this.bigFilled = this.buf.copy(this.big, 0, start);
        this.pos = this.buf.length;
        continue;
      }
      return false; // wait for the rest of this small bulk
    }
    return true;
  }

  /** Reads an inline request (`PING\r\n`, `set "a b" c\n`). Returns null when more bytes are needed. */
  private inline(): Buffer[] | null {
    const lf = this.buf.indexOf(LF, this.pos);
    if (lf === -1) {
      if (this.buf.length - this.pos > this.limits.maxInlineLength) {
        throw new ProtocolError('Protocol error: too big inline request');
      }
      return null;
    }
    if (lf - this.pos > this.limits.maxInlineLength) {
      throw new ProtocolError('Protocol error: too big inline request');
    }
    let end = lf;
    if (end > this.pos && this.buf[end - 1] === CR) end--;
    const args = splitArgs(this.buf, this.pos, end);
    this.pos = lf + 1;
    if (args === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    return args;
  }
}
