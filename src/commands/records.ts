// How registry records look on the wire: maps in RESP3, flat field/value arrays in RESP2 (like HGETALL).
// Field names follow the seed crate's serde names.

import { DoubleReply, MapReply, type Reply } from '../resp/reply.js';
import type { WorkerRegistry } from '../registry/registry.js';
import type { HiveRecord, WorkerRecord } from '../registry/types.js';
import { hiveCapacity } from '../registry/capacity.js';

const GB = 1e9;

export const WORKER_FIELDS = [
  'worker_id', 'hive_id', 'state', 'health', 'url', 'model_id', 'backend', 'device_id', 'vram_bytes', 'vram_total_bytes',
  'ram_bytes', 'cpu_percent', 'gpu_percent', 'reported_at', 'skew_ms', 'last_seen_ms', 'age_ms', 'online', 'claim_expires_ms',
] as const;

const double = (n: number | null): Reply => (n === null ? null : new DoubleReply(n));

export function workerReply(registry: WorkerRegistry, w: WorkerRecord): MapReply {
  const age = registry.ageMs(w.lastSeenMs);
  return new MapReply([
    ['worker_id', w.workerId],
    ['hive_id', w.hive.hiveId],
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
    ['online', age < registry.offlineAfterMs ? 1 : 0],
    ['claim_expires_ms', registry.claimOf(w)?.expiresMs ?? null],
  ]);
}

export const HIVE_FIELDS = [
  'hive_id', 'last_heartbeat_ms', 'online', 'worker_count', 'vram_used_bytes', 'ram_used_bytes', 'vram_used_gb',
  'ram_used_gb', 'vram_total_bytes', 'vram_free_bytes', 'online_worker_count', 'online_vram_used_bytes',
  'online_ram_used_bytes', 'online_vram_total_bytes', 'online_vram_free_bytes', 'workers',
] as const;

/** HIVE.RES fields: the resource part of a hive. */
export function hiveResourcesEntries(h: HiveRecord): Array<[Reply, Reply]> {
  const gpus = hiveCapacity(h.workers);
  return [
    ['worker_count', h.workers.size],
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

export function hiveReply(registry: WorkerRegistry, h: HiveRecord): MapReply {
  const workerIds = [...h.workers].map((w) => w.workerId).sort();
  return new MapReply([
    ['hive_id', h.hiveId],
    ['last_heartbeat_ms', h.lastHeartbeatMs],
    ['online', registry.isOnline(h.lastHeartbeatMs) ? 1 : 0],
    ...hiveResourcesEntries(h),
    ['workers', workerIds],
  ]);
}
