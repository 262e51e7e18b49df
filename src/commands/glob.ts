// Redis' glob-style matching (util.c stringmatchlen): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\` to escape, on
// bytes, with the same quirks. Used by PSUBSCRIBE/PUBLISH, PUBSUB CHANNELS, CONFIG GET, COMMAND LIST, SCAN,
// KEYS and HSCAN.
//
// Written by hand because Redis' recursive matcher is exponential on patterns like `*a*a*a…b` (the class of
// CVE-2022-36021), and no library matches Redis' syntax and quirks. The common case runs the classic greedy
// matcher with a single backtrack point (the last `*`: enough for globs, where every other token takes one
// byte); when a hostile pattern makes it backtrack more than a few steps per byte, the match is finished by
// simulating the pattern's automaton a machine word of states at a time, O(text × pattern / 32). Patterns are
// capped in length (GLOB_MAX_LENGTH), so one match costs at most a small constant per byte of text.

import { CommandError } from './errors.js';

/** Longest pattern accepted, in bytes: keeps the O(pattern × text) bound of one match small. */
export const GLOB_MAX_LENGTH = 1024;

/** Refuses a pattern longer than GLOB_MAX_LENGTH, naming both lengths. Commands call it before matching. */
export function checkGlobPattern(pattern: string): void {
  // Characters first: a UTF-8 byte count is only needed near the limit.
  if (pattern.length * 3 <= GLOB_MAX_LENGTH) return;
  const bytes = Buffer.byteLength(pattern, 'utf8');
  if (bytes > GLOB_MAX_LENGTH) throw new CommandError(`ERR glob-style pattern too long: ${bytes} bytes, at most ${GLOB_MAX_LENGTH}`);
}

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

const STAR = 42;
const QUESTION = 63;
const OPEN = 91;
const CLOSE = 93;
const BACKSLASH = 92;
const CARET = 94;
const DASH = 45;

/**
 * Whether `text` matches `pattern` (ASCII case-insensitively with `nocase`, as CONFIG GET). Both are compared
 * as UTF-8 bytes, as Redis compares them: `?` is one byte.
 */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  checkGlobPattern(pattern);
  if (NON_ASCII.test(pattern) || NON_ASCII.test(text)) {
    // One character per byte, so the matcher below sees what Redis sees.
    pattern = Buffer.from(pattern, 'utf8').toString('latin1');
    text = Buffer.from(text, 'utf8').toString('latin1');
  }
  return matchBytes(pattern, text, nocase);
}

/** A pattern in the form globMatchLatin1 takes (one character per UTF-8 byte), made once where it is compiled. */
export function latin1Pattern(pattern: string): string {
  checkGlobPattern(pattern);
  return Buffer.from(pattern, 'utf8').toString('latin1');
}

/**
 * globMatch on bytes already in hand (a request's argument), without decoding them: `pattern` from latin1Pattern,
 * `text` the bytes. The same matcher, so the same answers and the same bound on its cost.
 */
export function globMatchLatin1(pattern: string, text: Buffer): boolean {
  return matchBytes(pattern, text.toString('latin1'), false);
}

