// Validation of heartbeat values, from HBEAT options or from the seed's JSON payload. Every error names the
// field and the value, and nothing is applied unless the whole heartbeat is valid.

import { integerOrNull, quote } from '../settings/values.js';
import { StringPool } from './string-pool.js';
import { checkFieldSize, DEVICE_ID_MAX, FIELD_MAX_BYTES } from './field-limits.js';
import { HEALTH_VALUES, type HeartbeatFields, type Health, RegistryError, WORKER_STATES, type WorkerState } from './types.js';

const shown = quote;

const STATE_BY_LOWER = new Map<string, WorkerState>(WORKER_STATES.map((s) => [s.toLowerCase(), s]));
const HEALTH_BY_LOWER = new Map<string, Health>(HEALTH_VALUES.map((h) => [h, h]));

export function parseState(value: string, field = 'STATE'): WorkerState {
  // Return the literals, not `value`: records then share one string instead of each keeping its own copy.
  if (value === 'Idle') return 'Idle';
  if (value === 'Busy') return 'Busy';
  if (value === 'Loading') return 'Loading';
  const s = STATE_BY_LOWER.get(value.toLowerCase());
  if (s === undefined) throw new RegistryError(`invalid ${field} '${shown(value)}': expected Idle, Busy or Loading`);
  return s;
}

export function parseHealth(value: string, field = 'HEALTH'): Health {
  if (value === 'healthy') return 'healthy';
  if (value === 'degraded') return 'degraded';
  const h = HEALTH_BY_LOWER.get(value.toLowerCase());
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

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-](\d{2}):?(\d{2}))$/;

/**
 * An ISO 8601 / RFC 3339 date-time with an offset (`2025-10-22T12:00:00Z`, `…+02:00`). Returns its epoch ms.
 * A time without an offset is rejected: it would mean a different instant on every host.
 */
