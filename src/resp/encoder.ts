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

/**
 * Accumulates encoded replies. Strings are concatenated (V8 ropes make that cheap); a Buffer reply closes
 * the current string run so binary payloads are copied once, at take().
 */
export class ReplyWriter {
  private text = '';
  private parts: Buffer[] = [];
  private size = 0;

  constructor(public proto: Protocol = 2) {}

  /** Bytes buffered so far (approximate for non-ASCII text: counts UTF-16 units). */
  get pendingLength(): number {
    return this.size + this.text.length;
  }

  get isEmpty(): boolean {
    return this.text.length === 0 && this.parts.length === 0;
  }

  /** Returns what was written since the last take(), as a string when no binary part was added. */
  take(): string | Buffer {
    if (this.parts.length === 0) {
      const out = this.text;
      this.text = '';
      return out;
    }
    if (this.text.length > 0) this.parts.push(Buffer.from(this.text, 'utf8'));
    // One part (a cached reply alone in the batch): hand it over as it is. Nothing writes into reply bytes.
    const out = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    this.text = '';
    this.parts = [];
    this.size = 0;
    return out;
  }

  private pushBuffer(b: Buffer): void {
    if (this.text.length > 0) {
      const t = Buffer.from(this.text, 'utf8');
      this.parts.push(t);
      this.size += t.length;
      this.text = '';
    }
    this.parts.push(b);
    this.size += b.length;
  }

  write(r: Reply): void {
    if (typeof r === 'string') {
      this.text += '$' + Buffer.byteLength(r, 'utf8') + CRLF + r + CRLF;
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
        const body = r.format + ':' + r.text;
        this.text += '=' + Buffer.byteLength(body, 'utf8') + CRLF + body + CRLF;
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

/** Encodes one reply to bytes; convenient outside the hot path (tests, docs). */
export function encodeReply(r: Reply, proto: Protocol): Buffer {
  const w = new ReplyWriter(proto);
  w.write(r);
  const out = w.take();
  return typeof out === 'string' ? Buffer.from(out, 'utf8') : out;
}
