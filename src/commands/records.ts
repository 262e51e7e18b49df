// How registry records look on the wire: maps in RESP3, flat field/value arrays in RESP2 (like HGETALL).
// Field names follow the seed crate's serde names.

import { DoubleReply, MapReply, type Reply } from '../resp/reply.js';
import type { WorkerRegistry } from '../registry/registry.js';
import type { HiveView, WorkerView } from '../registry/types.js';
import { shape } from './reply-shape.js';

const GB = 1e9;

const double = (n: number | null): Reply => (n === null ? null : new DoubleReply(n));

const intOrNil = shape.optional(shape.integer());
const bulkOrNil = shape.optional(shape.bulk);
const doubleOrNil = shape.optional(shape.double);

/** The fields of a worker record, in order (WORKER.GET; WORKER.BEST and WORKER.CLAIM add theirs after). */
export const WORKER_FIELDS = {
  worker_id: shape.bulk,
  hive_id: shape.bulk,
  state: shape.bulk,
  health: shape.bulk,
  url: bulkOrNil,
  model_id: bulkOrNil,
  backend: bulkOrNil,
  device_id: intOrNil,
  vram_bytes: intOrNil,
  vram_total_bytes: intOrNil,
  ram_bytes: intOrNil,
  cpu_percent: doubleOrNil,
  gpu_percent: doubleOrNil,
  reported_at: bulkOrNil,
  skew_ms: intOrNil,
  last_seen_ms: shape.integer(),
  age_ms: shape.integer(),
  online: shape.integer(0, 1),
  claim_expires_ms: intOrNil,
};

export const WORKER_SHAPE = shape.map(WORKER_FIELDS);

/** HIVE.RES's fields after `hive_id` (hiveResourcesEntries). */
export const HIVE_RESOURCE_FIELDS = {
  worker_count: shape.integer(),
  vram_used_bytes: shape.integer(),
  ram_used_bytes: shape.integer(),
  vram_used_gb: shape.double,
  ram_used_gb: shape.double,
  vram_total_bytes: intOrNil,
  vram_free_bytes: intOrNil,
  online_worker_count: shape.integer(),
  online_vram_used_bytes: shape.integer(),
  online_ram_used_bytes: shape.integer(),
  online_vram_total_bytes: intOrNil,
  online_vram_free_bytes: intOrNil,
};

export const HIVE_SHAPE = shape.map({
  hive_id: shape.bulk,
  last_heartbeat_ms: shape.integer(),
  online: shape.integer(0, 1),
  ...HIVE_RESOURCE_FIELDS,
  workers: shape.array(shape.bulk),
});

export function workerReply(registry: WorkerRegistry, w: WorkerView): MapReply {
  const age = registry.ageMs(w.lastSeenMs);
  return new MapReply([
    ['worker_id', w.workerId],
    ['hive_id', w.hiveId],
    ['state', w.effectiveState],
    ['health', w.effectiveHealth],
    ['url', w.url],
    ['model_id', w.modelId],
    ['backend', w.backend],
    ['device_id', w.deviceId],
    ['vram_bytes', w.vramBytes],
    ['vram_total_bytes', w.vramTotalBytes],
    ['ram_bytes', w.ramBytes],
    ['cpu_percent', double(w.cpuPercent)],
    ['gpu_percent', double(w.gpuPercent)],
    ['reported_at', w.reportedAt],
    ['skew_ms', w.skewMs],
    ['last_seen_ms', w.lastSeenMs],
    ['age_ms', age],
    ['online', w.online ? 1 : 0],
    ['claim_expires_ms', registry.scheduling.claimOf(w)?.expiresMs ?? null],
  ]);
}

/** HIVE.RES fields: the resource part of a hive. */
export function hiveResourcesEntries(registry: WorkerRegistry, h: HiveView): Array<[Reply, Reply]> {
  const gpus = registry.scheduling.hiveCapacity(h);
  return [
    ['worker_count', h.workerCount],
    ['vram_used_bytes', h.vramUsedBytes],
    ['ram_used_bytes', h.ramUsedBytes],
    ['vram_used_gb', new DoubleReply(h.vramUsedBytes / GB)],
    ['ram_used_gb', new DoubleReply(h.ramUsedBytes / GB)],
    ['vram_total_bytes', gpus.vramTotalBytes],
    ['vram_free_bytes', gpus.vramFreeBytes],
    ['online_worker_count', h.onlineWorkers],
    ['online_vram_used_bytes', h.onlineVramUsedBytes],
    ['online_ram_used_bytes', h.onlineRamUsedBytes],
    ['online_vram_total_bytes', gpus.onlineVramTotalBytes],
    ['online_vram_free_bytes', gpus.onlineVramFreeBytes],
  ];
}

export function hiveReply(registry: WorkerRegistry, h: HiveView): MapReply {
  const workerIds = registry.workersOnHive(h.hiveId).map((w) => w.workerId);
  return new MapReply([
    ['hive_id', h.hiveId],
    ['last_heartbeat_ms', h.lastHeartbeatMs],
    ['online', h.online ? 1 : 0],
    ...hiveResourcesEntries(registry, h),
    ['workers', workerIds],
  ]);
}
