// Reply encoder: turns a Reply value into RESP2 or RESP3 bytes. One ReplyWriter collects every reply of a
// read batch so the connection can write them with a single socket write.

import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArray,
  PushReply,
  RawReply,
  type Reply,
  ReplySequence,
  SetReply,
  SimpleString,
  VerbatimReply,
} from './reply.js';

export type Protocol = 2 | 3;

const CRLF = '\r\n';

/** Redis never lets CR or LF into a status or error line; it replaces each with a space. */
function oneLine(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/[\r\n]/g, ' ') : s;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function formatDouble(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

/** Past this many UTF-16 units the text run is closed and queued, so no string nears V8's length limit. */
const TEXT_RUN_LIMIT = 64 * 1024;
/** Strings at least this long are queued as parts of their own instead of joining the text run. */
const LARGE_STRING = 16 * 1024;
/** Arrays, maps and sets with more elements than this are encoded as the socket drains (see ReplyStream). */
const STREAM_ELEMENTS = 64;

type Part = string | Buffer | ReplyStream;

/**
 * Accumulates encoded replies, in order: a queue of finished parts (strings, buffers, replies still to be
 * encoded) followed by the current text run. Small replies join the text run (V8 ropes make that cheap);
 * long strings, binary payloads and large containers become parts of their own, so a reply of any size is
 * written in pieces and never built as one string (V8 caps strings near 512 MB) or one buffer.
 */
export class ReplyWriter {
  private text = '';
  private parts: Part[] = [];
  /** Bytes (UTF-16 units for strings) held in `parts`, not counting replies still to be encoded. */
  private size = 0;
  private streams = 0;

  constructor(public proto: Protocol = 2) {}

  /** Encoded bytes buffered so far (approximate for non-ASCII text: counts UTF-16 units). */
  get pendingLength(): number {
    return this.size + this.text.length;
  }

  get isEmpty(): boolean {
    return this.text.length === 0 && this.parts.length === 0;
  }

  /**
   * pendingLength plus an estimate of what the replies still to be encoded will take (from the size of what
   * they encoded so far): what Redis would hold in the client's output buffer, for its limits and `omem`.
   */
  get estimatedLength(): number {
    let n = this.pendingLength;
    if (this.streams > 0) for (const p of this.parts) if (p instanceof ReplyStream) n += p.remainingEstimate();
    return n;
  }

  /** A large reply is still being encoded: the caller should let the socket drain before adding much more. */
  get streaming(): boolean {
    return this.streams > 0;
  }

  /** Drops everything pending (the connection is being closed after a failure). */
  clear(): void {
    this.text = '';
    this.parts = [];
    this.size = 0;
    this.streams = 0;
  }

  /**
   * The next piece to write, about `budget` bytes at most for the parts it encodes itself (a long string
   * or buffer from a handler goes whole), or null when nothing is pending.
   */
  takeChunk(budget = 256 * 1024): string | Buffer | null {
    while (this.parts.length > 0) {
      const head = this.parts[0]!;
      if (head instanceof ReplyStream) {
        const chunk = head.next(budget);
        if (head.done) {
          this.parts.shift();
          this.streams--;
        }
        if (chunk !== null) return chunk;
        continue;
      }
      this.parts.shift();
      this.size -= head.length;
      return head;
    }
    if (this.text.length === 0) return null;
    const out = this.text;
    this.text = '';
    return out;
  }

  /** Everything written since the last take(), as one string when no binary part was added (tests, small replies). */
  take(): string | Buffer {
    const chunks: Array<string | Buffer> = [];
    for (let c = this.takeChunk(); c !== null; c = this.takeChunk()) chunks.push(c);
    if (chunks.length === 0) return '';
    if (chunks.every((c) => typeof c === 'string')) return chunks.join('');
    // One part (a cached reply alone in the batch): hand it over as it is. Nothing writes into reply bytes.
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c, 'utf8') : c)));
  }

  private closeText(): void {
    if (this.text.length > 0) {
      this.parts.push(this.text);
      this.size += this.text.length;
      this.text = '';
    }
  }

  private pushPart(part: string | Buffer): void {
    this.closeText();
    this.parts.push(part);
    this.size += part.length;
  }

  private pushBuffer(b: Buffer): void {
    this.pushPart(b);
  }

  /** A bulk string: long ones are queued whole, never copied into the text run. */
  private bulk(s: string): void {
    if (s.length < LARGE_STRING) {
      this.text += '$' + Buffer.byteLength(s, 'utf8') + CRLF + s + CRLF;
      return;
    }
    this.text += '$' + Buffer.byteLength(s, 'utf8') + CRLF;
    this.pushPart(s);
    this.text += CRLF;
  }

  /** Writes one reply; a large array, map or set is queued and encoded piece by piece by takeChunk(). */
  write(r: Reply): void {
    if (typeof r === 'object' && r !== null && containerSize(r) > STREAM_ELEMENTS) {
      this.closeText();
      this.parts.push(new ReplyStream(r, this.proto));
      this.streams++;
      return;
    }
    this.encode(r);
  }

  /** Encodes a reply into the text run and parts, all at once. */
  encode(r: Reply): void {
    if (this.text.length > TEXT_RUN_LIMIT) this.closeText();
    if (typeof r === 'string') {
      this.bulk(r);
      return;
    }
    if (typeof r === 'number') {
      // Non-integers reaching here are a handler bug; encode them as a double rather than corrupt the stream.
      // Past int64 (and past 1e21, where String() switches to exponent form) it is a big number.
      if (Number.isInteger(r)) {
        if (r >= -(2 ** 63) && r < 2 ** 63) this.text += ':' + r + CRLF;
        else this.write(BigInt(r));
      } else this.write(new DoubleReply(r));
      return;
    }
    if (r === null) {
      this.text += this.proto === 3 ? '_\r\n' : '$-1\r\n';
      return;
    }
    if (r instanceof RawReply) {
      // `text` is latin1: only ASCII survives the UTF-8 encoding of the text run.
      // Long ones go as bytes, so they are not encoded again at the socket write.
      if (r.ascii && r.bytes.length < 1024) this.text += r.text;
      else this.pushBuffer(r.bytes);
      return;
    }
    if (Array.isArray(r)) {
      this.text += '*' + r.length + CRLF;
      const items = r as readonly Reply[];
      for (let i = 0; i < items.length; i++) this.write(items[i]!);
      return;
    }
    if (r instanceof MapReply) {
      const n = r.entries.length;
      this.text += this.proto === 3 ? '%' + n + CRLF : '*' + n * 2 + CRLF;
      for (let i = 0; i < n; i++) {
        const e = r.entries[i]!;
        this.write(e[0]);
        this.write(e[1]);
      }
      return;
    }
    if (r instanceof ErrorReply) {
      this.text += '-' + oneLine(r.message) + CRLF;
      return;
    }
    if (r instanceof SimpleString) {
      this.text += '+' + oneLine(r.value) + CRLF;
      return;
    }
    if (Buffer.isBuffer(r)) {
      this.text += '$' + r.length + CRLF;
      this.pushBuffer(r);
      this.text += CRLF;
      return;
    }
    if (typeof r === 'bigint') {
      const digits = r.toString();
      // A RESP integer is an int64; beyond that Redis' addReplyBigNum sends `(` (RESP3) or a bulk string (RESP2).
      if (r >= INT64_MIN && r <= INT64_MAX) this.text += ':' + digits + CRLF;
      else this.text += this.proto === 3 ? '(' + digits + CRLF : '$' + digits.length + CRLF + digits + CRLF;
      return;
    }
    if (r instanceof DoubleReply) {
      const s = formatDouble(r.value);
      this.text += this.proto === 3 ? ',' + s + CRLF : '$' + s.length + CRLF + s + CRLF;
      return;
    }
    if (r instanceof SetReply) {
      this.text += (this.proto === 3 ? '~' : '*') + r.items.length + CRLF;
      for (const item of r.items) this.write(item);
      return;
    }
    if (r instanceof PushReply) {
      this.text += (this.proto === 3 ? '>' : '*') + r.items.length + CRLF;
      for (const item of r.items) this.write(item);
      return;
    }
    if (r instanceof BoolReply) {
      this.text += this.proto === 3 ? (r.value ? '#t\r\n' : '#f\r\n') : r.value ? ':1\r\n' : ':0\r\n';
      return;
    }
    if (r instanceof VerbatimReply) {
      if (this.proto === 3) {
        // Header and text apart: the text may be near the string length limit on its own.
        this.text += '=' + (r.format.length + 1 + Buffer.byteLength(r.text, 'utf8')) + CRLF + r.format + ':';
        if (r.text.length < LARGE_STRING) this.text += r.text;
        else this.pushPart(r.text);
        this.text += CRLF;
      } else {
        this.write(r.text);
      }
      return;
    }
    if (r instanceof ReplySequence) {
      for (const item of r.replies) this.write(item);
      return;
    }
    if (r instanceof NullArray) {
      this.text += this.proto === 3 ? '_\r\n' : '*-1\r\n';
      return;
    }
    throw new TypeError('unencodable reply value');
  }
}