export function parseTimestamp(value: string, field = 'TS'): number {
  const m = ISO_8601.exec(value);
  const bad = () => new RegistryError(`invalid ${field} '${shown(value)}': expected an ISO 8601 date-time with offset, like 2025-01-31T12:00:00Z`);
  if (!m) throw bad();
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Not Date.UTC: it reads years 0-99 as 1900-1999, and 0000 is a leap year where 1900 is not.
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 60) throw bad();
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) throw bad();
    offsetMinutes = (m[8]![0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Arithmetic rather than Date.parse: this runs on every heartbeat that carries TS.
  const fractionMs = m[7] === undefined ? 0 : Number((m[7] + '00').slice(0, 3));
  return (
    daysFromCivil(year, month, day) * 86_400_000 +
    hour * 3_600_000 +
    (minute - offsetMinutes) * 60_000 +
    second * 1000 +
    fractionMs
  );
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

function nonEmpty(value: string, field: string): string {
  if (value.length === 0) throw new RegistryError(`invalid ${field} '': expected a non-empty string`);
  return value;
}

// URLs already seen valid, each kept once: a worker sends the same URL on every heartbeat, URL parsing is not
// cheap, and handing back the kept copy lets the record keep it instead of a fresh string per beat. 4 MB holds
// the URLs of tens of thousands of workers; past that, the oldest are parsed again when they next arrive.
const validUrls = new StringPool(4 * 1024 * 1024);

export function parseUrl(value: string, field = 'URL'): string {
  const known = validUrls.get(value);
  if (known !== undefined) return known;
  checkFieldSize(value, field, FIELD_MAX_BYTES.url);
  if (!URL.canParse(value)) {
    throw new RegistryError(`invalid ${field} '${shown(value)}': expected an absolute URL like http://10.0.0.5:8080`);
  }
  return validUrls.keep(value);
}

export function parseId(value: string, field: string): string {
  return nonEmpty(value, field);
}

/** A device ordinal, 0 to DEVICE_ID_MAX. */
export function parseDeviceId(value: string, field = 'DEVICE'): number {
  const n = integerOrNull(value);
  if (n === null || n < 0 || n > DEVICE_ID_MAX) throw new RegistryError(`invalid ${field} '${shown(value)}': expected an integer from 0 to ${DEVICE_ID_MAX}`);
  return n;
}

/** HBEAT option names (upper case) and how each sets a field. Shared by the command parser and its docs. */
export const HEARTBEAT_OPTIONS: ReadonlyArray<{
  option: string;
  json: string;
  type: 'string' | 'integer' | 'double';
  summary: string;
  apply: (fields: HeartbeatFields, value: string, field: string) => void;
}> = [
  { option: 'STATE', json: 'state', type: 'string', summary: 'Idle, Busy or Loading (case-insensitive)', apply: (f, v, n) => void (f.state = parseState(v, n)) },
  { option: 'HEALTH', json: 'health_status', type: 'string', summary: 'healthy or degraded (case-insensitive)', apply: (f, v, n) => void (f.health = parseHealth(v, n)) },
  { option: 'URL', json: 'url', type: 'string', summary: `absolute URL the worker serves inference on, at most ${FIELD_MAX_BYTES.url} bytes`, apply: (f, v, n) => void (f.url = parseUrl(v, n)) },
  { option: 'MODEL', json: 'model_id', type: 'string', summary: `id of the loaded model, at most ${FIELD_MAX_BYTES.model_id} bytes`, apply: (f, v, n) => void (f.modelId = checkFieldSize(nonEmpty(v, n), n, FIELD_MAX_BYTES.model_id)) },
  { option: 'BACKEND', json: 'backend', type: 'string', summary: `cpu, cuda, metal, …; at most ${FIELD_MAX_BYTES.backend} bytes`, apply: (f, v, n) => void (f.backend = checkFieldSize(nonEmpty(v, n), n, FIELD_MAX_BYTES.backend)) },
  { option: 'DEVICE', json: 'device_id', type: 'integer', summary: `device ordinal, 0 to ${DEVICE_ID_MAX}`, apply: (f, v, n) => void (f.deviceId = parseDeviceId(v, n)) },
  { option: 'VRAM', json: 'vram_bytes', type: 'integer', summary: 'VRAM in use, bytes', apply: (f, v, n) => void (f.vramBytes = parseUint(v, n, 'a non-negative integer (bytes)')) },
  { option: 'VRAM_TOTAL', json: 'vram_total_bytes', type: 'integer', summary: "the device's VRAM capacity, bytes (WORKER.BEST MINFREE uses it)", apply: (f, v, n) => void (f.vramTotalBytes = parseUint(v, n, 'a non-negative integer (bytes)')) },
  { option: 'RAM', json: 'ram_bytes', type: 'integer', summary: 'RAM in use, bytes', apply: (f, v, n) => void (f.ramBytes = parseUint(v, n, 'a non-negative integer (bytes)')) },
  { option: 'CPU', json: 'cpu_percent', type: 'double', summary: 'CPU load, 0 to 100', apply: (f, v, n) => void (f.cpuPercent = parsePercent(v, n)) },
  { option: 'GPU', json: 'gpu_percent', type: 'double', summary: 'GPU load, 0 to 100', apply: (f, v, n) => void (f.gpuPercent = parsePercent(v, n)) },
  {
    option: 'TS',
    json: 'timestamp',
    type: 'string',
    summary: "the worker's own ISO 8601 time; stored as reported_at, never used for liveness",
    apply: (f, v, n) => {
      f.reportedAtMs = parseTimestamp(v, n);
      f.reportedAt = v;
    },
  },
];

const OPTION_BY_NAME = new Map(HEARTBEAT_OPTIONS.map((o) => [o.option, o]));

/** Parses `NAME value` pairs from args[start…] (names case-insensitive). Throws RegistryError naming the bad pair. */
export function parseHeartbeatOptions(args: readonly string[], start = 0): HeartbeatFields {
  const fields: HeartbeatFields = {};
  for (let i = start; i < args.length; i += 2) {
    const name = args[i]!;
    const opt = OPTION_BY_NAME.get(name) ?? OPTION_BY_NAME.get(name.toUpperCase());
    if (opt === undefined) throw new RegistryError(`unknown HBEAT option '${shown(name)}'`);
    if (i + 1 >= args.length) throw new RegistryError(`HBEAT option ${opt.option} needs a value`);
    opt.apply(fields, args[i + 1]!, opt.option);
  }
  return fields;
}

export interface ParsedHeartbeat {
  workerId: string;
  hiveId: string;
  fields: HeartbeatFields;
}

/** The seed's serde heartbeat payload. `null` (Rust's None) means "not sent"; unknown keys are ignored. */
export function parseHeartbeatJson(text: string): ParsedHeartbeat {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (e) {
    throw new RegistryError(`invalid HBEAT JSON payload: ${(e as Error).message}`);
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new RegistryError('invalid HBEAT JSON payload: expected an object');
  }
  const obj = payload as Record<string, unknown>;
  const str = (key: string): string | undefined => {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new RegistryError(`invalid HBEAT JSON field '${key}': expected a string`);
    return v;
  };
  const workerId = str('worker_id');
  const hiveId = str('hive_id');
  if (workerId === undefined) throw new RegistryError("invalid HBEAT JSON payload: missing 'worker_id'");
  if (hiveId === undefined) throw new RegistryError("invalid HBEAT JSON payload: missing 'hive_id'");
  const fields: HeartbeatFields = {};
  for (const opt of HEARTBEAT_OPTIONS) {
    const v = obj[opt.json];
    if (v === undefined || v === null) continue;
    let text: string;
    if (opt.type === 'string') {
      if (typeof v !== 'string') throw new RegistryError(`invalid HBEAT JSON field '${opt.json}': expected a string`);
      text = v;
    } else {
      if (typeof v !== 'number') throw new RegistryError(`invalid HBEAT JSON field '${opt.json}': expected a number`);
      text = String(v);
    }
    opt.apply(fields, text, opt.json);
  }
  return { workerId: parseId(workerId, 'worker_id'), hiveId: parseId(hiveId, 'hive_id'), fields };
}
