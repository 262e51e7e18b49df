// An ACL user and Redis' rule grammar (ACL SETUSER, ACL files, --user): passwords as SHA-256 only, a command
// bitmap computed when rules change so the per-request check is one array read, key and channel patterns.

import { createHash, timingSafeEqual } from 'node:crypto';
import { GLOB_MAX_LENGTH, globMatch } from '../commands/glob.js';
import type { KeyPlan } from './frame-keys.js';
import type { CommandCatalog } from './catalog.js';
import { asciiLower, asciiUpper } from '../settings/values.js';

/** A rule Redis would refuse; the message is Redis' (ACLSetUserStringError). */
export class AclRuleError extends Error {}

const SYNTAX = 'Syntax error';
const UNKNOWN = 'Unknown command or category name in ACL';
const KEY_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. " +
  "Try 'resetkeys' to start with an empty list of patterns";
const CHANNEL_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. " +
  "Try 'resetchannels' to start with an empty list of channels";
const NO_SUCH_PASSWORD = 'The password you are trying to remove from the user does not exist';
const BAD_HASH = 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';

export function sha256Hex(password: string | Buffer): string {
  return createHash('sha256').update(password).digest('hex');
}

/** A glob compiled to the cheapest test that gives the same answer (most rules are a literal or `prefix*`). */
export type Matcher = (s: string) => boolean;