/** Elements of an array, map or set reply (0 for anything else). */
function containerSize(r: object): number {
  if (Array.isArray(r)) return r.length;
  if (r instanceof MapReply) return r.entries.length;
  if (r instanceof SetReply || r instanceof PushReply) return r.items.length;
  return 0;
}

/**
 * A large array, map or set being encoded a slice at a time, as the connection asks for more: the socket's
 * backpressure then bounds how much encoded output exists at once. The element list is copied (shallowly)
 * when the reply is written, so the client gets the value the command returned even if the handler's
 * arrays change later; elements are immutable values or freshly built records.
 */
class ReplyStream {
  private readonly items: Reply[];
  private index = 0;
  private readonly inner: ReplyWriter;
  /** Bytes (UTF-16 units for strings) encoded so far, to estimate the rest. */
  private encoded = 0;
  done = false;

  constructor(r: Reply, proto: Protocol) {
    this.inner = new ReplyWriter(proto);
    let header: string;
    if (Array.isArray(r)) {
      this.items = (r as readonly Reply[]).slice();
      header = '*' + r.length;
    } else if (r instanceof MapReply) {
      this.items = r.entries.flat();
      header = proto === 3 ? '%' + r.entries.length : '*' + r.entries.length * 2;
    } else if (r instanceof SetReply) {
      this.items = r.items.slice();
      header = (proto === 3 ? '~' : '*') + r.items.length;
    } else if (r instanceof PushReply) {
      this.items = r.items.slice();
      header = (proto === 3 ? '>' : '*') + r.items.length;
    } else throw new TypeError('unencodable reply value');
    this.inner.encode(new RawReply(Buffer.from(header + CRLF)));
  }

