// Every server setting described once: its flag, env variable, CONFIG name, type, range, default, whether
// CONFIG SET may change it, and its doc text. The command line, --help, CONFIG GET/SET and COMMANDS.md's
// settings table are all made from this list; to add a setting, add a row here (the kinds are in kinds.ts).

import { constants as bufferConstants } from 'node:buffer';
import { getHeapStatistics } from 'node:v8';
import { sha256Hex } from '../acl/user.js';
import { tlsFilesProblem } from '../server/listeners.js';
import { maxClientsRefusal, RESERVED_FDS } from '../server/open-files.js';
import { bool, custom, int, memory, oneOf, text, type Setting } from './kinds.js';
import { SettingStore } from './store.js';
import { DEFAULT_OUTPUT_LIMITS, formatOutputLimits, parseOutputLimits, type OutputBufferLimits } from './output-limits.js';

export { defaultText, rangeText, SettingError, type Lookup, type Setting, type SettingType } from './kinds.js';
export type { OutputBufferLimit, OutputBufferLimits } from './output-limits.js';

/** Longest timer a setting may ask for: a year, in ms (long timers are re-armed in steps). */
const MS_YEAR = 365 * 24 * 3600 * 1000;
/** Node's setInterval/setTimeout limit (2^31 − 1 ms, about 24.8 days). */
const TIMER_MAX = 2 ** 31 - 1;
const GB = 1024 ** 3;
const MB = 1024 ** 2;

/** The share of V8's heap limit that maxmemory defaults to: the rest is room for replies and the collector. */
export const MAXMEMORY_HEAP_SHARE = 0.75;

