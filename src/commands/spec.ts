// The command spec: every command described once, as data, beside its handler (like Redis' commands/*.json).
// The dispatcher's arity check, COMMAND INFO/DOCS/LIST/COUNT and COMMANDS.md are all derived from it.

import type { Reply } from '../resp/reply.js';
import type { ReplyShape } from './reply-shape.js';
import type { ClientState } from './context.js';
import type { RequestFrame } from '../resp/decoder.js';

export type ArgType = 'string' | 'integer' | 'double' | 'key' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** The literal keyword before the value (`STATE` in `STATE s`), or the token itself for pure-token. */
  token?: string;
  optional?: boolean;
  multiple?: boolean;
  /** The token repeats with every value (`ARG a ARG b`). */
  multipleToken?: boolean;
  displayText?: string;
  summary?: string;
  /** For oneof and block. */
  arguments?: ArgSpec[];
}

/**
 * What a handler gets: the argument vector as UTF-8 strings (argv[0] is the command name as sent) and the
 * same as raw bytes for the few commands that must be binary-safe and say so with `bytesFrom` (ECHO, PUBLISH).
 * It returns a reply value, or a promise of one for a command that blocks.
 */
export type Handler = (client: ClientState, argv: string[], raw: Buffer[]) => Reply | Promise<Reply>;

/**
 * Redis' key-spec flags. RO/RW/OW/RM say what the command does to the key; ACCESS (reads the value), UPDATE,
 * INSERT and DELETE say which ACL permission it needs: ACCESS needs read (`%R~`), the others write (`%W~`).
 */
export type KeyFlag = 'RO' | 'RW' | 'OW' | 'RM' | 'ACCESS' | 'UPDATE' | 'INSERT' | 'DELETE';

/**
 * One key argument, as Redis' key specs: where the first key is (an argument index, or after a keyword) and
 * how far keys go. The registry's keys are derived from ids: `worker:<worker_id>`, `hive:<hive_id>` (`prefix`).
 */
export interface KeySpec {
  /** Prepended to the argument to make the key name. */
  prefix: '' | 'worker:' | 'hive:';
  /** begin_search: the argument index of the first key, or the keyword after which it comes. */
  begin: { index: number } | { keyword: string; startFrom: number };
  /** find_keys range: the last key relative to the first (0: one key, -1: to the end), the step between keys. */
  lastKey: number;
  keyStep?: number;
  flags: KeyFlag[];
  notes?: string;
}

/** A key a request names, with the access it needs. */
export interface KeyRef {
  key: string;
  flags: readonly KeyFlag[];
}

/** Reads argument i of a request (from argv or directly from the request's bytes). */
export type ArgReader = (i: number) => string;

export interface CommandSpec {
  /** Upper case as documented: `HBEAT`, `HIVE.GET`, `CLIENT`; a subcommand's own name: `ID`. */
  name: string;
  summary: string;
  since: string;
  group: string;
  complexity: string;
  /** Redis' convention, counting the command name (and subcommand): N exactly, -N at least N. */
  arity: number;
  /** Redis command flags: write, readonly, fast, admin, noscript, loading, stale, no-auth, no-multi, pubsub… */
  flags: string[];
  /** ACL categories without the '@'. */
  aclCategories: string[];
  arguments?: ArgSpec[];
  /** The reply, for COMMANDS.md: what RESP2 and RESP3 clients get. */
  reply: string;
  /**
   * The reply's shape as data (see reply-shape.ts); the in-process test harness checks every reply against it.
   * Optional while commands gain one: give every new command one.
   */
  replyShape?: ReplyShape;
  /** Errors beyond the generic ones, for COMMANDS.md. */
  errors?: string[];
  /** Longer notes for COMMANDS.md. */
  notes?: string;
  /** The seed crate function(s) this command replaces, for the mapping table. */
  seed?: string[];
  subcommands?: CommandSpec[];
  /** Runs at once inside MULTI instead of being queued (MULTI, EXEC, DISCARD, QUIT, RESET). */
  runsInMulti?: boolean;
  /**
   * Arguments from this index on are payload the handler reads from `raw` and may hold any bytes (ECHO's and
   * PING's message, PUBLISH's); other handlers get an empty `raw`. Every argument before it is read as text and
   * must be valid UTF-8 (the dispatcher refuses it otherwise: decoding would turn different bytes into one string).
   */
  bytesFrom?: number;
  /** Allowed for a RESP2 client in subscribe mode ((P)SUBSCRIBE, (P)UNSUBSCRIBE, PING, QUIT, RESET). */
  allowedInSubscribe?: boolean;
  /** The command's key arguments (COMMAND INFO key specs, COMMAND GETKEYS, ACL key patterns). */
  keySpecs?: KeySpec[];
  /**
   * Finds the keys when the key specs alone cannot (HBEAT's JSON form carries its ids in the payload). Gets
   * the argument count and a reader, so the hot path can call it without building argv.
   */
  getKeys?: (argc: number, arg: ArgReader) => KeyRef[];
  /**
   * With getKeys: the key specs name the request's keys unless argument `index` is `token` (HBEAT's JSON form,
   * whose ids are in the payload). Lets the hot path check the keys from the bytes; without it, a command with
   * getKeys is always checked the ordinary way.
   */
  keysUnless?: { index: number; token: string };
  /** Channel arguments, checked against ACL `&` rules: at `index` (to the end when `multiple`); `pattern`: PSUBSCRIBE's. */
  channels?: { index: number; multiple: boolean; pattern: boolean };
  /** Absent on container commands, which dispatch to a subcommand. */
  handler?: Handler;
  /**
   * Optional hot-path handler that reads the request's bytes directly (no argument strings), outside MULTI. It
   * returns undefined for anything it leaves to `handler`; what it throws becomes an error reply, as for
   * `handler`. It must answer as `handler` does: share the parser (see ArgvFrame) rather than write a second.
   */
  frameHandler?: (client: ClientState, frame: RequestFrame) => Reply | undefined;
}

/** A command definition: its spec with the handler. Subcommand handlers sit in their own specs. */
export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec;
}
