// The server's ACL state: users by name (always a `default`), authentication, the ACL LOG and the denial
// counters INFO reports, and ACL files in Redis' format (all-or-nothing, errors naming file:line).

import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { CommandCatalog } from './catalog.js';
import { AclUser, RuleFailure, validUsername } from './user.js';

export type DenialReason = 'auth' | 'command' | 'key' | 'channel';

export interface AclLogEntry {
  count: number;
  reason: DenialReason;
  context: 'toplevel' | 'multi';
  object: string;
  username: string;
  createdMs: number;
  updatedMs: number;
  clientInfo: string;
  entryId: number;
}

/** Redis' acllog-max-len default, and the window in which equal denials are counted in one entry. */
const LOG_MAX = 128;
const GROUP_WINDOW_MS = 60_000;

export class AclFileError extends Error {}

export class AclStore {
  readonly users = new Map<string, AclUser>();
  readonly defaultUser: AclUser;
  /** Newest first. */
  readonly log: AclLogEntry[] = [];
  private nextEntryId = 0;
  readonly denied = { auth: 0, command: 0, key: 0, channel: 0 };

  constructor(
    readonly catalog: CommandCatalog,
    /** The ACL file for ACL LOAD/SAVE, or null. */
    readonly aclFile: string | null = null,
    private readonly now: () => number = Date.now,
  ) {
    this.defaultUser = this.standardDefault();
    this.users.set('default', this.defaultUser);
  }

  /** Redis' default user: everything, no password. */
  private standardDefault(): AclUser {
    const u = new AclUser('default', this.catalog);
    u.applyAll(['on', 'nopass', 'allkeys', 'allchannels', 'allcommands']);
    return u;
  }

  get(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  /** A new connection starts as `default`, authenticated only when that user is on and has no password. */
  get defaultLogsIn(): boolean {
    return this.defaultUser.enabled && this.defaultUser.nopass;
  }

  /** The user these credentials open, or null. Every stored hash is compared whatever the user, in constant time. */
  authenticate(username: string, password: string): AclUser | null {
    const user = this.users.get(username);
    if (user === undefined) return null;
    const ok = user.checkPassword(password);
    return ok && user.enabled ? user : null;
  }

  /**
   * ACL SETUSER: applies the rules to a copy and commits only when all are valid (Redis 7 is atomic too), so
   * the connections of that user see the new rules at once. Throws RuleFailure.
   */
  setUser(name: string, rules: readonly string[]): AclUser {
    const existing = this.users.get(name);
    const draft = existing?.clone() ?? new AclUser(name, this.catalog);
    draft.applyAll(rules);
    if (existing === undefined) {
      this.users.set(name, draft);
      return draft;
    }
    existing.copyFrom(draft);
    return existing;
  }

  deleteUser(name: string): boolean {
    if (name === 'default') throw new Error("The 'default' user cannot be removed");
    return this.users.delete(name);
  }

  /** `requirepass` (kept as its SHA-256 digest): the default user's only password; empty: nopass, as Redis. */
  setRequirePassDigest(digest: string): void {
    this.setUser('default', digest === '' ? ['nopass'] : ['resetpass', '#' + digest]);
  }

  sortedUsers(): AclUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ── ACL LOG ───────────────────────────────────────────────────────────────────────────────────────────

  /** Counts a denial and logs it; equal denials within a minute share an entry, as in Redis. */
  recordDenial(reason: DenialReason, context: 'toplevel' | 'multi', object: string, username: string, clientInfo: string): void {
    this.denied[reason]++;
    const now = this.now();
    for (const e of this.log) {
      if (
        e.reason === reason &&
        e.context === context &&
        e.object === object &&
        e.username === username &&
        now - e.createdMs < GROUP_WINDOW_MS
      ) {
        e.count++;
        e.updatedMs = now;
        e.clientInfo = clientInfo;
        return;
      }
    }
    this.log.unshift({
      count: 1,
      reason,
      context,
      object,
      username,
      createdMs: now,
      updatedMs: now,
      clientInfo,
      entryId: this.nextEntryId++,
    });
    if (this.log.length > LOG_MAX) this.log.length = LOG_MAX;
  }

  resetLog(): void {
    this.log.length = 0;
  }

  // ── ACL files ─────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Parses `user <name> <rules…>` lines. Every bad line is reported, in Redis' words, and nothing is returned
   * unless all are good: loading is all-or-nothing.
   */
  parseUsers(lines: ReadonlyArray<{ text: string; where: string }>): AclUser[] {
    const errors: string[] = [];
    const seen = new Map<string, AclUser>();
    lines.forEach(({ text, where }) => {
      const words = text.trim().split(/\s+/).filter(Boolean);
      if (words.length === 0) return;
      if (words[0] !== 'user' || words.length < 2) {
        errors.push(`${where} should start with user keyword followed by the username. `);
        return;
      }
      const name = words[1]!;
      if (!validUsername(name)) {
        errors.push(`${where}: Usernames can't contain spaces or null characters. `);
        return;
      }
      if (seen.has(name)) {
        errors.push(`WARNING: Duplicate user '${name}' found on ${where}. `);
        return;
      }
      const user = new AclUser(name, this.catalog);
      try {
        user.applyAll(words.slice(2));
      } catch (e) {
        if (!(e instanceof RuleFailure)) throw e;
        errors.push(`${where}: Error in applying operation '${e.rule}': ${e.reason}. `);
        return;
      }
      seen.set(name, user);
    });
    if (errors.length > 0) {
      throw new AclFileError(errors.join('') + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed');
    }
    return [...seen.values()];
  }

  /**
   * Replaces the users with these (the default user keeps its rules when they leave it out). Users that
   * remain are updated in place, so their connections follow; returns the names of the users removed.
   */
  install(users: readonly AclUser[]): string[] {
    const incoming = new Map(users.map((u) => [u.name, u]));
    const removed: string[] = [];
    for (const name of [...this.users.keys()]) {
      if (name !== 'default' && !incoming.has(name)) {
        this.users.delete(name);
        removed.push(name);
      }
    }
    for (const u of users) {
      const live = this.users.get(u.name);
      if (live !== undefined) live.copyFrom(u);
      else this.users.set(u.name, u);
    }
    return removed;
  }

  /**
   * Reads the ACL file (at start, and for ACL LOAD) and installs its users; returns the removed users' names.
   * Synchronous: the file is small and a half-applied load must never be seen. Throws AclFileError.
   */
  loadFile(): string[] {
    const file = this.aclFile!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new AclFileError(`Error loading ACLs, opening file '${file}': ${(e as Error).message}`);
    }
    return this.install(this.parseUsers(fileLines(file, text)));
  }

  /** ACL SAVE: every user's ACL LIST line, written to a temporary file and renamed over the old one. */
  saveFile(): void {
    const file = this.aclFile!;
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    writeFileSync(
      tmp,
      this.sortedUsers()
        .map((u) => u.describe() + '\n')
        .join(''),
      { mode: 0o600 },
    );
    renameSync(tmp, file);
  }
}

export function fileLines(file: string, text: string): Array<{ text: string; where: string }> {
  return text.split(/\r?\n/).map((line, i) => ({ text: line, where: `${file}:${i + 1}` }));
}
