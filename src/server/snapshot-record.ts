// A snapshot's records and header fields checked as HBEAT checks them: a saved record must be one a heartbeat
// could have made, and a bad one is refused with the field, the value and what was expected.

import { isValidUrl, parseTimestamp } from '../registry/heartbeat-input.js';
import { DEVICE_ID_MAX, FIELD_MAX_BYTES, isBlank, isWellFormed } from '../registry/field-limits.js';
import type { WorkerSnapshot } from '../registry/snapshot.js';
import type { GuardState } from '../registry/guard.js';

export const shown = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 80 ? text.slice(0, 80) + '…' : text;
};

export const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isPercent = (v: unknown) => typeof v === 'number' && v >= 0 && v <= 100;
const nonEmpty = (v: unknown) => typeof v === 'string' && v.length > 0;
// HBEAT refuses an id or name of only whitespace (such ids cannot be told apart in any listing or log).
const name = (max: number) => (v: unknown) =>
  nonEmpty(v) && !isBlank(v as string) && isWellFormed(v as string) && Buffer.byteLength(v as string) <= max;
// Not parseUrl: it keeps each URL in its pool, and a restore's URLs (one a worker) would only churn it.
const validUrl = (v: unknown) => typeof v === 'string' && isValidUrl(v);
const validTimestamp = (v: unknown) => {
  if (typeof v !== 'string') return false;
  try {
    parseTimestamp(v);
    return true;
  } catch {
    return false;
  }
};
const orNull = (ok: (v: unknown) => boolean) => (v: unknown) => v === null || ok(v);

/** Each field as HBEAT would accept it (a saved record must be one a heartbeat could have made). */
const FIELD_RULES: Record<keyof WorkerSnapshot, [(v: unknown) => boolean, string]> = {
  worker_id: [name(FIELD_MAX_BYTES.worker_id), `a non-empty string of at most ${FIELD_MAX_BYTES.worker_id} bytes, not only whitespace`],
  hive_id: [name(FIELD_MAX_BYTES.hive_id), `a non-empty string of at most ${FIELD_MAX_BYTES.hive_id} bytes, not only whitespace`],
  state: [orNull((v) => v === 'Idle' || v === 'Busy' || v === 'Loading'), 'Idle, Busy, Loading or null'],
  health: [orNull((v) => v === 'healthy' || v === 'degraded'), 'healthy, degraded or null'],
  url: [
    orNull((v) => validUrl(v) && Buffer.byteLength(v as string) <= FIELD_MAX_BYTES.url),
    `an absolute URL of at most ${FIELD_MAX_BYTES.url} bytes or null`,
  ],
  model_id: [
    orNull(name(FIELD_MAX_BYTES.model_id)),
    `a non-empty string of at most ${FIELD_MAX_BYTES.model_id} bytes, not only whitespace, or null`,
  ],
  backend: [
    orNull(name(FIELD_MAX_BYTES.backend)),
    `a non-empty string of at most ${FIELD_MAX_BYTES.backend} bytes, not only whitespace, or null`,
  ],
  device_id: [orNull((v) => isCount(v) && v <= DEVICE_ID_MAX), `an integer from 0 to ${DEVICE_ID_MAX} or null`],
  vram_bytes: [orNull(isCount), 'a non-negative integer (bytes) or null'],
  vram_total_bytes: [orNull(isCount), 'a non-negative integer (bytes) or null'],
  ram_bytes: [orNull(isCount), 'a non-negative integer (bytes) or null'],
  cpu_percent: [orNull(isPercent), 'a number from 0 to 100 or null'],
  gpu_percent: [orNull(isPercent), 'a number from 0 to 100 or null'],
  reported_at: [orNull(validTimestamp), 'an ISO 8601 date-time with offset or null'],
  skew_ms: [orNull(Number.isSafeInteger), 'an integer or null'],
  last_seen_ms: [isCount, 'a non-negative integer (epoch ms)'],
};
const FIELDS = Object.keys(FIELD_RULES) as Array<keyof WorkerSnapshot>;
/** Fields of older versions, read and dropped (liveness now follows from last_seen_ms). */
const DROPPED_FIELDS = new Set(['online']);