/** globMatch decided by the automaton alone (the path hostile patterns take), for tests to compare. */
export function globMatchByAutomaton(pattern: string, text: string, nocase = false): boolean {
  checkGlobPattern(pattern);
  if (NON_ASCII.test(pattern) || NON_ASCII.test(text)) {
    pattern = Buffer.from(pattern, 'utf8').toString('latin1');
    text = Buffer.from(text, 'utf8').toString('latin1');
  }
  if (text.length === 0) return pattern.length === 0;
  return automaton(pattern, nocase).matches(text);
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function signed(b: number): number {
  return b >= 128 ? b - 256 : b;
}

function matchBytes(p: string, s: string, nocase: boolean): boolean {
  const m = p.length;
  const n = s.length;
  // stringmatchlen looks at nothing when the text is empty: only an empty pattern matches it (not even `*`).
  if (n === 0) return m === 0;
  // Ordinary patterns finish well within this; past it the automaton takes over.
  let budget = 8 * n + 64;
  let pi = 0;
  let si = 0;
  // After the last `*` seen: where the rest of the pattern starts, and where in the text it was last tried.
  let starP = -1;
  let starS = 0;
  while (si < n) {
    if (pi < m) {
      if (p.charCodeAt(pi) === STAR) {
        while (pi < m && p.charCodeAt(pi) === STAR) pi++;
        if (pi === m) return true;
        starP = pi;
        starS = si;
        continue;
      }
      const next = matchToken(p, pi, s.charCodeAt(si), nocase);
      if (next >= 0) {
        pi = next;
        si++;
        continue;
      }
    }
    // The rest failed here: let the last `*` take one more byte. Earlier stars never need to take more: the
    // leftmost place the rest matches is always as good as any later one.
    if (starP < 0) return false;
    if ((budget -= si - starS + 1) < 0) return automaton(p, nocase).matches(s);
    si = ++starS;
    pi = starP;
  }
  while (pi < m && p.charCodeAt(pi) === STAR) pi++;
  return pi === m;
}

/** Matches the one-byte token at p[pi] (not `*`) against byte c: the index after the token, or -1. */
function matchToken(p: string, pi: number, c: number, nocase: boolean): number {
  const m = p.length;
  const t = p.charCodeAt(pi);
  if (t === QUESTION) return pi + 1;
  if (t === OPEN) {
    let j = pi + 1;
    const not = p.charCodeAt(j) === CARET;
    if (not) j++;
    let matched = false;
    // Redis' class loop, quirks included: `\x` is literal (compared exactly), a missing `]` ends the class
    // at the end of the pattern, and `x-y` is a range whenever two more bytes follow (even if one is `]`).
    for (;;) {
      const k = p.charCodeAt(j);
      if (k === BACKSLASH && m - j >= 2) {
        j++;
        if (p.charCodeAt(j) === c) matched = true;
      } else if (k === CLOSE) {
        break;
      } else if (j >= m) {
        j--;
        break;
      } else if (m - j >= 3 && p.charCodeAt(j + 1) === DASH) {
        // Compared as C's (signed) chars, as Redis does: bytes from 0x80 up sort below ASCII.
        let start = signed(k);
        let end = signed(p.charCodeAt(j + 2));
        if (start > end) [start, end] = [end, start];
        const x = signed(nocase ? lower(c) : c);
        if (nocase) {
          start = lower(start);
          end = lower(end);
        }
        if (x >= start && x <= end) matched = true;
        j += 2;
      } else if (nocase ? lower(k) === lower(c) : k === c) {
        matched = true;
      }
      j++;
    }
    if (not) matched = !matched;
    return matched ? j + 1 : -1;
  }
  let k = t;
  let next = pi + 1;
  if (t === BACKSLASH && m - pi >= 2) {
    k = p.charCodeAt(pi + 1);
    next = pi + 2;
  }
  return (nocase ? lower(k) === lower(c) : k === c) ? next : -1;
}

/**
 * The pattern as a nondeterministic automaton, simulated with bit sets (shift-and): state i means "the first
 * i tokens matched". A byte moves every state whose token accepts it one step on; a `*` state also stays.
 */
class Automaton {
  /** Words per state set. */
  private readonly words: number;
  /** accepts[c * words + w]: the token states that advance on byte c. */
  private readonly accepts: Int32Array;
  /** States whose token is `*`. */
  private readonly stars: Int32Array;
  private readonly final: number;

  constructor(p: string, nocase: boolean) {
    // Token start offsets; runs of `*` count as one, as in the matcher above.
    const starts: number[] = [];
    const isStar: boolean[] = [];
    for (let pi = 0; pi < p.length;) {
      starts.push(pi);
      if (p.charCodeAt(pi) === STAR) {
        isStar.push(true);
        while (pi < p.length && p.charCodeAt(pi) === STAR) pi++;
      } else {
        isStar.push(false);
        pi = tokenEnd(p, pi);
      }
    }
    const k = starts.length;
    this.final = k;
    this.words = (k >>> 5) + 1;
    this.accepts = new Int32Array(256 * this.words);
    this.stars = new Int32Array(this.words);
    for (let i = 0; i < k; i++) {
      const bit = 1 << (i & 31);
      const w = i >>> 5;
      if (isStar[i]) {
        this.stars[w]! |= bit;
        continue;
      }
      for (let c = 0; c < 256; c++) if (matchToken(p, starts[i]!, c, nocase) >= 0) this.accepts[c * this.words + w]! |= bit;
    }
  }

  matches(s: string): boolean {
    const words = this.words;
    let state = new Int32Array(words);
    let next = new Int32Array(words);
    state[0] = 1;
    this.closure(state);
    for (let si = 0; si < s.length; si++) {
      const row = s.charCodeAt(si) * words;
      let carry = 0;
      let any = 0;
      for (let w = 0; w < words; w++) {
        const old = state[w]!;
        const advance = old & this.accepts[row + w]!;
        next[w] = (advance << 1) | carry | (old & this.stars[w]!);
        carry = advance >>> 31;
        any |= next[w]!;
      }
      if (any === 0) return false;
      this.closure(next);
      [state, next] = [next, state];
    }
    const f = this.final;
    return (state[f >>> 5]! & (1 << (f & 31))) !== 0;
  }

  /** A `*` may match nothing: its state also stands for the next one (runs of `*` are one token). */
  private closure(state: Int32Array): void {
    let carry = 0;
    for (let w = 0; w < this.words; w++) {
      const skip = state[w]! & this.stars[w]!;
      state[w]! |= (skip << 1) | carry;
      carry = skip >>> 31;
    }
  }
}

/** The index after the one-byte token at p[pi] (not `*`): read the way matchToken reads it. */
function tokenEnd(p: string, pi: number): number {
  const t = p.charCodeAt(pi);
  if (t !== OPEN) return t === BACKSLASH && p.length - pi >= 2 ? pi + 2 : pi + 1;
  const m = p.length;
  let j = pi + 1;
  if (p.charCodeAt(j) === CARET) j++;
  for (;;) {
    const k = p.charCodeAt(j);
    if (k === BACKSLASH && m - j >= 2) j++;
    else if (k === CLOSE) break;
    else if (j >= m) {
      j--;
      break;
    } else if (m - j >= 3 && p.charCodeAt(j + 1) === DASH) j += 2;
    j++;
  }
  return j + 1;
}

/** Compiled automata of recent patterns: a pattern used with PSUBSCRIBE is matched on every PUBLISH. */
const automata = new Map<string, Automaton>();

function automaton(p: string, nocase: boolean): Automaton {
  const key = (nocase ? 'i' : 'c') + p;
  let a = automata.get(key);
  if (a === undefined) {
    if (automata.size >= 256) automata.delete(automata.keys().next().value!);
    a = new Automaton(p, nocase);
    automata.set(key, a);
  }
  return a;
}
