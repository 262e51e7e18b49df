// HBEAT's options as one table. The same rows parse a request read from its bytes (the hot path), one read as
// strings (inside MULTI), and the seed's JSON payload, and make the command's docs: adding an option is one row,
// and every path takes it the same way because there is only one parser.

import { ArgvFrame } from '../argv-frame.js';
import type { RequestFrame } from '../../resp/decoder.js';
import { DEVICE_ID_MAX, FIELD_MAX_BYTES } from '../../registry/field-limits.js';
import {
  parseDeviceId,
  parseHealth,
  parseId,
  parseName,
  parsePercent,
  parseState,
  parseTimestamp,
  parseUint,
  parseUrl,
} from '../../registry/heartbeat-input.js';
import { type HeartbeatFields, RegistryError } from '../../registry/types.js';
import { quote } from '../../settings/values.js';

/** How a value is read: from the frame's bytes where that is cheap, else from its string (which owns the errors). */
interface ValueKind<T> {
  type: 'string' | 'integer' | 'double';
  read(f: RequestFrame, i: number, field: string): T;
}

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const [IDLE, BUSY, LOADING, HEALTHY, DEGRADED] = ['Idle', 'Busy', 'Loading', 'healthy', 'degraded'].map(ascii) as [
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint8Array,
  Uint8Array,
];

// Each byte-level shortcut gives exactly what the string parser gives for the same text, and hands anything
// else to it: the fast path can be faster, never different.
const STATE: ValueKind<HeartbeatFields['state']> = {
  type: 'string',
  read: (f, i, field) =>
    f.argIs(i, IDLE) ? 'Idle' : f.argIs(i, BUSY) ? 'Busy' : f.argIs(i, LOADING) ? 'Loading' : parseState(f.argString(i), field),
};
const HEALTH: ValueKind<HeartbeatFields['health']> = {
  type: 'string',
  read: (f, i, field) => (f.argIs(i, HEALTHY) ? 'healthy' : f.argIs(i, DEGRADED) ? 'degraded' : parseHealth(f.argString(i), field)),
};
const ABSOLUTE_URL: ValueKind<string> = { type: 'string', read: (f, i, field) => parseUrl(f.argString(i), field) };
const name = (maxBytes: number): ValueKind<string> => ({
  type: 'string',
  read: (f, i, field) => parseName(f.argString(i), field, maxBytes),
});
const uint = (what?: string): ValueKind<number> => ({
  type: 'integer',
  read: (f, i, field) => {
    const n = f.argUint(i);
    return n >= 0 ? n : parseUint(f.argString(i), field, what);
  },
});
const DEVICE: ValueKind<number> = {
  type: 'integer',
  read: (f, i, field) => {
    const n = f.argUint(i);
    return n >= 0 && n <= DEVICE_ID_MAX ? n : parseDeviceId(f.argString(i), field);
  },
};
const PERCENT: ValueKind<number> = {
  type: 'double',
  read: (f, i, field) => {
    const n = f.argDecimal(i);
    return n >= 0 && n <= 100 ? n : parsePercent(f.argString(i), field);
  },
};
const TIMESTAMP: ValueKind<{ text: string; ms: number }> = {
  type: 'string',
  read: (f, i, field) => {
    const text = f.argString(i);
    return { text, ms: parseTimestamp(text, field) };
  },
};

export interface HeartbeatOption {
  /** The option word, upper case. */
  option: string;
  /** The seed's serde field name in the JSON form. */
  json: string;
  type: 'string' | 'integer' | 'double';
  summary: string;
  token: Uint8Array;
  /** The field it sets: UNSET and JSON null set it to null (cleared), and tell a set from a clear of it. */
  key: Exclude<keyof HeartbeatFields, 'reportedAtMs'>;
  /** Reads the value at `i` into `fields`; throws RegistryError naming `field` and the value. */
  apply(fields: HeartbeatFields, f: RequestFrame, i: number, field: string): void;
}

// The field each option sets, by option word.
const KEYS = {
  STATE: 'state',
  HEALTH: 'health',
  URL: 'url',
  MODEL: 'modelId',
  BACKEND: 'backend',
  DEVICE: 'deviceId',
  VRAM: 'vramBytes',
  VRAM_TOTAL: 'vramTotalBytes',
  RAM: 'ramBytes',
  CPU: 'cpuPercent',
  GPU: 'gpuPercent',
  TS: 'reportedAt',
} as const satisfies Record<string, HeartbeatOption['key']>;

function row<T>(
  option: keyof typeof KEYS,
  json: string,
  kind: ValueKind<T>,
  summary: string,
  set: (fields: HeartbeatFields, value: T) => void,
): HeartbeatOption {
  return {
    option,
    json,
    type: kind.type,
    summary,
    token: ascii(option),
    key: KEYS[option],
    apply: (fields, f, i, field) => set(fields, kind.read(f, i, field)),
  };
}

const BYTES = 'a non-negative integer (bytes)';

