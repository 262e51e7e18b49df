// The registry seen as Redis keys: each worker is a hash at `worker:<worker_id>`, each hive a hash at
// `hive:<hive_id>` (the names ACL key patterns use). Read-only views computed on demand: nothing is stored twice.

import { DoubleReply, MapReply, type Reply } from '../../resp/reply.js';
import type { WorkerRegistry } from '../../registry/registry.js';
import type { HiveView, WorkerView } from '../../registry/types.js';
import { hiveResourcesEntries, workerReply } from '../records.js';

export const WORKER_PREFIX = 'worker:';
export const HIVE_PREFIX = 'hive:';

export type KeyRecord = WorkerView | HiveView;

export function isHive(r: KeyRecord): r is HiveView {
  return !('workerId' in r);
}

export function workerKey(w: WorkerView): string {
  return WORKER_PREFIX + w.workerId;
}

export function hiveKey(h: HiveView): string {
  return HIVE_PREFIX + h.hiveId;
}

export function keyName(r: KeyRecord): string {
  return isHive(r) ? hiveKey(r) : workerKey(r);
}

/** The record behind a key, or undefined when no worker or hive has that name. */
export function lookupKey(registry: WorkerRegistry, key: string): KeyRecord | undefined {
  if (key.startsWith(WORKER_PREFIX)) return registry.getWorker(key.slice(WORKER_PREFIX.length));
  if (key.startsWith(HIVE_PREFIX)) return registry.getHive(key.slice(HIVE_PREFIX.length));
  return undefined;
}

/** Every key: workers plus hives (DBSIZE, INFO keyspace). */
export function keyCount(registry: WorkerRegistry): number {
  return registry.workerCount() + registry.hiveCount();
}

function fieldValue(v: Reply): string | null {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v instanceof DoubleReply) return String(v.value);
  return null;
}

/**
 * A record's hash: field names as WORKER.GET / HIVE.GET name them, values as strings, and fields never reported
 * left out (a Redis hash has no nil values). A hive's worker list is not a field: HIVE.WORKERS gives it.
 */
export function hashFields(registry: WorkerRegistry, r: KeyRecord): Array<[string, string]> {
  const entries = isHive(r)
    ? ([
        ['hive_id', r.hiveId],
        ['last_heartbeat_ms', r.lastHeartbeatMs],
        ['online', r.online ? 1 : 0],
        ...hiveResourcesEntries(registry, r),
      ] as Array<[Reply, Reply]>)
    : workerReply(registry, r).entries;
  const out: Array<[string, string]> = [];
  for (const [k, v] of entries) {
    const value = fieldValue(v);
    if (value !== null) out.push([k as string, value]);
  }
  return out;
}

export function hashReply(fields: Array<[string, string]>): MapReply {
  return new MapReply(fields);
}

// Redis keeps a hash as a listpack while it has at most hash-max-listpack-entries (128) fields, none longer
// than hash-max-listpack-value (64) bytes; OBJECT ENCODING answers as Redis would for the same hash.
const LISTPACK_ENTRIES = 128;
const LISTPACK_VALUE = 64;

export function hashEncoding(fields: Array<[string, string]>): string {
  if (fields.length > LISTPACK_ENTRIES) return 'hashtable';
  for (const [k, v] of fields) if (Buffer.byteLength(k) > LISTPACK_VALUE || Buffer.byteLength(v) > LISTPACK_VALUE) return 'hashtable';
  return 'listpack';
}

// Heap bytes a record costs beside its strings, from the memory benchmark (about 374 bytes a worker at 1M
// workers, strings excluded) and a hive's record with its Set of workers.
const WORKER_BASE_BYTES = 376;
const HIVE_BASE_BYTES = 240;
const HIVE_BYTES_PER_WORKER = 24;

/** MEMORY USAGE: an estimate of what the record costs in this process, strings at one byte a character. */
export function memoryUsage(r: KeyRecord): number {
  if (isHive(r)) return HIVE_BASE_BYTES + r.hiveId.length + HIVE_BYTES_PER_WORKER * r.workerCount;
  let bytes = WORKER_BASE_BYTES + r.workerId.length;
  for (const s of [r.url, r.modelId, r.backend, r.reportedAt]) if (s !== null) bytes += s.length;
  return bytes;
}
