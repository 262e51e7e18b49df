// An argv (strings) seen as a RequestFrame, so a parser written once over frames serves both the byte-level
// fast path and requests that arrive as strings (inside MULTI, queued; a JSON payload's values).

import type { RequestFrame } from '../resp/decoder.js';
import { DECIMAL_MAX, decimalOf } from '../resp/numbers.js';
import { isWellFormed } from '../registry/field-limits.js';

export class ArgvFrame implements RequestFrame {
  constructor(private readonly argv: readonly string[]) {}

  get frameLength(): number {
    return this.argv.length;
  }

  argString(i: number): string {
    return this.argv[i]!;
  }

  argBuffer(i: number): Buffer {
    return Buffer.from(this.argv[i]!, 'utf8');
  }

  /** In UTF-16 units: enough to pick candidate tokens, which are ASCII (a longer UTF-8 form never matches them). */
  argLength(i: number): number {
    return this.argv[i]!.length;
  }

  /** ASCII case folding only, as Redis compares option names ('ſtate' is not STATE). */
  argIsToken(i: number, token: Uint8Array): boolean {
    const s = this.argv[i]!;
    if (s.length !== token.length) return false;
    for (let j = 0; j < s.length; j++) {
      let c = s.charCodeAt(j);
      if (c >= 97 && c <= 122) c -= 32;
      if (c !== token[j]) return false;
    }
    return true;
  }

  argIs(i: number, bytes: Uint8Array): boolean {
    const s = this.argv[i]!;
    for (let j = 0; j < s.length; j++) {
      const c = s.charCodeAt(j);
      // Past ASCII a character is not a byte: compare the UTF-8 form, as the decoder would.
      if (c >= 0x80) return Buffer.from(s, 'utf8').equals(bytes);
      if (c !== bytes[j]) return false;
    }
    return s.length === bytes.length;
  }

  /** On the UTF-8 bytes, as the decoder compares: a string cannot be compared with bytes unit by unit. */
  argStartsWith(i: number, bytes: Uint8Array): boolean {
    const b = this.argBuffer(i);
    return b.length >= bytes.length && b.subarray(0, bytes.length).equals(bytes);
  }

  /** Strings cannot hold invalid UTF-8, but can hold a lone surrogate (a JSON `\udcff`), which has no UTF-8 form. */
  firstNonUtf8(count: number): number {
    for (let i = 0; i < count; i++) if (!isWellFormed(this.argv[i]!)) return i;
    return -1;
  }

  argDecimal(i: number): number {
    const s = this.argv[i]!;
    if (s.length > DECIMAL_MAX) return -1;
    const codes = new Array<number>(s.length);
    for (let j = 0; j < s.length; j++) codes[j] = s.charCodeAt(j);
    return decimalOf(codes, 0, s.length);
  }

  argUint(i: number): number {
    const s = this.argv[i]!;
    if (s.length === 0 || s.length > 16 || (s.charCodeAt(0) === 48 && s.length > 1)) return -1;
    let n = 0;
    for (let j = 0; j < s.length; j++) {
      const d = s.charCodeAt(j) - 48;
      if (d < 0 || d > 9) return -1;
      n = n * 10 + d;
    }
    return n <= Number.MAX_SAFE_INTEGER ? n : -1;
  }
}
