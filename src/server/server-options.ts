// What code can tell a server at construction: its settings (any row of src/settings), the few rows the
// code has always named in camel case, and the parts only code can give (clock, timers, logger, exit hook).

import type { DecoderLimits } from '../resp/decoder.js';
import { Settings, type SettingValues } from '../settings/settings.js';
import type { Timers } from '../registry/timers.js';
import type { Clock } from '../registry/types.js';
import { sha256Hex } from '../acl/user.js';
import type { OutputBufferLimits } from './connection.js';
import type { Log } from './log.js';
import type { WriteOptions } from './snapshot.js';

/**
 * A server's settings (rows of src/settings: flags, CONFIG, COMMANDS.md) and the parts only code can give.
 * The camel-case fields name a few settings the way the code has always passed them; `settings` takes any row.
 */
export interface ServerOptions {
  settings?: Partial<SettingValues>;
  port?: number;
  bind?: string;
  /** The default user's password (in clear: it is hashed on the way in). */
  requirePass?: string | null;
  /** Users in Redis' ACL file format, loaded at start (all or nothing) and by ACL LOAD; ACL SAVE writes it. */
  aclFile?: string | null;
  /** Users given as `name rules…` (the --user flag), applied at start. */
  users?: string[];
  maxClients?: number;
  offlineAfterMs?: number;
  evictAfterMs?: number;
  expiryGuardPercent?: number;
  expiryGuardMinWorkers?: number;
  eventLogSize?: number;
  /** Snapshot file; null/absent: no snapshots. */
  snapshotPath?: string | null;
  /** Periodic snapshot interval (ms); 0 = only on SAVE and shutdown. Default 60000. */
  saveIntervalMs?: number;
  /** Start empty instead of refusing to start when the snapshot is unreadable. */
  ignoreBadSnapshot?: boolean;
  limits?: Partial<DecoderLimits>;
  pubsubOutputLimits?: Partial<OutputBufferLimits>;
  normalOutputLimits?: Partial<OutputBufferLimits>;
  clock?: Clock;
  timers?: Timers;
  /** Serve TLS on `port` (default: the tls-port setting; 0 picks a free one); `only`: no plain TCP listener. */
  tls?: { port?: number; only?: boolean };
  /** The server log (default: warnings only, on standard error). */
  logger?: Log;
  /** Called when SHUTDOWN (or a signal's shutdown) has closed everything: the process exits (main.ts). */
  onExit?: (code: number) => void;
  /** For tests: how snapshots are written (slices, a hook before each write). */
  snapshotWriteOptions?: WriteOptions;
  /** Commands that take at least this long (ms) are logged; 0 = none. Default 100. */
  logSlowerThanMs?: number;
}

/** The settings rows the camel-case options stand for. */
export function settingValues(o: ServerOptions): Partial<SettingValues> {
  const v: Record<string, unknown> = {
    port: o.port,
    bind: o.bind,
    requirepass: o.requirePass == null ? undefined : sha256Hex(o.requirePass),
    aclfile: o.aclFile === null ? '' : o.aclFile,
    user: o.users,
    maxclients: o.maxClients,
    'offline-after': o.offlineAfterMs,
    'evict-after': o.evictAfterMs,
    'expiry-guard': o.expiryGuardPercent,
    'expiry-guard-min': o.expiryGuardMinWorkers,
    'event-log': o.eventLogSize,
    snapshot: o.snapshotPath === null ? '' : o.snapshotPath,
    'save-interval': o.saveIntervalMs,
    'ignore-bad-snapshot': o.ignoreBadSnapshot,
    'log-slower-than': o.logSlowerThanMs,
    'proto-max-bulk-len': o.limits?.maxBulkLength,
    'proto-max-multibulk-len': o.limits?.maxMultibulkLength,
    'proto-inline-max-size': o.limits?.maxInlineLength,
    'client-query-buffer-limit': o.limits?.maxQueryBuffer,
  };
  if (o.pubsubOutputLimits !== undefined || o.normalOutputLimits !== undefined) {
    const defaults = new Settings().get('client-output-buffer-limit');
    v['client-output-buffer-limit'] = {
      ...defaults,
      normal: { ...defaults.normal, ...o.normalOutputLimits },
      pubsub: { ...defaults.pubsub, ...o.pubsubOutputLimits },
    };
  }
  for (const key of Object.keys(v)) if (v[key] === undefined) delete v[key];
  return { ...(v as Partial<SettingValues>), ...o.settings };
}