/** The guard's saved state (the header's `guard`), or the reason it is refused. */
export function checkGuardState(v: unknown): GuardState | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `invalid guard ${shown(v)}: expected an object`;
  const o = v as Record<string, unknown>;
  const rules: Record<keyof GuardState, [(x: unknown) => boolean, string]> = {
    mode: [(x) => x === 'auto' || x === 'on' || x === 'off', 'auto, on or off'],
    active: [(x) => typeof x === 'boolean', 'true or false'],
    since_ms: [isCount, 'a non-negative integer (epoch ms)'],
    baseline: [isCount, 'a non-negative integer'],
    evictions_resume_at_ms: [isCount, 'a non-negative integer (epoch ms)'],
  };
  for (const [key, [ok, expected]] of Object.entries(rules)) {
    if (!ok(o[key])) return `invalid guard.${key} ${shown(o[key])}: expected ${expected}`;
  }
  for (const key of Object.keys(o)) if (!(key in rules)) return `unknown field guard.${key}`;
  return o as unknown as GuardState;
}

/** Whether a string field holds a name within `max` bytes, as `name(max)` checks, without a closure call. */
function isName(v: unknown, max: number): boolean {
  return typeof v === 'string' && v.length > 0 && (v.length * 3 <= max || Buffer.byteLength(v) <= max) && !isBlank(v) && isWellFormed(v);
}
const isNameOrNull = (v: unknown, max: number) => v === null || isName(v, max);
const isCountOrNull = (v: unknown) => v === null || isCount(v);
const isPercentOrNull = (v: unknown) => v === null || isPercent(v);

/**
 * The same rules as FIELD_RULES, written out field by field (no call through the table, no copy): a restore
 * checks a million records. True when each of the 16 fields holds a valid value (a missing one reads undefined,
 * refused); other keys are not looked at.
 */
export function isValidRecordValues(o: Record<string, unknown>): boolean {
  const state = o.state;
  const health = o.health;
  const device = o.device_id;
  const url = o.url;
  const reported = o.reported_at;
  const skew = o.skew_ms;
  return (
    isName(o.worker_id, FIELD_MAX_BYTES.worker_id) &&
    isName(o.hive_id, FIELD_MAX_BYTES.hive_id) &&
    (state === null || state === 'Idle' || state === 'Busy' || state === 'Loading') &&
    (health === null || health === 'healthy' || health === 'degraded') &&
    (url === null || validUrl(url)) &&
    isNameOrNull(o.model_id, FIELD_MAX_BYTES.model_id) &&
    isNameOrNull(o.backend, FIELD_MAX_BYTES.backend) &&
    (device === null || (isCount(device) && device <= DEVICE_ID_MAX)) &&
    isCountOrNull(o.vram_bytes) &&
    isCountOrNull(o.vram_total_bytes) &&
    isCountOrNull(o.ram_bytes) &&
    isPercentOrNull(o.cpu_percent) &&
    isPercentOrNull(o.gpu_percent) &&
    (reported === null || validTimestamp(reported)) &&
    (skew === null || Number.isSafeInteger(skew)) &&
    isCount(o.last_seen_ms)
  );
}

/** A record with exactly the 16 fields, all valid. */
function isPlainValidRecord(o: Record<string, unknown>): boolean {
  if (!isValidRecordValues(o)) return false;
  let keys = 0;
  for (const _ in o) keys++;
  return keys === FIELDS.length;
}

/** The record on a line, or the reason it is refused. */
export function checkRecord(o: Record<string, unknown>): WorkerSnapshot | string {
  // The object is the parser's, used once: pass it on as it is when it holds exactly the fields.
  if (isPlainValidRecord(o)) return o as unknown as WorkerSnapshot;
  for (const field of FIELDS) {
    if (!(field in o)) return `no ${field}`;
    const [ok, expected] = FIELD_RULES[field];
    if (!ok(o[field])) return `invalid ${field} ${shown(o[field])}: expected ${expected}`;
  }
  for (const key of Object.keys(o)) if (!(key in FIELD_RULES) && !DROPPED_FIELDS.has(key)) return `unknown field ${shown(key)}`;
  const w = {} as Record<string, unknown>;
  for (const field of FIELDS) w[field] = o[field];
  return w as unknown as WorkerSnapshot;
}
