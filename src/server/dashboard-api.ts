// The dashboard's JSON reads: a summary, and pages of hives and workers in slot order (the cursor SCAN and
// WORKER.LIST … CURSOR use), so one request costs O(page) whatever the fleet's size. The page polls its visible
// rows with these and follows changes on /events; nothing here walks the whole fleet.

import type { HiveView, WorkerView } from '../registry/types.js';
import { WORKER_STATES, type WorkerFilter, type WorkerState } from '../registry/types.js';
import type { WorkerRegistry } from '../registry/registry.js';

const MAX_PAGE = 500;
/** A filtered list up to this long is read from its index and sorted by id; a longer one is walked by slot. */
const INDEXED_MAX = 20_000;
/** Most slots one request looks at while a filter skips workers: the page comes back short, with a cursor. */
const SLOT_BUDGET = 50_000;
/** A hive's VRAM total sums its GPUs; past this many workers it is not summed (null) to keep a page cheap. */
const VRAM_TOTAL_MAX_WORKERS = 10_000;

export class BadQuery extends Error {}

function intParam(q: URLSearchParams, name: string, fallback: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === '') return fallback;
  if (!/^\d{1,16}$/.test(v) || Number(v) > max)
    throw new BadQuery(`invalid ${name} '${v.slice(0, 40)}': expected an integer from 0 to ${max}`);
  return Number(v);
}

export function summary(registry: WorkerRegistry, version: string): Record<string, unknown> {
  registry.sync();
  return {
    version,
    rev: registry.events.lastRev,
    oldest_rev: registry.events.oldestRev,
    now_ms: registry.now(),
    offline_after_ms: registry.offlineAfterMs,
    evict_after_ms: registry.evictAfterMs,
    guard: registry.guardStatus(),
    workers: { total: registry.workerCount(), online: registry.onlineWorkerCount(), skewed: registry.skewedWorkerCount() },
    hives: { total: registry.hiveCount(), online: registry.onlineHiveCount() },
  };
}

/**
 * VRAM capacity of a hive: per GPU (device id) its largest VRAM_TOTAL, summed, as HIVE.RES counts it (capacity.ts),
 * from the hive's workers as they are (no sorted copy). Not summed past VRAM_TOTAL_MAX_WORKERS, to keep a page cheap.
 */
function hiveVramTotal(registry: WorkerRegistry, hive: HiveView): number | null {
  if (hive.workerCount > VRAM_TOTAL_MAX_WORKERS) return null;
  return registry.scheduling.hiveVramTotal(hive);
}

function hiveJson(registry: WorkerRegistry, h: HiveView): Record<string, unknown> {
  return {
    hive_id: h.hiveId,
    online: h.online,
    workers: h.workerCount,
    online_workers: h.onlineWorkers,
    vram_used: h.vramUsedBytes,
    vram_total: hiveVramTotal(registry, h),
    ram_used: h.ramUsedBytes,
    last_heartbeat_ms: h.lastHeartbeatMs,
  };
}

function workerJson(w: WorkerView): Record<string, unknown> {
  return {
    worker_id: w.workerId,
    hive_id: w.hiveId,
    online: w.online,
    state: w.effectiveState,
    health: w.effectiveHealth,
    model_id: w.modelId,
    backend: w.backend,
    url: w.url,
    device_id: w.deviceId,
    gpu_percent: w.gpuPercent,
    cpu_percent: w.cpuPercent,
    vram: w.vramBytes,
    vram_total: w.vramTotalBytes,
    ram: w.ramBytes,
    last_seen_ms: w.lastSeenMs,
    skew_ms: w.skewMs,
  };
}

export function hivePage(registry: WorkerRegistry, q: URLSearchParams): Record<string, unknown> {
  const cursor = intParam(q, 'cursor', 0, Number.MAX_SAFE_INTEGER);
  const limit = Math.max(1, intParam(q, 'limit', 50, MAX_PAGE));
  const hive = q.get('hive');
  if (hive !== null && hive !== '') {
    // One hive asked for by name: it alone (or nothing), not a walk.
    const h = registry.getHive(hive);
    return { rev: registry.events.lastRev, cursor: 0, items: h === undefined ? [] : [hiveJson(registry, h)] };
  }
  const page = registry.scanHives(cursor, limit);
  return { rev: registry.events.lastRev, cursor: page.cursor, items: page.items.map((h) => hiveJson(registry, h)) };
}

export function workerPage(registry: WorkerRegistry, q: URLSearchParams): Record<string, unknown> {
  let cursor = intParam(q, 'cursor', 0, Number.MAX_SAFE_INTEGER);
  const limit = Math.max(1, intParam(q, 'limit', 100, MAX_PAGE));
  const filter: WorkerFilter = {};
  const hive = q.get('hive');
  const model = q.get('model');
  const state = q.get('state');
  if (hive !== null && hive !== '') filter.hiveId = hive;
  if (model !== null && model !== '') filter.modelId = model;
  if (state !== null && state !== '') {
    if (!(WORKER_STATES as readonly string[]).includes(state))
      throw new BadQuery(`invalid state '${state.slice(0, 40)}': expected one of ${WORKER_STATES.join(', ')}`);
    filter.state = state as WorkerState;
  }
  if (filter.hiveId !== undefined || filter.modelId !== undefined) {
    // A hive's or a model's workers come from their own index, by id, paged by offset; a huge one is walked
    // by slot below instead, as the whole fleet is.
    const all = registry.listWorkersUpTo(filter, INDEXED_MAX);
    if (all !== null) {
      const items = all.slice(cursor, cursor + limit);
      const next = cursor + limit < all.length ? cursor + limit : 0;
      return { rev: registry.events.lastRev, now_ms: registry.now(), cursor: next, matched: all.length, items: items.map(workerJson) };
    }
  }
  const items: WorkerView[] = [];
  let looked = 0;
  // scanWorkers looks at no more than 10 slots per item asked for; a narrow filter needs several calls.
  do {
    const want = limit - items.length;
    const page = registry.scanWorkers(cursor, want, filter);
    items.push(...page.items);
    cursor = page.cursor;
    looked += want * 10;
  } while (cursor !== 0 && items.length < limit && looked < SLOT_BUDGET);
  return { rev: registry.events.lastRev, now_ms: registry.now(), cursor, items: items.map(workerJson) };
}
