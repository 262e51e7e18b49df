// The numbers a request carries, read from its bytes: the decoder's header lengths (as Redis reads them) and the
// plain decimals HBEAT reads without making a string first.

/** Redis' string2ll for a header: optional '-', digits, no '+', no leading zeros, no spaces. */
export function parseStrictInt(buf: Buffer, from: number, to: number): number | null {
  if (from >= to || to - from > 20) return null;
  let i = from;
  let negative = false;
  if (buf[i] === 45 /* '-' */) {
    negative = true;
    i++;
    if (i === to) return null;
  }
  if (buf[i] === 48 /* '0' */ && (negative || to - i > 1)) return null; // string2ll rejects `-0` too
  let n = 0;
  for (; i < to; i++) {
    const c = buf[i]! - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  if (n > Number.MAX_SAFE_INTEGER) return null;
  return negative ? -n : n;
}

/** Longest decimal argDecimal reads: 15 digits stay below 2^53, and 10^15 is exact. */
export const DECIMAL_MAX = 15;

/**
 * The digits of bytes [start, end) with at most one '.', as a number; -1 for anything else or no digit. The
 * digits make an integer m below 2^53 and the point a power of ten p, both exact doubles, and one division
 * rounds m / p correctly: the same double Number() gives for the text.
 */
export function decimalOf(bytes: { readonly [i: number]: number }, start: number, end: number): number {
  let m = 0;
  let scale = 1;
  let digits = 0;
  let point = false;
  for (let j = start; j < end; j++) {
    const c = bytes[j]!;
    if (c === 46 /* . */ && !point) {
      point = true;
      continue;
    }
    const d = c - 48;
    if (d < 0 || d > 9) return -1;
    m = m * 10 + d;
    digits++;
    if (point) scale *= 10;
  }
  return digits === 0 ? -1 : m / scale;
}
