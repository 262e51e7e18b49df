// Validation of heartbeat values (HBEAT's option table in src/commands reads them with these, and so can a
// snapshot loader): every error names the field and the value.

import { integerOrNull, quote } from '../settings/values.js';
import { StringPool } from './string-pool.js';
import { checkFieldSize, checkId, DEVICE_ID_MAX, FIELD_MAX_BYTES } from './field-limits.js';
import { HEALTH_VALUES, type Health, RegistryError, WORKER_STATES, type WorkerState } from './types.js';
import { asciiLower } from '../settings/values.js';

const shown = quote;

const STATE_BY_LOWER = new Map<string, WorkerState>(WORKER_STATES.map((s) => [s.toLowerCase(), s]));
const HEALTH_BY_LOWER = new Map<string, Health>(HEALTH_VALUES.map((h) => [h, h]));

export function parseState(value: string, field = 'STATE'): WorkerState {
  // Return the literals, not `value`: records then share one string instead of each keeping its own copy.
  if (value === 'Idle') return 'Idle';
  if (value === 'Busy') return 'Busy';
  if (value === 'Loading') return 'Loading';
  const s = STATE_BY_LOWER.get(asciiLower(value));
  if (s === undefined) throw new RegistryError(`invalid ${field} '${shown(value)}': expected Idle, Busy or Loading`);
  return s;
}

export function parseHealth(value: string, field = 'HEALTH'): Health {
  if (value === 'healthy') return 'healthy';
  if (value === 'degraded') return 'degraded';
  const h = HEALTH_BY_LOWER.get(asciiLower(value));
  if (h === undefined) throw new RegistryError(`invalid ${field} '${shown(value)}': expected healthy or degraded`);
  return h;
}

/** A non-negative integer that a double holds exactly (bytes, device ordinals, milliseconds). */
export function parseUint(value: string, field: string, what = 'a non-negative integer'): number {
  const n = integerOrNull(value);
  if (n === null || n < 0) throw new RegistryError(`invalid ${field} '${shown(value)}': expected ${what}`);
  return n;
}

// An exponent is allowed: JSON (serde's ryu too) prints small numbers like 1e-7 that way.
const DECIMAL = /^([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$/;

export function parsePercent(value: string, field: string): number {
  const n = DECIMAL.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 100)) throw new RegistryError(`invalid ${field} '${shown(value)}': expected a number from 0 to 100`);
  return n;
}

/** Two ASCII digits of `s` at `i` as a number, or -1 (past the end too: charCodeAt is then NaN). */
function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * An ISO 8601 / RFC 3339 date-time with an offset (`2025-10-22T12:00:00Z`, `…+02:00`). Returns its epoch ms.
 * A time without an offset is rejected: it would mean a different instant on every host.
 * The form: `YYYY-MM-DD`, `T`, `t` or a space, `hh:mm`, optionally `:ss` and then `.` or `,` with 1 to 9 digits,
 * then `Z`, `z` or `±hh[:]mm`. Read by char code, not a regular expression: this runs on every heartbeat that
 * carries TS (the expression and its ten captures were the dearest step of parsing one) and on every record of a
 * snapshot being restored.
 */