export const HEARTBEAT_OPTIONS: readonly HeartbeatOption[] = [
  row('STATE', 'state', STATE, 'Idle, Busy or Loading (case-insensitive)', (f, v) => void (f.state = v)),
  row('HEALTH', 'health_status', HEALTH, 'healthy or degraded (case-insensitive)', (f, v) => void (f.health = v)),
  row(
    'URL',
    'url',
    ABSOLUTE_URL,
    `absolute URL the worker serves inference on, at most ${FIELD_MAX_BYTES.url} bytes`,
    (f, v) => void (f.url = v),
  ),
  row(
    'MODEL',
    'model_id',
    name(FIELD_MAX_BYTES.model_id),
    `id of the loaded model, at most ${FIELD_MAX_BYTES.model_id} bytes`,
    (f, v) => void (f.modelId = v),
  ),
  row(
    'BACKEND',
    'backend',
    name(FIELD_MAX_BYTES.backend),
    `cpu, cuda, metal, …; at most ${FIELD_MAX_BYTES.backend} bytes`,
    (f, v) => void (f.backend = v),
  ),
  row('DEVICE', 'device_id', DEVICE, `device ordinal, 0 to ${DEVICE_ID_MAX}`, (f, v) => void (f.deviceId = v)),
  row('VRAM', 'vram_bytes', uint(BYTES), 'VRAM in use, bytes', (f, v) => void (f.vramBytes = v)),
  row(
    'VRAM_TOTAL',
    'vram_total_bytes',
    uint(BYTES),
    "the device's VRAM capacity, bytes (WORKER.BEST MINFREE uses it)",
    (f, v) => void (f.vramTotalBytes = v),
  ),
  row('RAM', 'ram_bytes', uint(BYTES), 'RAM in use, bytes', (f, v) => void (f.ramBytes = v)),
  row('CPU', 'cpu_percent', PERCENT, 'CPU load, 0 to 100', (f, v) => void (f.cpuPercent = v)),
  row('GPU', 'gpu_percent', PERCENT, 'GPU load, 0 to 100', (f, v) => void (f.gpuPercent = v)),
  row('TS', 'timestamp', TIMESTAMP, "the worker's own ISO 8601 time; stored as reported_at, never used for liveness", (f, v) => {
    f.reportedAt = v.text;
    f.reportedAtMs = v.ms;
  }),
];

// Options by the length of their word: a lookup compares a request's word with the few of its length.
const BY_LENGTH: HeartbeatOption[][] = [];
for (const o of HEARTBEAT_OPTIONS) (BY_LENGTH[o.option.length] ??= []).push(o);

function optionAt(f: RequestFrame, i: number): HeartbeatOption | undefined {
  const candidates = BY_LENGTH[f.argLength(i)];
  if (candidates !== undefined) for (const o of candidates) if (f.argIsToken(i, o.token)) return o;
  return undefined;
}

const UNSET = ascii('UNSET');

/**
 * Parses `NAME value` pairs from argument `start` on (names ASCII case-insensitive), then an optional
 * `UNSET NAME [NAME …]` that runs to the end (as XREAD's STREAMS does) and clears those fields. Throws
 * RegistryError naming the bad pair or name.
 */
export function parseHeartbeatOptions(f: RequestFrame, start: number): HeartbeatFields {
  const fields: HeartbeatFields = {};
  const n = f.frameLength;
  for (let i = start; i < n; i += 2) {
    if (f.argLength(i) === 5 && f.argIsToken(i, UNSET)) {
      parseUnset(f, i + 1, fields);
      break;
    }
    const o = optionAt(f, i);
    if (o === undefined) throw new RegistryError(`unknown HBEAT option '${quote(f.argString(i))}'`);
    if (i + 1 >= n) throw new RegistryError(`HBEAT option ${o.option} needs a value`);
    o.apply(fields, f, i + 1, o.option);
  }
  return fields;
}

function parseUnset(f: RequestFrame, from: number, fields: HeartbeatFields): void {
  const n = f.frameLength;
  if (from >= n) throw new RegistryError('HBEAT UNSET needs at least one field');
  for (let i = from; i < n; i++) {
    const o = optionAt(f, i);
    if (o === undefined) throw new RegistryError(`unknown HBEAT field '${quote(f.argString(i))}' in UNSET`);
    clear(fields, o);
  }
}

/** Clears o's field; naming a field twice (set and clear, or clear twice) in one heartbeat is refused. */
function clear(fields: HeartbeatFields, o: HeartbeatOption): void {
  if (fields[o.key] !== undefined) throw new RegistryError(`HBEAT both sets and clears ${o.option}`);
  fields[o.key] = null;
}

export interface ParsedHeartbeat {
  workerId: string;
  hiveId: string;
  fields: HeartbeatFields;
}

/** Every key the JSON form knows; any other is refused rather than silently dropped (a typo would look applied). */
const JSON_KEYS = new Set(['worker_id', 'hive_id', ...HEARTBEAT_OPTIONS.map((o) => o.json)]);

/**
 * The seed's serde heartbeat payload. An absent key leaves its field as it is; `null` (Rust's None: the worker has
 * no value) clears it; an unknown key is an error.
 */
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
  for (const key of Object.keys(obj)) {
    if (!JSON_KEYS.has(key)) throw new RegistryError(`invalid HBEAT JSON payload: unknown field '${quote(key)}'`);
  }
  const fields: HeartbeatFields = {};
  for (const o of HEARTBEAT_OPTIONS) {
    const v = obj[o.json];
    if (v === undefined) continue;
    if (v === null) {
      fields[o.key] = null;
      continue;
    }
    if (o.type === 'string' ? typeof v !== 'string' : typeof v !== 'number') {
      throw new RegistryError(`invalid HBEAT JSON field '${o.json}': expected a ${o.type === 'string' ? 'string' : 'number'}`);
    }
    o.apply(fields, new ArgvFrame([typeof v === 'number' ? String(v) : (v as string)]), 0, o.json);
  }
  return { workerId: parseId(workerId, 'worker_id'), hiveId: parseId(hiveId, 'hive_id'), fields };
}
