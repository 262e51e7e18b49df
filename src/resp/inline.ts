// Inline requests (`PING\r\n`, `set "a b" c\n`): Redis' sdssplitargs over the bytes of one line, with the same
// quoting rules and the same refusal of unbalanced quotes.

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Redis' sdssplitargs: whitespace-separated words, "double quotes" with \n \r \t \b \a \\ \" and \xHH
 * escapes, 'single quotes' with \' only. A closing quote must be followed by a space or the end.
 * Returns null on unbalanced quotes.
 */
export function splitArgs(buf: Buffer, from: number, to: number): Buffer[] | null {
  const out: Buffer[] = [];
  let i = from;
  for (;;) {
    while (i < to && isSpace(buf[i]!)) i++;
    if (i >= to) return out;
    const bytes: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      if (inDouble) {
        if (i >= to) return null;
        const c = buf[i]!;
        if (c === 92 /* \ */ && i + 3 < to && buf[i + 1] === 120 /* x */ && hexValue(buf[i + 2]!) >= 0 && hexValue(buf[i + 3]!) >= 0) {
          bytes.push(hexValue(buf[i + 2]!) * 16 + hexValue(buf[i + 3]!));
          i += 3;
        } else if (c === 92 && i + 1 < to) {
          i++;
          const e = buf[i]!;
          bytes.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34 /* " */) {
          if (i + 1 < to && !isSpace(buf[i + 1]!)) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else if (inSingle) {
        if (i >= to) return null;
        const c = buf[i]!;
        if (c === 92 && i + 1 < to && buf[i + 1] === 39 /* ' */) {
          i++;
          bytes.push(39);
        } else if (c === 39) {
          if (i + 1 < to && !isSpace(buf[i + 1]!)) return null;
          done = true;
        } else {
          bytes.push(c);
        }
      } else {
        if (i >= to) break;
        const c = buf[i]!;
        if (c === 32 || c === 10 || c === 13 || c === 9) {
          // Not isSpace: sdssplitargs keeps \v and \f inside an unquoted word.
          done = true;
        } else if (c === 34) {
          inDouble = true;
        } else if (c === 39) {
          inSingle = true;
        } else {
          bytes.push(c);
        }
      }
      if (i < to) i++;
    }
    out.push(Buffer.from(bytes));
  }
}