export function parseTimestamp(value: string, field = 'TS'): number {
  const s = value;
  const n = s.length;
  const century = twoDigits(s, 0);
  const yy = twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const sep = s.charCodeAt(10);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  if (
    century < 0 ||
    yy < 0 ||
    s.charCodeAt(4) !== 45 /* - */ ||
    month < 0 ||
    s.charCodeAt(7) !== 45 ||
    day < 0 ||
    (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32) ||
    hour < 0 ||
    s.charCodeAt(13) !== 58 /* : */ ||
    minute < 0
  ) {
    throw badTimestamp(value, field);
  }
  let i = 16;
  let second = 0;
  let fractionMs = 0;
  if (s.charCodeAt(i) === 58) {
    second = twoDigits(s, i + 1);
    if (second < 0) throw badTimestamp(value, field);
    i += 3;
    const c = s.charCodeAt(i);
    if (c === 46 /* . */ || c === 44 /* , */) {
      i++;
      // Milliseconds are the first three digits (padded with zeros); the rest are read and dropped.
      let digits = 0;
      for (; digits < 9 && i < n; digits++, i++) {
        const d = s.charCodeAt(i) - 48;
        if (!(d >= 0 && d <= 9)) break;
        if (digits < 3) fractionMs += d * (digits === 0 ? 100 : digits === 1 ? 10 : 1);
      }
      if (digits === 0) throw badTimestamp(value, field);
    }
  }
  let offsetMinutes = 0;
  const sign = s.charCodeAt(i);
  if (sign === 90 /* Z */ || sign === 122 /* z */) {
    if (i + 1 !== n) throw badTimestamp(value, field);
  } else if (sign === 43 /* + */ || sign === 45 /* - */) {
    const oh = twoDigits(s, i + 1);
    let j = i + 3;
    if (s.charCodeAt(j) === 58) j++;
    const om = twoDigits(s, j);
    if (oh < 0 || om < 0 || j + 2 !== n || oh > 23 || om > 59) throw badTimestamp(value, field);
    offsetMinutes = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  } else throw badTimestamp(value, field);
  const year = century * 100 + yy;
  // Not Date.UTC: it reads years 0-99 as 1900-1999, and 0000 is a leap year where 1900 is not.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) throw badTimestamp(value, field);
  // Arithmetic rather than Date.parse: this runs on every heartbeat that carries TS.
  return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + (minute - offsetMinutes) * 60_000 + second * 1000 + fractionMs;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function badTimestamp(value: string, field: string): RegistryError {
  return new RegistryError(`invalid ${field} '${shown(value)}': expected an ISO 8601 date-time with offset, like 2025-01-31T12:00:00Z`);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

// URLs already seen valid, each kept once: a worker sends the same URL on every heartbeat, URL parsing is not
// cheap, and handing back the kept copy lets the record keep it instead of a fresh string per beat. 4 MB holds
// the URLs of tens of thousands of workers; past that, the oldest are parsed again when they next arrive.
const validUrls = new StringPool(4 * 1024 * 1024);

/** Whether `value` is a URL HBEAT takes (within its bound, absolute), without keeping it (see parseUrl). */
export function isValidUrl(value: string): boolean {
  return (value.length * 3 <= FIELD_MAX_BYTES.url || Buffer.byteLength(value) <= FIELD_MAX_BYTES.url) && URL.canParse(value);
}

export function parseUrl(value: string, field = 'URL'): string {
  const known = validUrls.get(value);
  if (known !== undefined) return known;
  checkFieldSize(value, field, FIELD_MAX_BYTES.url);
  if (!isValidUrl(value)) {
    throw new RegistryError(`invalid ${field} '${shown(value)}': expected an absolute URL like http://10.0.0.5:8080`);
  }
  return validUrls.keep(value);
}

/** An id argument (worker, hive or model): not empty, not only whitespace, within `limit` (see checkId). */
export function parseId(value: string, field: string, limit: number = FIELD_MAX_BYTES.worker_id): string {
  return checkId(value, field, limit);
}

/** A name the registry keeps (MODEL, BACKEND): non-empty and within its size bound. */
export function parseName(value: string, field: string, maxBytes: number): string {
  return checkId(value, field, maxBytes);
}

/** A device ordinal, 0 to DEVICE_ID_MAX. */
export function parseDeviceId(value: string, field = 'DEVICE'): number {
  const n = integerOrNull(value);
  if (n === null || n < 0 || n > DEVICE_ID_MAX)
    throw new RegistryError(`invalid ${field} '${shown(value)}': expected an integer from 0 to ${DEVICE_ID_MAX}`);
  return n;
}
