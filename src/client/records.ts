// The typed shapes of the registry's replies, and their decoding from whatever ioredis hands over: a RESP2 flat
// field/value array, a RESP3 map as a flat array ("legacy" mapping) or as an object ("resp3" mapping), with
// doubles as strings or numbers. Every decoder gives numbers as numbers and absent fields as null.

export type WorkerState = 'Idle' | 'Busy' | 'Loading';
export type Health = 'healthy' | 'degraded';

/** What a heartbeat may carry. `undefined` (absent) keeps the server's value; `null` clears it. */
export interface WorkerFields {
  state?: WorkerState | null;
  health?: Health | null;
  url?: string | null;
  modelId?: string | null;
  backend?: string | null;
  deviceId?: number | null;
  vramBytes?: number | null;
  vramTotalBytes?: number | null;
  ramBytes?: number | null;
  cpuPercent?: number | null;
  gpuPercent?: number | null;
  /** The worker's own ISO 8601 time (TS): stored as reportedAt, never used for liveness. */
  reportedAt?: string | null;
}

/** HBEAT option name of each field, in the order they are sent. */
export const HBEAT_OPTION: ReadonlyArray<readonly [keyof WorkerFields, string]> = [
  ['state', 'STATE'],
  ['health', 'HEALTH'],
  ['url', 'URL'],
  ['modelId', 'MODEL'],
  ['backend', 'BACKEND'],
  ['deviceId', 'DEVICE'],
  ['vramBytes', 'VRAM'],
  ['vramTotalBytes', 'VRAM_TOTAL'],
  ['ramBytes', 'RAM'],
  ['cpuPercent', 'CPU'],
  ['gpuPercent', 'GPU'],
  ['reportedAt', 'TS'],
];

export interface WorkerRecord {
  workerId: string;
  hiveId: string;
  state: WorkerState;
  health: Health;
  url: string | null;
  modelId: string | null;
  backend: string | null;
  deviceId: number | null;
  vramBytes: number | null;
  vramTotalBytes: number | null;
  ramBytes: number | null;
  cpuPercent: number | null;
  gpuPercent: number | null;
  reportedAt: string | null;
  skewMs: number | null;
  lastSeenMs: number;
  ageMs: number;
  online: boolean;
  /** Until when (server epoch ms) a WORKER.CLAIM reserves the worker; null when it is not reserved. */
  claimExpiresMs: number | null;
}

/** WORKER.BEST's answer: the record, and whether it has the model (`model`) or is any idle worker (`fallback`). */
export interface BestWorker extends WorkerRecord {
  match: 'model' | 'fallback';
}

/** WORKER.CLAIM's answer: the reserved worker and the token that releases it. */
export interface ClaimedWorker extends BestWorker {
  claimToken: string;
  claimExpiresMs: number;
}

export interface HiveResources {
  hiveId: string;
  workerCount: number;
  vramUsedBytes: number;
  ramUsedBytes: number;
  vramUsedGb: number;
  ramUsedGb: number;
  /** Sum of each GPU's capacity (a GPU is a hive's device_id, counted once); null when no worker sent VRAM_TOTAL. */
  vramTotalBytes: number | null;
  vramFreeBytes: number | null;
  onlineWorkerCount: number;
  onlineVramUsedBytes: number;
  onlineRamUsedBytes: number;
  onlineVramTotalBytes: number | null;
  onlineVramFreeBytes: number | null;
}

export interface HiveRecord extends HiveResources {
  lastHeartbeatMs: number;
  online: boolean;
  workerIds: string[];
}

export interface EventsRev {
  rev: number;
  oldestRev: number;
  length: number;
  capacity: number;
}

/** One registry event as published and logged (see COMMANDS.md, "Events"). */
export interface RegistryEvent {
  type: string;
  rev: number;
  at_ms: number;
  worker_id?: string;
  hive_id?: string;
  [detail: string]: string | number | null | undefined;
}

type Raw = Record<string, unknown>;

/** A map reply in any of ioredis' shapes, as an object keyed by field name. */
export function asMap(reply: unknown): Raw {
  if (Array.isArray(reply)) {
    const out: Raw = {};
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
    return out;
  }
  if (reply instanceof Map) return Object.fromEntries(reply) as Raw;
  if (reply !== null && typeof reply === 'object') return reply as Raw;
  throw new TypeError(`expected a map reply, got ${JSON.stringify(reply)}`);
}

