// A user's key patterns compiled against one key prefix (`worker:`, `hive:`), so the hot path can judge a key
// straight from the request's argument bytes: `~worker:gpu-a-*` on the key `worker:<arg>` is "the argument
// begins with gpu-a-", and `~hive:hive-a` is "the argument is hive-a" — no key string, no decoding.

import { isUtf8 } from 'node:buffer';
import { globMatchLatin1, latin1Pattern } from '../commands/glob.js';
import { keyAccess } from '../commands/keys.js';
import type { CommandSpec } from '../commands/spec.js';
import type { RequestFrame } from '../resp/decoder.js';
import type { KeyPattern } from './user.js';

export const enum Test {
  /** Matches every key with this prefix (`worker:*`). */
  Any,
  /** The argument is these bytes. */
  Exact,
  /** The argument begins with these bytes. */
  StartsWith,
  /** The argument matches this glob (its Latin-1 form). */
  Glob,
  /** The pattern's literal start is shorter than the prefix (`*`, `w*r:a`): the whole key must be matched. */
  WholeKey,
}

export interface PrefixRule {
  test: Test;
  bytes: Uint8Array;
  /** Test.Glob: the pattern after the prefix, Latin-1; Test.WholeKey: unused (the pattern's own matcher is). */
  glob: string;
  pattern: KeyPattern;
}

const SPECIAL = /[*?[\\]/;
const NONE = new Uint8Array(0);

const allStars = (s: string) => /^\*+$/.test(s);

/**
 * The patterns that grant this access and can match some key beginning with `prefix`, each as the cheapest test on
 * the argument that gives the glob's answer. Patterns whose literal start contradicts the prefix (`hive:x` for
 * `worker:`) are left out.
 */
export function compileForPrefix(patterns: readonly KeyPattern[], prefix: string, read: boolean, write: boolean): PrefixRule[] {
  const out: PrefixRule[] = [];
  for (const p of patterns) {
    if ((read && !p.read) || (write && !p.write)) continue;
    const rule = (test: Test, bytes = NONE, glob = ''): PrefixRule => ({ test, bytes, glob, pattern: p });
    const q = p.pattern;
    const special = q.search(SPECIAL);
    const literal = special === -1 ? q : q.slice(0, special);
    if (literal.length < prefix.length) {
      // A literal pattern shorter than the prefix, or one whose literal start already differs, matches no such key.
      if (special === -1 || !prefix.startsWith(literal)) continue;
      out.push(allStars(q) ? rule(Test.Any) : rule(Test.WholeKey));
      continue;
    }
    if (!literal.startsWith(prefix)) continue;
    const rest = q.slice(prefix.length);
    const restSpecial = special === -1 ? -1 : special - prefix.length;
    if (restSpecial === -1) out.push(rule(Test.Exact, Buffer.from(rest, 'utf8')));
    else if (allStars(rest.slice(restSpecial))) {
      out.push(restSpecial === 0 ? rule(Test.Any) : rule(Test.StartsWith, Buffer.from(rest.slice(0, restSpecial), 'utf8')));
    } else out.push(rule(Test.Glob, NONE, latin1Pattern(rest)));
  }
  return out;
}

/** One key argument of a command, with the rules that could allow its access. */
export interface KeyCheck {
  index: number;
  prefix: string;
  rules: PrefixRule[];
}

/** What the hot path checks for one command and user (null when the bytes cannot judge the command's keys). */
export interface KeyPlan {
  checks: KeyCheck[];
  /** The key specs do not apply when argument `unlessIndex` is this token (HBEAT JSON), upper-case ASCII. */
  unlessIndex: number;
  unlessToken: Uint8Array;
}

/**
 * The plan for a command: its single keys at fixed places (key specs by index, one key each), or null when its
 * keys cannot be found that way (a keyword or a range, a getKeys without keysUnless): the ordinary check judges.
 */
export function keyPlan(patterns: readonly KeyPattern[], spec: CommandSpec): KeyPlan | null {
  if (spec.keySpecs === undefined) return spec.getKeys === undefined ? { checks: [], unlessIndex: -1, unlessToken: NONE } : null;
  if (spec.getKeys !== undefined && spec.keysUnless === undefined) return null;
  const checks: KeyCheck[] = [];
  for (const ks of spec.keySpecs) {
    if (!('index' in ks.begin) || ks.lastKey !== 0) return null;
    const { read, write } = keyAccess(ks.flags);
    checks.push({ index: ks.begin.index, prefix: ks.prefix, rules: compileForPrefix(patterns, ks.prefix, read, write) });
  }
  const unless = spec.keysUnless;
  return { checks, unlessIndex: unless?.index ?? -1, unlessToken: unless === undefined ? NONE : Buffer.from(unless.token, 'latin1') };
}

/**
 * Whether the request's keys are all allowed, judged on its bytes. True only when AclUser.keyAllowed would say yes
 * to every decoded key; false sends the request to the ordinary check, which has the last word (the two differ
 * only for bytes that are not UTF-8, which the string check sees decoded).
 */
export function frameKeysMatch(plan: KeyPlan, frame: RequestFrame): boolean {
  const argc = frame.frameLength;
  if (plan.unlessIndex >= 0 && plan.unlessIndex < argc && frame.argIsToken(plan.unlessIndex, plan.unlessToken)) return false;
  const checks = plan.checks;
  for (let c = 0; c < checks.length; c++) {
    const check = checks[c]!;
    const i = check.index;
    if (i >= argc) continue;
    const rules = check.rules;
    let allowed = false;
    for (let r = 0; r < rules.length && !allowed; r++) {
      const rule = rules[r]!;
      const test = rule.test;
      allowed =
        test === Test.StartsWith
          ? frame.argStartsWith(i, rule.bytes)
          : test === Test.Exact
            ? frame.argIs(i, rule.bytes)
            : test === Test.Any || globAllowed(rule, check.prefix, frame, i);
    }
    if (!allowed) return false;
  }
  return true;
}

/** The glob cases, kept out of the loop above so that it stays small enough to inline. */
function globAllowed(rule: PrefixRule, prefix: string, frame: RequestFrame, i: number): boolean {
  if (rule.test === Test.WholeKey) return rule.pattern.match(prefix + frame.argString(i));
  // Anything but `*`s needs at least one byte after the prefix (stringmatchlen's end of text).
  const bytes = frame.argBuffer(i);
  return bytes.length > 0 && isUtf8(bytes) && globMatchLatin1(rule.glob, bytes);
}
