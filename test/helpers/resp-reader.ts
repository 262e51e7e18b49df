// A strict reader of a server's reply bytes, RESP2 or RESP3, one reply at a time from an offset. Written by hand
// because a test of a whole reply stream needs what client libraries do not give: stopping at each reply's last
// byte (the protocol in force changes at HELLO, mid-stream), and refusing what a lenient client would let pass
// (RESP3 types on a RESP2 connection, a null written the other protocol's way, a length that does not match, a
// missing CRLF). RESP2 replies are also checked against redis-parser by the tests that use it.

/** One reply: `type` is its first byte (`+ - : $ * _ , # ( = ! % ~ >`), `text` a scalar's bytes as latin1. */
export interface RespValue {
  type: string;
  /** Simple string, error, number, bulk or verbatim text (latin1, so bytes map one to one); null for a null. */
  text: string | null;
  /** Elements of an array, set or push; a map's keys and values alternately. Null for a null array. */
  items: RespValue[] | null;
}

export class RespFormatError extends Error {}

/** Which protocol's grammar to hold the bytes to; `either` accepts both (for bytes whose protocol is unknown). */
export type RespGrammar = 2 | 3 | 'either';

const RESP2_TYPES = '+-:$*';
const RESP3_TYPES = '+-:$*_,#(=!%~>';
const INTEGER = /^(0|-?[1-9][0-9]*)$/;
const LENGTH = /^(0|[1-9][0-9]*)$/;
const DOUBLE = /^(-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|inf|-inf|nan)$/;
const MAX_DEPTH = 64;

/** Out of bytes before the reply ended: not a format error, the rest may still come. */
class Incomplete extends Error {}
const INCOMPLETE = new Incomplete('incomplete');

/**
 * Reads the reply that starts at `at`. Returns it with the offset just past it, or null when `bytes` end before
 * the reply does. Throws RespFormatError, naming the offset, when the bytes cannot be a reply in `grammar`.
 */
export function readReply(bytes: Buffer, at: number, grammar: RespGrammar): { value: RespValue; end: number } | null {
  const r = new Reader(bytes, grammar);
  try {
    const value = r.value(at, 0);
    return { value, end: r.pos };
  } catch (e) {
    if (e === INCOMPLETE) return null;
    throw e;
  }
}

class Reader {
  pos = 0;
  constructor(
    private readonly bytes: Buffer,
    private readonly grammar: RespGrammar,
  ) {}

  private fail(at: number, what: string): never {
    const near = JSON.stringify(this.bytes.subarray(at, at + 40).toString('latin1'));
    throw new RespFormatError(`${what} at byte ${at} (RESP${this.grammar === 'either' ? '2/3' : this.grammar}): ${near}`);
  }

  /** The line from `at` to its CRLF; a bare CR or LF inside is refused. */
  private line(at: number): string {
    const lf = this.bytes.indexOf(0x0a, at);
    if (lf < 0) {
      const cr = this.bytes.indexOf(0x0d, at);
      if (cr >= 0 && cr < this.bytes.length - 1) this.fail(cr, 'CR not followed by LF');
      throw INCOMPLETE;
    }
    if (lf === at || this.bytes[lf - 1] !== 0x0d) this.fail(lf, 'LF without CR');
    const text = this.bytes.toString('latin1', at, lf - 1);
    if (text.includes('\r')) this.fail(at, 'CR inside a line');
    this.pos = lf + 1;
    return text;
  }

  private length(at: number, text: string, nullable: boolean): number {
    if (text === '-1' && nullable) return -1;
    if (!LENGTH.test(text) || text.length > 15) this.fail(at, `bad length ${JSON.stringify(text)}`);
    return Number(text);
  }

  private blob(n: number): string {
    const end = this.pos + n;
    if (this.bytes.length < end + 2) throw INCOMPLETE;
    if (this.bytes[end] !== 0x0d || this.bytes[end + 1] !== 0x0a) this.fail(end, 'blob not followed by CRLF');
    const text = this.bytes.toString('latin1', this.pos, end);
    this.pos = end + 2;
    return text;
  }

  value(at: number, depth: number): RespValue {
    if (at >= this.bytes.length) throw INCOMPLETE;
    if (depth > MAX_DEPTH) this.fail(at, 'nested too deep');
    const type = String.fromCharCode(this.bytes[at]!);
    const allowed = this.grammar === 2 ? RESP2_TYPES : RESP3_TYPES;
    if (!allowed.includes(type))
      this.fail(at, `type byte ${JSON.stringify(type)} not in RESP${this.grammar === 'either' ? '2/3' : this.grammar}`);
    const text = this.line(at + 1);
    // A RESP2 null is `$-1` / `*-1`; RESP3 has `_` for every null.
    const nullable = this.grammar !== 3;
    switch (type) {
      case '+':
      case '-':
        return { type, text, items: null };
      case ':':
      case '(':
        if (!INTEGER.test(text) || (type === ':' && !Number.isSafeInteger(Number(text)) && !fitsInt64(text))) {
          this.fail(at, `bad ${type === ':' ? 'integer' : 'big number'} ${JSON.stringify(text)}`);
        }
        return { type, text, items: null };
      case ',':
        if (!DOUBLE.test(text)) this.fail(at, `bad double ${JSON.stringify(text)}`);
        return { type, text, items: null };
      case '#':
        if (text !== 't' && text !== 'f') this.fail(at, `bad boolean ${JSON.stringify(text)}`);
        return { type, text, items: null };
      case '_':
        if (text !== '') this.fail(at, 'null with a body');
        return { type, text: null, items: null };
      case '$':
      case '!':
      case '=': {
        const n = this.length(at, text, nullable && type === '$');
        if (n < 0) return { type, text: null, items: null };
        const body = this.blob(n);
        if (type === '=' && !/^[a-z]{3}:/.test(body)) this.fail(at, 'verbatim string without its 3-letter format');
        return { type, text: body, items: null };
      }
      default: {
        // * ~ > %: aggregates; a map holds 2n values.
        const n = this.length(at, text, nullable && type === '*');
        if (n < 0) return { type, text: null, items: null };
        if (type === '>' && n === 0) this.fail(at, 'empty push');
        const count = type === '%' ? 2 * n : n;
        const items: RespValue[] = [];
        for (let i = 0; i < count; i++) items.push(this.value(this.pos, depth + 1));
        if (type === '>' && !isText(items[0]!)) this.fail(at, 'push whose first element is not a string');
        return { type, text: null, items };
      }
    }
  }
}

function fitsInt64(text: string): boolean {
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/** A simple or bulk (or verbatim) string. */
export function isText(v: RespValue): boolean {
  return (v.type === '+' || v.type === '$' || v.type === '=') && v.text !== null;
}

export function isError(v: RespValue): boolean {
  return v.type === '-' || v.type === '!';
}
