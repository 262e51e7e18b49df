// What command handlers may see of the server and of the calling client. The server implements these
// interfaces; commands never import from src/server (dependencies point one way).

import type { Protocol } from '../resp/encoder.js';
import type { Reply } from '../resp/reply.js';
import type { WorkerRegistry } from '../registry/registry.js';
import type { CommandTable, ResolvedCommand } from './table.js';
import type { OpsState } from './ops/state.js';
import type { Settings } from '../settings/settings.js';
import type { AclStore } from '../acl/store.js';
import type { AclUser } from '../acl/user.js';

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning';

/** The server log, by Redis' levels. */
export interface Log {
  debug(message: string): void;
  verbose(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  enabled(level: LogLevel): boolean;
}

export interface ServerStats {
  totalConnectionsReceived: number;
  totalCommandsProcessed: number;
  rejectedConnections: number;
  protocolErrors: number;
  outputLimitDisconnections: number;
}

export interface MemoryFigures {
  /** What maxmemory limits: heap in use plus external. */
  used: number;
  heapUsed: number;
  heapTotal: number;
  heapLimit: number;
  /** Memory outside the V8 heap that V8 tracks: Buffers, typed arrays. */
  external: number;
}

/** The server's memory use against its `maxmemory` limit. */
export interface MemoryGauge {
  /** INFO's used_memory and its parts, in bytes (read now). */
  used(): MemoryFigures;
  /** maxmemory in bytes; 0: no limit. */
  readonly limit: number;
  /** Above maxmemory: a heartbeat from a new worker must be refused (Redis' noeviction policy). */
  overLimit(): boolean;
}

/** Pub/sub channels and patterns (SUBSCRIBE, PUBLISH, PUBSUB). */
export interface PubSubHub {
  subscribe(client: ClientState, channel: string): void;
  unsubscribe(client: ClientState, channel: string): void;
  psubscribe(client: ClientState, pattern: string): void;
  punsubscribe(client: ClientState, pattern: string): void;
  /** Delivers a message; returns the number of clients that received it. */
  publish(channel: string, message: string | Buffer): number;
  channels(pattern: string | null): string[];
  numsub(channel: string): number;
  numpat(): number;
}

export interface ServerContext {
  readonly registry: WorkerRegistry;
  readonly commands: CommandTable;
  readonly stats: ServerStats;
  readonly version: string;
  readonly runId: string;
  readonly startedAtMs: number;
  readonly tcpPort: number;
  /** Command and error counters, the slow log, the latency monitor and the MONITOR clients. */
  readonly ops: OpsState;
  readonly memory: MemoryGauge;
  /** Every setting's value; CONFIG GET/SET read and change them. */
  readonly settings: Settings;
  /** Users, authentication, ACL LOG and denial counters. */
  readonly acl: AclStore;
  readonly pubsub: PubSubHub;
  /** The server log (Redis' levels and line format). */
  readonly log: Log;
  /** Commands that take at least this long (ms) are logged; 0: none. */
  readonly logSlowerThanMs: number;
  /** The snapshot file, or null when snapshots are off. */
  readonly snapshotPath: string | null;
  /** Writes the snapshot now (atomically). */
  saveSnapshot(): Promise<void>;
  /** When the last snapshot was written (epoch ms), or 0. */
  readonly lastSaveMs: number;
  clients(): Iterable<ClientState>;
  /** Wall-clock time in microseconds, for TIME. */
  wallClockMicros(): bigint;
}

/** A queued MULTI command. */
export interface QueuedCommand {
  argv: string[];
  raw: Buffer[];
}

export interface ClientState {
  readonly id: number;
  readonly server: ServerContext;
  readonly addr: string;
  readonly laddr: string;
  readonly createdAtMs: number;
  name: string | null;
  proto: Protocol;
  libName: string | null;
  libVersion: string | null;
  authenticated: boolean;
  /** The ACL user the connection runs as (`default` until AUTH). Shared with its other connections. */
  user: AclUser;
  /** The command being run or last run, for CLIENT LIST. */
  lastCommand: string;
  /** The command the current request ran (set by the dispatcher; null when none ran): its time is measured. */
  current: ResolvedCommand | null;
  lastInteractionMs: number;
  /** Commands queued since MULTI, or null outside a transaction. */
  multi: QueuedCommand[] | null;
  /** A command failed to queue: EXEC must abort. */
  multiDirty: boolean;
  /** Waiting in a blocking command (EVENTS.READ BLOCK): CLIENT LIST flag `b`, INFO blocked_clients. */
  readonly blocked: boolean;
  /** EXEC is running this client's queued commands: blocking commands must not block. */
  inTransaction: boolean;
  /** Channels and patterns this client is subscribed to. */
  readonly subscriptions: Set<string>;
  readonly patterns: Set<string>;
  /** Writes a reply outside the request/response flow (pub/sub messages). */
  push(reply: Reply): void;
  /**
   * Runs `fn` when the connection closes (to cancel a blocked wait). Returns a function that forgets `fn`, so a
   * long-lived connection does not keep one hook per finished wait.
   */
  onClose(fn: () => void): () => void;
  /** Close the connection once the replies written so far are flushed (QUIT). */
  closeAfterReply(): void;
  /** Close the connection now, dropping its pending output, as Redis frees a killed client (CLIENT KILL). */
  kill(): void;
  /** The socket's file descriptor, or -1 where the platform does not expose it. */
  readonly fd: number;
  /** Unparsed bytes held for this client, for CLIENT LIST `qbuf`. */
  queryBufferBytes(): number;
  /** Reply bytes waiting to be sent, for CLIENT LIST `omem`. */
  outputBufferBytes(): number;
}

/** Subscribed to any channel or pattern: Redis' client type `pubsub` (and, in RESP2, subscribe mode). */
export function isSubscribed(c: ClientState): boolean {
  return c.subscriptions.size + c.patterns.size > 0;
}