export function compileGlob(pattern: string): Matcher {
  if (!/[*?[\\]/.test(pattern)) return (s) => s === pattern;
  const star = pattern.indexOf('*');
  if (star === pattern.length - 1 && !/[?[\\]/.test(pattern)) {
    const prefix = pattern.slice(0, -1);
    return (s) => s.startsWith(prefix);
  }
  return (s) => globMatch(pattern, s);
}

export interface KeyPattern {
  pattern: string;
  read: boolean;
  write: boolean;
  match: Matcher;
}

export interface ChannelPattern {
  pattern: string;
  match: Matcher;
}

export class AclUser {
  enabled = false;
  nopass = false;
  /** Redis keeps this flag (it concerns RESTORE payloads); we keep and show it so ACL files round-trip. */
  sanitizePayload: 'sanitize-payload' | 'skip-sanitize-payload' = 'sanitize-payload';
  /** SHA-256 hex digests, in the order given. */
  passwords: string[] = [];
  /** One byte per command id: 1 = may run. The only thing the hot path reads. */
  allowed: Uint8Array;
  /** `+select|0` on a command without subcommands: allowed first arguments per command id. */
  firstArgs: Map<number, Set<string>> | null = null;
  /** Started from +@all: also allowed commands added later (shown as `+@all` first in ACL LIST). */
  allCommands = false;
  /** The command rules after the initial +@all/-@all, as ACL GETUSER shows them. */
  commandRules: string[] = [];
  allKeys = false;
  keyPatterns: KeyPattern[] = [];
  allChannels = false;
  channelPatterns: ChannelPattern[] = [];
  /**
   * keyPatterns compiled for the hot path, per command id (frame-keys.ts): undefined until first needed, null when
   * the command's keys cannot be checked from the bytes. Emptied whenever the patterns change.
   */
  keyPlans: Array<KeyPlan | null | undefined>;

  constructor(
    readonly name: string,
    private readonly catalog: CommandCatalog,
  ) {
    this.allowed = new Uint8Array(catalog.size);
    this.keyPlans = new Array<undefined>(catalog.size).fill(undefined);
  }

  /** A packed array of one slot per command id (not a sparse one, which V8 would keep as a dictionary). */
  private forgetKeyPlans(): void {
    this.keyPlans = new Array<undefined>(this.catalog.size).fill(undefined);
  }

  clone(): AclUser {
    const u = new AclUser(this.name, this.catalog);
    u.copyFrom(this);
    return u;
  }

  /** Takes another user's rules (ACL SETUSER applies to a copy, then commits it into the live object). */
  copyFrom(o: AclUser): void {
    this.enabled = o.enabled;
    this.nopass = o.nopass;
    this.sanitizePayload = o.sanitizePayload;
    this.passwords = [...o.passwords];
    this.allowed = o.allowed.slice();
    this.firstArgs = o.firstArgs === null ? null : new Map([...o.firstArgs].map(([k, v]) => [k, new Set(v)]));
    this.allCommands = o.allCommands;
    this.commandRules = [...o.commandRules];
    this.allKeys = o.allKeys;
    this.keyPatterns = o.keyPatterns.map((p) => ({ ...p }));
    this.forgetKeyPlans();
    this.allChannels = o.allChannels;
    this.channelPatterns = [...o.channelPatterns];
  }

  /** Applies rules left to right; throws AclRuleError naming the rule. The caller applies to a clone. */
  applyAll(rules: readonly string[]): void {
    for (const rule of rules) {
      try {
        this.apply(rule);
      } catch (e) {
        if (e instanceof AclRuleError) throw new RuleFailure(rule, e.message);
        throw e;
      }
    }
  }

  apply(rule: string): void {
    const lower = asciiLower(rule);
    switch (lower) {
      case 'on':
        this.enabled = true;
        return;
      case 'off':
        this.enabled = false;
        return;
      case 'sanitize-payload':
      case 'skip-sanitize-payload':
        this.sanitizePayload = lower;
        return;
      case 'nopass':
        this.nopass = true;
        this.passwords = [];
        return;
      case 'resetpass':
        this.nopass = false;
        this.passwords = [];
        return;
      case 'allkeys':
        this.allKeys = true;
        this.keyPatterns = [];
        this.forgetKeyPlans();
        return;
      case 'resetkeys':
        this.allKeys = false;
        this.keyPatterns = [];
        this.forgetKeyPlans();
        return;
      case 'allchannels':
        this.allChannels = true;
        this.channelPatterns = [];
        return;
      case 'resetchannels':
        this.allChannels = false;
        this.channelPatterns = [];
        return;
      case 'allcommands':
        return this.setAll(true);
      case 'nocommands':
        return this.setAll(false);
      case 'reset':
        for (const r of ['resetpass', 'resetkeys', 'resetchannels', 'off', 'nocommands', 'sanitize-payload']) this.apply(r);
        return;
    }
    const c = rule[0];
    const body = rule.slice(1);
    if (c === '>') return this.addHash(sha256Hex(body));
    if (c === '#') return this.addHash(checkHash(body));
    if (c === '<') return this.removeHash(sha256Hex(body));
    if (c === '!') return this.removeHash(checkHash(body));
    if (c === '~') return this.addKeyPattern(body, true, true);
    if (c === '%') {
      const tilde = rule.indexOf('~');
      if (tilde < 2) throw new AclRuleError(SYNTAX);
      let read = false;
      let write = false;
      for (const f of asciiUpper(rule.slice(1, tilde))) {
        if (f === 'R') read = true;
        else if (f === 'W') write = true;
        else throw new AclRuleError(SYNTAX);
      }
      return this.addKeyPattern(rule.slice(tilde + 1), read, write);
    }
    if (c === '&') {
      if (this.allChannels) throw new AclRuleError(CHANNEL_AFTER_ALL);
      if (body === '*') return this.apply('allchannels');
      checkPatternLength(body);
      if (!this.channelPatterns.some((p) => p.pattern === body)) this.channelPatterns.push({ pattern: body, match: compileGlob(body) });
      return;
    }
    if (c === '+' || c === '-') {
      const allow = c === '+';
      if (body.startsWith('@')) return this.categoryRule(rule, body.slice(1), allow);
      return this.commandRule(rule, body, allow);
    }
    throw new AclRuleError(SYNTAX);
  }

  private setAll(allow: boolean): void {
    this.allowed.fill(allow ? 1 : 0);
    this.allCommands = allow;
    this.firstArgs = null;
    this.commandRules = [];
  }

  private categoryRule(rule: string, name: string, allow: boolean): void {
    if (asciiLower(name) === 'all') return this.setAll(allow);
    const ids = this.catalog.category(name);
    if (ids === undefined) throw new AclRuleError(UNKNOWN);
    for (const id of ids) this.allowed[id] = allow ? 1 : 0;
    this.commandRules.push(asciiLower(rule));
  }

  private commandRule(rule: string, name: string, allow: boolean): void {
    const bar = name.indexOf('|');
    const cmd = this.catalog.command(name);
    if (cmd === undefined && bar > 0 && allow) {
      // Redis' first-arg rule (`+select|0`): a command without subcommands, allowed with this first argument only.
      const parent = this.catalog.command(name.slice(0, bar));
      const arg = name.slice(bar + 1);
      if (parent === undefined || arg === '' || parent.subcommands !== null) throw new AclRuleError(UNKNOWN);
      if (parent.parent !== null || arg.includes('|')) throw new AclRuleError(SYNTAX);
      this.firstArgs ??= new Map();
      let set = this.firstArgs.get(parent.id);
      if (set === undefined) this.firstArgs.set(parent.id, (set = new Set()));
      set.add(asciiLower(arg));
      this.pushCommandRule(asciiLower(rule));
      return;
    }
    if (cmd === undefined) throw new AclRuleError(UNKNOWN);
    for (const id of this.catalog.idsOf(cmd)) {
      this.allowed[id] = allow ? 1 : 0;
      this.firstArgs?.delete(id);
    }
    this.pushCommandRule(asciiLower(rule));
  }

  /** A later rule on the same command replaces earlier ones in the description (as Redis' ACLUpdateCommandRules). */
  private pushCommandRule(rule: string): void {
    const name = rule.slice(1);
    this.commandRules = this.commandRules.filter((r) => r.slice(1) !== name);
    this.commandRules.push(rule);
  }

  private addHash(hex: string): void {
    if (!this.passwords.includes(hex)) this.passwords.push(hex);
    this.nopass = false;
  }

  private removeHash(hex: string): void {
    const i = this.passwords.indexOf(hex);
    if (i === -1) throw new AclRuleError(NO_SUCH_PASSWORD);
    this.passwords.splice(i, 1);
    this.nopass = false;
  }

  private addKeyPattern(pattern: string, read: boolean, write: boolean): void {
    if (this.allKeys) throw new AclRuleError(KEY_AFTER_ALL);
    if (pattern === '*' && read && write) return this.apply('allkeys');
    checkPatternLength(pattern);
    this.forgetKeyPlans();
    const existing = this.keyPatterns.find((p) => p.pattern === pattern);
    if (existing !== undefined) {
      existing.read ||= read;
      existing.write ||= write;
    } else this.keyPatterns.push({ pattern, read, write, match: compileGlob(pattern) });
  }

  // ── checks ──────────────────────────────────────────────────────────────────────────────────────────

  /** Compares a password in constant time against every stored hash (no early exit on the first match). */
  checkPassword(password: string | Buffer): boolean {
    if (this.nopass) return true;
    const given = Buffer.from(sha256Hex(password), 'hex');
    let ok = false;
    for (const hex of this.passwords) if (timingSafeEqual(given, Buffer.from(hex, 'hex'))) ok = true;
    return ok;
  }

  /** May run the command with this id (the first argument is consulted only for `+cmd|arg` rules). */
  canRun(id: number, firstArg: () => string | undefined): boolean {
    if (this.allowed[id] === 1) return true;
    const set = this.firstArgs?.get(id);
    if (set === undefined) return false;
    const arg = firstArg();
    return arg !== undefined && set.has(asciiLower(arg));
  }

  keyAllowed(key: string, read: boolean, write: boolean): boolean {
    if (this.allKeys) return true;
    for (const p of this.keyPatterns) {
      if ((read && !p.read) || (write && !p.write)) continue;
      if (p.match(key)) return true;
    }
    return false;
  }

  /** A PSUBSCRIBE pattern must be covered literally by a rule (Redis 7); a channel is matched against the globs. */
  channelAllowed(channel: string, isPattern: boolean): boolean {
    if (this.allChannels) return true;
    for (const p of this.channelPatterns) if (isPattern ? p.pattern === channel : p.match(channel)) return true;
    return false;
  }

  // ── descriptions (ACL LIST, ACL GETUSER, ACL SAVE) ─────────────────────────────────────────────────────

  flags(): string[] {
    const out = [this.enabled ? 'on' : 'off'];
    if (this.nopass) out.push('nopass');
    out.push(this.sanitizePayload);
    return out;
  }

  describeCommands(): string {
    return [this.allCommands ? '+@all' : '-@all', ...this.commandRules].join(' ');
  }

  describeKeys(): string {
    if (this.allKeys) return '~*';
    return this.keyPatterns.map((p) => (p.read && p.write ? '~' : p.read ? '%R~' : '%W~') + p.pattern).join(' ');
  }

  describeChannels(): string {
    if (this.allChannels) return '&*';
    return this.channelPatterns.map((p) => '&' + p.pattern).join(' ');
  }

  /** The ACL LIST line, which is also the ACL file line. */
  describe(): string {
    const parts = ['user', this.name, ...this.flags(), ...this.passwords.map((h) => '#' + h)];
    const keys = this.describeKeys();
    if (keys !== '') parts.push(keys);
    parts.push(this.allChannels ? '&*' : ['resetchannels', this.describeChannels()].filter(Boolean).join(' '));
    parts.push(this.describeCommands());
    return parts.join(' ');
  }
}

/** A rule that failed, with the rule: callers word it (`Error in ACL SETUSER modifier '…': …`, file:line). */
export class RuleFailure extends Error {
  constructor(
    readonly rule: string,
    readonly reason: string,
  ) {
    super(`Error in ACL SETUSER modifier '${rule}': ${reason}`);
  }
}

/**
 * A key or channel pattern is matched on every request it guards, so it is held to the glob matcher's length cap
 * (which bounds one match's cost); refused here, it can never fail a request later.
 */
function checkPatternLength(pattern: string): void {
  const bytes = Buffer.byteLength(pattern, 'utf8');
  if (bytes > GLOB_MAX_LENGTH) throw new AclRuleError(`The pattern is too long: ${bytes} bytes, at most ${GLOB_MAX_LENGTH}`);
}

function checkHash(hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new AclRuleError(BAD_HASH);
  return hex;
}

/** Usernames: Redis refuses spaces and NUL bytes. */
export function validUsername(name: string): boolean {
  return !/[\s\0]/.test(name) && name.length > 0;
}