  /** Encodes elements until about `budget` bytes are ready, and returns the next piece (null: none yet). */
  next(budget: number): string | Buffer | null {
    const inner = this.inner;
    while (this.index < this.items.length && inner.pendingLength < budget && !inner.streaming) {
      inner.write(this.items[this.index]!);
      // Let go of what was encoded: a long reply does not hold its records twice.
      (this.items as Array<Reply | undefined>)[this.index++] = undefined;
    }
    const chunk = inner.takeChunk(budget);
    if (chunk !== null) this.encoded += chunk.length;
    if (this.index >= this.items.length && inner.isEmpty) this.done = true;
    return chunk;
  }

  remainingEstimate(): number {
    const left = this.items.length - this.index;
    if (left === 0) return this.inner.estimatedLength;
    // Nothing encoded yet: assume a small element until the first slice tells.
    const perElement = this.index > 0 ? (this.encoded + this.inner.pendingLength) / this.index : 16;
    return this.inner.estimatedLength + Math.ceil(perElement * left);
  }
}

/** Encodes one reply to bytes; convenient outside the hot path (tests, docs). */
export function encodeReply(r: Reply, proto: Protocol): Buffer {
  const w = new ReplyWriter(proto);
  w.write(r);
  const out = w.take();
  return typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
}