export const SETTINGS = [
  int('port', {
    env: 'REGISTRY_PORT',
    range: { min: 0, max: 65535 },
    default: 6390,
    mutable: false,
    doc: 'TCP port; 0 picks a free one (CONFIG GET then answers the port picked)',
  }),
  text('bind', { arg: 'ADDR', env: 'REGISTRY_BIND', default: '127.0.0.1', mutable: false, doc: 'address to listen on' }),
  // Kept as its SHA-256 digest from the moment it is read, like every ACL password; CONFIG GET says `(set)` or ''.
  custom('requirepass', {
    type: 'string',
    arg: 'PASS',
    env: 'REGISTRY_PASSWORD',
    default: '',
    defaultDoc: 'none',
    mutable: true,
    doc: "password of the `default` user (AUTH, HELLO AUTH); CONFIG SET rotates it at run time, '' removes it; CONFIG GET answers `(set)` or '' (only a digest is kept)",
    parse: (t: string) => (t === '' ? '' : sha256Hex(t)),
    format: (v: string) => (v === '' ? '' : '(set)'),
  }),
  custom('user', {
    type: 'string',
    arg: "'NAME RULES'",
    config: false,
    multiple: true,
    default: [] as readonly string[],
    defaultDoc: 'none',
    mutable: false,
    doc: "an ACL user in Redis' rule syntax, e.g. `--user 'gpu-a on >pw -@all +@connection +hbeat ~worker:gpu-a-*'`; repeatable; not with --aclfile",
    parse: (t: string): readonly string[] => (t === '' ? [] : [t]),
    // Shown in logs and CONFIG-like listings: passwords are left out (`>…`).
    format: (v: readonly string[]) => v.map((u) => u.replace(/(^|\s)([<>])\S*/g, '$1$2…')).join(', '),
  }),
  oneOf('protected-mode', {
    values: ['yes', 'no'],
    default: 'yes',
    mutable: true,
    doc: 'with no password on the default user, refuse clients from anywhere but 127.0.0.1 and ::1 (the Redis 7.0 rule: 127.0.0.2 is remote) with `-DENIED`',
  }),
  int('tls-port', {
    range: { min: 0, max: 65535 },
    default: 0,
    defaultDoc: 'off',
    mutable: false,
    doc: 'TLS port (0: no TLS); with --port 0, TLS only',
  }),
  text('tls-cert-file', {
    arg: 'FILE',
    default: '',
    defaultDoc: 'none',
    mutable: true,
    check: (_v, get) => tlsFilesProblem(get),
    doc: 'server certificate (PEM); CONFIG SET reloads it for new connections',
  }),
  text('tls-key-file', {
    arg: 'FILE',
    default: '',
    defaultDoc: 'none',
    mutable: true,
    check: (_v, get) => tlsFilesProblem(get),
    doc: 'server private key (PEM); CONFIG SET reloads it',
  }),
  text('tls-ca-cert-file', {
    arg: 'FILE',
    default: '',
    defaultDoc: 'none',
    mutable: true,
    check: (_v, get) => tlsFilesProblem(get),
    doc: 'CA certificates (PEM) that client certificates must chain to; CONFIG SET reloads them',
  }),
  oneOf('tls-auth-clients', {
    values: ['yes', 'no', 'optional'],
    default: 'yes',
    mutable: false,
    doc: 'client certificates: required (yes), not asked for (no), or checked when given (optional)',
  }),
  oneOf('tls-auth-clients-user', {
    values: ['off', 'CN'],
    default: 'off',
    mutable: true,
    doc: "CN: a client certificate's Common Name logs the connection in as the ACL user of that name, without AUTH (create such users without a password so they cannot be reached over plain TCP)",
  }),
  text('aclfile', {
    arg: 'FILE',
    default: '',
    defaultDoc: 'none',
    mutable: false,
    doc: "ACL users in Redis' ACL file format: loaded at start (all or nothing: a bad line stops the start, naming file:line), by ACL LOAD, written by ACL SAVE",
  }),
  int('maxclients', {
    range: { min: 1, max: 1_000_000 },
    default: 10_000,
    mutable: true,
    doc:
      'most connections at once; more get `ERR max number of clients reached`. At start it is lowered to the ' +
      `open-file limit (\`ulimit -n\`) minus ${RESERVED_FDS} (logged, as Redis does); CONFIG SET above that is refused`,
    // The start lowers the value before it gets here (RegistryServer); a later CONFIG SET is refused as Redis does.
    check: (value) => maxClientsRefusal(value),
  }),
  memory('maxmemory', {
    range: { min: 0, max: Number.MAX_SAFE_INTEGER },
    default: () => Math.floor((getHeapStatistics().heap_size_limit * MAXMEMORY_HEAP_SHARE) / MB) * MB,
    defaultDoc: `${MAXMEMORY_HEAP_SHARE * 100}% of the V8 heap limit the server starts with`,
    mutable: true,
    doc: 'memory limit on `used_memory` (INFO memory): above it, heartbeats from new workers are refused with an OOM error, known workers still refresh and reads still work; 0: no limit',
  }),
  oneOf('maxmemory-policy', {
    values: ['noeviction'],
    default: 'noeviction',
    mutable: true,
    doc: 'what happens at maxmemory: `noeviction` (refuse new workers) is the only policy',
  }),
  int('offline-after', {
    arg: 'MS',
    range: { min: 1, max: MS_YEAR },
    default: 30_000,
    mutable: false,
    doc: 'a worker goes offline this long after its last heartbeat; the default `max_age_ms`',
  }),
  int('evict-after', {
    arg: 'MS',
    range: { min: 0, max: MS_YEAR },
    rangeDoc: '0, or from --offline-after to 31536000000 (a year)',
    default: (get) => Math.max(300_000, get('offline-after') as number),
    defaultDoc: '300000, or --offline-after when larger',
    mutable: false,
    doc: 'an offline worker is removed this long after its last heartbeat; 0: never',
    check: (v, get) =>
      v !== 0 && v < (get('offline-after') as number)
        ? `must be 0 or at least offline-after (${get('offline-after') as number})`
        : undefined,
  }),
  int('expiry-guard', {
    arg: 'PCT',
    range: { min: 0, max: 100 },
    default: 50,
    mutable: false,
    doc: 'mass-expiry guard: stop evicting when more than PCT% of the workers online at a window start go offline within that window (100: never)',
  }),
  int('expiry-guard-min', {
    range: { min: 1, max: 1_000_000_000 },
    default: 2,
    mutable: false,
    doc: 'the guard only judges windows that start with at least N online workers',
  }),
  int('expiry-guard-max-hold', {
    arg: 'MS',
    range: { min: 0, max: MS_YEAR },
    default: 900_000,
    mutable: true,
    doc: 'longest the guard holds evictions on its own (AUTO): then it lifts and logs it, and the workers it held are evicted after one offline window, at most --evict-rate a second (a fleet stopped on purpose is cleaned up); 0: until enough workers are back. A hold asked for with REGISTRY.GUARD ON lasts until OFF or AUTO',
  }),
  int('evict-rate', {
    arg: 'N',
    range: { min: 0, max: 1_000_000_000 },
    default: 1000,
    mutable: true,
    doc: 'most evictions a second: a backlog (the workers a lifted guard held) drains in heartbeat order at this rate instead of all in one instant; 0: no limit',
  }),
  int('event-log', { range: { min: 1, max: 10_000_000 }, default: 100_000, mutable: false, doc: 'events kept for EVENTS.READ' }),
  memory('event-log-max-bytes', {
    range: { min: 1024, max: Number.MAX_SAFE_INTEGER },
    default: 64 * MB,
    mutable: true,
    doc: 'most memory the events kept for EVENTS.READ may hold (each counts twice its JSON text plus 128 bytes); the oldest go first, and a read of what went answers COMPACTED; lowering it trims at once',
  }),
  text('snapshot', {
    arg: 'FILE',
    default: '',
    defaultDoc: 'off',
    mutable: false,
    doc: 'restore at start; write on SAVE, at shutdown and every --save-interval; empty: no snapshots',
  }),
  int('save-interval', {
    arg: 'MS',
    range: { min: 0, max: TIMER_MAX },
    default: 60_000,
    mutable: false,
    doc: 'periodic snapshot with --snapshot; 0: only on SAVE and at shutdown',
  }),
  bool('ignore-bad-snapshot', {
    default: false,
    mutable: false,
    doc: 'start empty (the bad file moved aside) instead of refusing to start on a corrupt or unreadable snapshot',
  }),
  oneOf('loglevel', {
    values: ['debug', 'verbose', 'notice', 'warning'],
    arg: 'LEVEL',
    default: 'notice',
    mutable: true,
    doc: 'how much the log says, as Redis: `debug`, `verbose`, `notice` (start, restore, saves, guard, eviction batches, slow commands, shutdown; nothing per heartbeat) or `warning`',
  }),
  text('logfile', {
    arg: 'FILE',
    default: '',
    defaultDoc: 'empty: standard output',
    mutable: false,
    doc: "append the log to FILE (Redis' line format; opened for each line, so a rotated file is recreated); empty: standard output",
  }),
  int('log-slower-than', {
    arg: 'MS',
    range: { min: 0, max: TIMER_MAX },
    default: 100,
    mutable: true,
    doc: 'log a command that takes at least MS milliseconds of the event loop (name, time, client); 0: none',
  }),
  custom('client-output-buffer-limit', {
    type: 'string',
    arg: "'CLASS HARD SOFT SECONDS …'",
    mutable: true,
    default: DEFAULT_OUTPUT_LIMITS,
    defaultDoc: '`normal 0 0 0 replica 256mb 64mb 60 pubsub 32mb 8mb 60`',
    doc: 'per client class (normal, replica, pubsub): a client whose pending output passes HARD bytes, or stays over SOFT bytes for SECONDS, is disconnected; 0: no limit; memory units allowed',
    parse: (value: string, current?: OutputBufferLimits) => parseOutputLimits(value, current ?? DEFAULT_OUTPUT_LIMITS),
    format: formatOutputLimits,
  }),
  // Protocol limits are bounded by what the code can honour: a bulk argument is read as one JS string (V8's
  // longest string, just under 512 MB), and an inline line is scanned again as each piece of it arrives.
  memory('proto-max-bulk-len', {
    range: { min: 1, max: bufferConstants.MAX_STRING_LENGTH },
    default: 16 * MB,
    mutable: true,
    doc: "longest bulk argument (Redis: 512mb; here at most V8's longest string)",
  }),
  int('proto-max-multibulk-len', {
    range: { min: 1, max: 16 * 1024 * 1024 },
    default: 1024 * 1024,
    mutable: true,
    doc: 'most arguments in one request',
  }),
  memory('proto-inline-max-size', {
    range: { min: 1, max: 8 * MB },
    default: 64 * 1024,
    mutable: true,
    doc: 'longest inline request (Redis: 64kb, fixed)',
  }),
  memory('client-query-buffer-limit', {
    range: { min: 1, max: GB },
    default: 64 * MB,
    mutable: true,
    doc: 'most unparsed bytes held for one client',
  }),
  int('reply-max-records', {
    range: { min: 1, max: 1_000_000 },
    // Building and encoding a worker record costs ~10 µs of CPU: 5000 keep an unpaged reply's stall near 50 ms.
    default: 5_000,
    mutable: true,
    doc: 'most records one WORKER.LIST or HIVE.LIST reply carries: the unpaged form refuses more (page with CURSOR), and COUNT may not ask for more',
  }),
  int('http-port', {
    range: { min: -1, max: 65535 },
    default: -1,
    defaultDoc: '-1 (off)',
    mutable: false,
    doc: 'serve /metrics (Prometheus), the dashboard at / and its /events stream over HTTP on this port, at the same bind address; 0 picks a free one; -1: off. With a password or ACL users, HTTP Basic auth against the same users',
  }),
  int('http-events-ping', {
    arg: 'MS',
    range: { min: 10, max: TIMER_MAX },
    default: 15_000,
    mutable: false,
    doc: 'an open /events stream gets a comment line this often, so proxies keep it open',
  }),
  int('slowlog-log-slower-than', {
    arg: 'USEC',
    range: { min: -1, max: 2 ** 31 - 1 },
    default: 10_000,
    mutable: true,
    doc: 'SLOWLOG keeps commands that took at least this many microseconds; 0: every command; -1: none',
  }),
  int('slowlog-max-len', {
    range: { min: 0, max: 1_000_000 },
    default: 128,
    mutable: true,
    doc: 'entries SLOWLOG keeps (the oldest go first)',
  }),
  int('latency-monitor-threshold', {
    arg: 'MS',
    range: { min: 0, max: 2 ** 31 - 1 },
    default: 0,
    mutable: true,
    doc: 'LATENCY records commands that took at least this many milliseconds; 0: off',
  }),
  int('databases', {
    flag: false,
    range: { min: 1, max: 1 },
    default: 1,
    mutable: false,
    doc: 'one database (SELECT 0); for tools that ask',
  }),
  text('save', {
    flag: false,
    default: '',
    defaultDoc: 'empty',
    mutable: false,
    doc: "Redis' RDB schedule: empty (see --snapshot); for tools that ask, such as redis-benchmark",
  }),
  bool('appendonly', { flag: false, default: false, mutable: false, doc: 'no append-only file; for tools that ask' }),
  int('timeout', {
    flag: false,
    range: { min: 0, max: 0 },
    default: 0,
    mutable: false,
    doc: 'idle clients are never closed; for tools that ask',
  }),
] as const;

export type AnySetting = (typeof SETTINGS)[number];
export type SettingName = AnySetting['name'];
export type SettingValues = { [S in AnySetting as S['name']]: S extends Setting<string, infer T> ? T : never };

const BY_NAME = new Map<string, AnySetting>(SETTINGS.map((s) => [s.name, s]));

export function settingByName(name: string): AnySetting | undefined {
  return BY_NAME.get(name);
}

/** The settings of one server: the rows above, with their values (see store.ts). */
export class Settings extends SettingStore<SettingValues> {
  constructor(given: Partial<SettingValues> = {}) {
    super(SETTINGS, given);
  }
}