/** A reply value as text (bulk strings may come as Buffers), or null for nil. */
export function str(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(str(v));
  return Number.isNaN(n) ? null : n;
}

function req<T>(v: T | null, field: string): T {
  if (v === null) throw new TypeError(`reply lacks '${field}'`);
  return v;
}

export function decodeWorker(reply: unknown): WorkerRecord {
  const m = asMap(reply);
  return {
    workerId: req(str(m.worker_id), 'worker_id'),
    hiveId: req(str(m.hive_id), 'hive_id'),
    state: (str(m.state) ?? 'Idle') as WorkerState,
    health: (str(m.health) ?? 'healthy') as Health,
    url: str(m.url),
    modelId: str(m.model_id),
    backend: str(m.backend),
    deviceId: num(m.device_id),
    vramBytes: num(m.vram_bytes),
    vramTotalBytes: num(m.vram_total_bytes),
    ramBytes: num(m.ram_bytes),
    cpuPercent: num(m.cpu_percent),
    gpuPercent: num(m.gpu_percent),
    reportedAt: str(m.reported_at),
    skewMs: num(m.skew_ms),
    lastSeenMs: req(num(m.last_seen_ms), 'last_seen_ms'),
    ageMs: req(num(m.age_ms), 'age_ms'),
    online: num(m.online) === 1,
    claimExpiresMs: num(m.claim_expires_ms),
  };
}

export function decodeBest(reply: unknown): BestWorker {
  const m = asMap(reply);
  return { ...decodeWorker(m), match: str(m.match) === 'fallback' ? 'fallback' : 'model' };
}

export function decodeClaim(reply: unknown): ClaimedWorker {
  const m = asMap(reply);
  return {
    ...decodeBest(m),
    claimToken: req(str(m.claim_token), 'claim_token'),
    claimExpiresMs: req(num(m.claim_expires_ms), 'claim_expires_ms'),
  };
}

export function decodeHiveResources(reply: unknown): HiveResources {
  const m = asMap(reply);
  return {
    hiveId: req(str(m.hive_id), 'hive_id'),
    workerCount: num(m.worker_count) ?? 0,
    vramUsedBytes: num(m.vram_used_bytes) ?? 0,
    ramUsedBytes: num(m.ram_used_bytes) ?? 0,
    vramUsedGb: num(m.vram_used_gb) ?? 0,
    ramUsedGb: num(m.ram_used_gb) ?? 0,
    vramTotalBytes: num(m.vram_total_bytes),
    vramFreeBytes: num(m.vram_free_bytes),
    onlineWorkerCount: num(m.online_worker_count) ?? 0,
    onlineVramUsedBytes: num(m.online_vram_used_bytes) ?? 0,
    onlineRamUsedBytes: num(m.online_ram_used_bytes) ?? 0,
    onlineVramTotalBytes: num(m.online_vram_total_bytes),
    onlineVramFreeBytes: num(m.online_vram_free_bytes),
  };
}

export function decodeHive(reply: unknown): HiveRecord {
  const m = asMap(reply);
  const ids = m.workers;
  return {
    ...decodeHiveResources(m),
    lastHeartbeatMs: num(m.last_heartbeat_ms) ?? 0,
    online: num(m.online) === 1,
    workerIds: Array.isArray(ids) ? ids.map((id) => str(id)!) : [],
  };
}

export function decodeEventsRev(reply: unknown): EventsRev {
  const m = asMap(reply);
  return {
    rev: num(m.rev) ?? 0,
    oldestRev: num(m.oldest_rev) ?? 0,
    length: num(m.length) ?? 0,
    capacity: num(m.capacity) ?? 0,
  };
}

export function decodeStrings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new TypeError(`expected an array reply, got ${JSON.stringify(reply)}`);
  return reply.map((v) => str(v)!);
}

export function decodeEvents(reply: unknown): RegistryEvent[] {
  return decodeStrings(reply).map((json) => JSON.parse(json) as RegistryEvent);
}
