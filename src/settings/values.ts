// The one parser for integers, memory sizes and yes/no values, used alike by command-line flags, CONFIG SET
// and command arguments, and the one helper that quotes a client's value in an error. A leaf module: it
// imports nothing of the project, so every layer may use it.

/**
 * A client's value as an error quotes it: at most 128 characters, as Redis; ours end a cut value in an ellipsis,
 * Redis' own messages (unknown command) pass `mark = ''` to keep its exact text.
 */
export function quote(value: string, max = 128, mark = '…'): string {
  return value.length > max ? value.slice(0, max) + mark : value;
}

/** A value that does not parse or is out of range. `message` is Redis' CONFIG wording; `expected` a phrase. */
export class ValueError extends Error {
  constructor(
    message: string,
    /** What was expected, as in `expected an integer from 1 to 10`: for errors in the registry's own style. */
    readonly expected: string,
  ) {
    super(message);
  }
}

// Redis' string2ll: optional '-', digits, no leading zeros, no '+', no spaces.
const INTEGER = /^(0|-?[1-9][0-9]*)$/;

/** The integer `text` spells, or null when it is not one or a double cannot hold it exactly. */
export function integerOrNull(text: string): number | null {
  if (!INTEGER.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export interface IntRange {
  min: number;
  max: number;
}

/** All the integers a double holds exactly: the range of a value with no bound of its own. */
export const ANY_INTEGER: IntRange = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** `an integer from 1 to 10`, `a non-negative integer`, … */
export function describeRange(range: IntRange, noun = 'integer'): string {
  const a = /^[aeiou]/.test(noun) ? 'an' : 'a';
  const { min, max } = range;
  if (max < Number.MAX_SAFE_INTEGER) return `${a} ${noun} from ${min} to ${max}`;
  if (min === 0) return `a non-negative ${noun}`;
  if (min === 1) return `a positive ${noun}`;
  if (min <= Number.MIN_SAFE_INTEGER) return `${a} ${noun}`;
  return `${a} ${noun} of at least ${min}`;
}

/** ASCII lower case, as Redis compares option names (`ſ` is not `s`, the Kelvin sign is not `k`). */
export function asciiLower(text: string): string {
  return foldAscii(text, 65, 32);
}

/**
 * ASCII-only upper-casing, for command names and option tokens: String.prototype.toUpperCase also folds
 * Unicode ('ſ' becomes 'S'), which would accept tokens Redis refuses.
 */
export function asciiUpper(text: string): string {
  return foldAscii(text, 97, -32);
}

/**
 * Shifts the 26 ASCII letters from `first` by `shift` (to the other case), nothing else. This runs on every
 * request (a command name sent upper case is looked up in lower case), so: one scan of char codes, and no
 * new string when nothing is to change. A string that is all ASCII goes to the native case mapping, which
 * for ASCII is exactly this one; others are built one unit at a time.
 */
function foldAscii(text: string, first: number, shift: number): string {
  let change = false;
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c - first >= 0 && c - first < 26) change = true;
    else if (c > 0x7f) ascii = false;
  }
  if (!change) return text;
  if (ascii) return shift > 0 ? text.toLowerCase() : text.toUpperCase();
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += c - first >= 0 && c - first < 26 ? String.fromCharCode(c + shift) : text[i];
  }
  return out;
}

function outOfRange(range: IntRange, noun?: string): ValueError {
  return new ValueError(`argument must be between ${range.min} and ${range.max} inclusive`, describeRange(range, noun));
}

/** An integer within `range`; ValueError otherwise. */
export function parseInteger(text: string, range: IntRange = ANY_INTEGER): number {
  const n = integerOrNull(text);
  if (n === null) {
    // A well-formed integer too large for a double is out of range, not malformed.
    if (INTEGER.test(text)) throw outOfRange(range);
    throw new ValueError("argument couldn't be parsed into an integer", describeRange(range));
  }
  if (n < range.min || n > range.max) throw outOfRange(range);
  return n;
}

const MEMORY = /^(0|[1-9][0-9]*)(b|k|kb|m|mb|g|gb)?$/i;
const UNIT: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };

/**
 * A byte count with Redis' units (memtoull): `1k` = 1000, `1kb` = 1024, `1m`, `1mb`, `1g`, `1gb`; case-insensitive;
 * a bare number is bytes.
 */
export function parseMemory(text: string, range: IntRange): number {
  const m = MEMORY.exec(text);
  const n = m === null ? NaN : Number(m[1]) * UNIT[asciiLower(m[2] ?? 'b')]!;
  if (!Number.isSafeInteger(n)) {
    if (m !== null) throw outOfRange(range, 'number of bytes');
    throw new ValueError(
      'argument must be a memory value',
      `${describeRange(range, 'number of bytes')}, optionally with a unit (1k 1kb 1m 1mb 1g 1gb)`,
    );
  }
  if (n < range.min || n > range.max) throw outOfRange(range, 'number of bytes');
  return n;
}

/** Redis' yes/no booleans (case-insensitive). */
export function parseYesNo(text: string): boolean {
  const t = asciiLower(text);
  if (t === 'yes') return true;
  if (t === 'no') return false;
  throw new ValueError('argument must be one of the following: yes, no', 'yes or no');
}

/** One of `values`, matched ASCII case-insensitively; the listed spelling is returned. */
export function parseEnum(text: string, values: readonly string[]): string {
  const t = asciiLower(text);
  const found = values.find((v) => asciiLower(v) === t);
  if (found === undefined)
    throw new ValueError(`argument must be one of the following: ${values.join(', ')}`, `one of ${values.join(', ')}`);
  return found;
}

/** Bytes in the largest unit that divides them exactly, for docs and --help: 67108864 → `64mb`. */
export function formatMemory(bytes: number): string {
  for (const [unit, size] of [
    ['gb', 1024 ** 3],
    ['mb', 1024 ** 2],
    ['kb', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
