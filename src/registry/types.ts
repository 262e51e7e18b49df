// The registry's domain types: worker records, hive records, heartbeat fields and the clock.

import type { Timers } from './timers.js';
import {
  CPU,
  DEVICE_ID,
  GPU,
  GPU_FREE,
  LAST_SEEN,
  ownRow,
  RAM,
  type RowPages,
  SKEW,
  TREE_MAX_FREE,
  TREE_MAX_URL_FREE,
  VRAM,
  VRAM_TOTAL,
} from './number-rows.js';

export const WORKER_STATES = ['Idle', 'Busy', 'Loading'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export const HEALTH_VALUES = ['healthy', 'degraded'] as const;
export type Health = (typeof HEALTH_VALUES)[number];

/** Milliseconds since the Unix epoch that never go backwards. */
export interface Clock {
  now(): number;
}

/** The process clock: epoch-based but monotonic (performance.timeOrigin + performance.now()). */
export const systemClock: Clock = {
  now: () => Math.floor(performance.timeOrigin + performance.now()),
};

export interface RegistryOptions {
  clock?: Clock;
  /** Without timers, transitions still happen exactly, but only when the next operation looks. */
  timers?: Timers;
  /** A worker goes offline this long after its newest heartbeat (ms). Default 30000. */
  offlineAfterMs?: number;
  /** An offline worker is evicted this long after its newest heartbeat (ms); 0 = never. Default 300000. */
  evictAfterMs?: number;
  /** The mass-expiry guard trips when more than this percent of the workers online at the start of a window go offline within it. Default 50. */
  expiryGuardPercent?: number;
  /** The guard only judges windows that start with at least this many online workers. Default 2, so a lone worker dying is evicted as usual. */
  expiryGuardMinWorkers?: number;
  /** Longest an automatic hold of the guard lasts (ms); then it lifts and evictions resume. 0 = no limit (default). */
  expiryGuardMaxHoldMs?: number;
  /** Most evictions per second (a backlog released by the guard drains at this rate); 0 = no limit (default). */
  evictRate?: number;
  /** Events kept for EVENTS.READ. Default 100000. */
  eventLogSize?: number;
  /** Most bytes the event log holds (see eventBytes in events.ts), oldest events evicted first. Default: no bound. */
  eventLogMaxBytes?: number;
  /** Most transitions one timer run applies before yielding to the event loop. Default 5000. */
  timerBatch?: number;
  /** Longest a timer run may take before yielding to the event loop (ms, by the clock). Default 4. */
  timerBudgetMs?: number;
}

export interface WorkerFilter {
  hiveId?: string;
  state?: WorkerState;
  modelId?: string;
  backend?: string;
  /** Only workers whose newest heartbeat is younger than this (ms). */
  maxAgeMs?: number;
}

/** WORKER.BEST's filters. */
export interface BestWorkerQuery {
  backend?: string;
  /** Skip workers whose GPU has less free VRAM than this (see capacity.ts); GPUs without VRAM_TOTAL are skipped. */
  minFreeVramBytes?: number;
  /** Only workers with the model: no fallback. */
  strict?: boolean;
}

/** WORKER.CLAIM's query. */
export interface ClaimQuery extends BestWorkerQuery {
  /** Default: the offline window. */
  leaseMs?: number;
}

/**
 * What one heartbeat may carry besides the two ids. Omitted (undefined) fields keep their last value; null clears
 * a field back to "never reported" (HBEAT UNSET, or null in the JSON form).
 */
export interface HeartbeatFields {
  state?: WorkerState | null;
  health?: Health | null;
  url?: string | null;
  modelId?: string | null;
  backend?: string | null;
  deviceId?: number | null;
  vramBytes?: number | null;
  /** The device's VRAM capacity, bytes. */
  vramTotalBytes?: number | null;
  ramBytes?: number | null;
  cpuPercent?: number | null;
  gpuPercent?: number | null;
  /** The worker's own ISO 8601 timestamp: stored, never used for liveness. */
  reportedAt?: string | null;
  /** reportedAt as epoch ms (set together with reportedAt). */
  reportedAtMs?: number;
}

/** A worker as queries see it: read-only, and without the registry's links and rows. */
export interface WorkerView {
  readonly workerId: string;
  readonly hiveId: string;
  /** As last reported; null if never sent. */
  readonly state: WorkerState | null;
  readonly health: Health | null;
  /** As used everywhere: a worker that never sent STATE is Idle, one that never sent HEALTH is healthy. */
  readonly effectiveState: WorkerState;
  readonly effectiveHealth: Health;
  readonly url: string | null;
  readonly modelId: string | null;
  readonly backend: string | null;
  readonly deviceId: number | null;
  readonly vramBytes: number | null;
  readonly vramTotalBytes: number | null;
  readonly ramBytes: number | null;
  readonly cpuPercent: number | null;
  readonly gpuPercent: number | null;
  readonly reportedAt: string | null;
  readonly skewMs: number | null;
  /** Server receive time of the newest heartbeat. */
  readonly lastSeenMs: number;
  /** The liveness rule's answer at the registry's time (every query first applies what is due). */
  readonly online: boolean;
}

/** A hive as queries see it. */
export interface HiveView {
  readonly hiveId: string;
  readonly workerCount: number;
  readonly vramUsedBytes: number;
  readonly ramUsedBytes: number;
  readonly onlineWorkers: number;
  readonly onlineVramUsedBytes: number;
  readonly onlineRamUsedBytes: number;
  /** Newest lastSeenMs of its workers. */
  readonly lastHeartbeatMs: number;
  /** Some worker of it is online. */
  readonly online: boolean;
}

/**
 * One worker's runtime state. Every field is set in the constructor so all records share one shape;
 * `null` means "never reported".
 */
// WorkerRecord packs its small enumerations into one integer: with a million workers, every field counts.
const STATE_CODES: ReadonlyArray<WorkerState | null> = [null, 'Idle', 'Busy', 'Loading'];
const HEALTH_CODES: ReadonlyArray<Health | null> = [null, 'healthy', 'degraded'];
const STATE_MASK = 0b11;
const HEALTH_SHIFT = 2;
const HEALTH_MASK = 0b11 << HEALTH_SHIFT;
const ONLINE = 1 << 4;
const AVAILABLE = 1 << 5;
const EPOCH_SHIFT = 6;
/** State, health and online bits: a worker's place in the registry's counts (see tally.ts). */
const TALLY_MASK = STATE_MASK | HEALTH_MASK | ONLINE;
export const TALLY_KEYS = TALLY_MASK + 1;
/** The bit that tells an online worker's tally key from an offline one's. */
export const TALLY_ONLINE = ONLINE;

/** The tally keys of the workers with this state and health as used everywhere (never reported: Idle, healthy). */
export function tallyKeys(state: WorkerState, health: Health, online: boolean): number[] {
  const states = state === 'Idle' ? [0, 1] : [STATE_CODES.indexOf(state)];
  const healths = health === 'healthy' ? [0, 1] : [HEALTH_CODES.indexOf(health)];
  return states.flatMap((s) => healths.map((h) => s | (h << HEALTH_SHIFT) | (online ? ONLINE : 0)));
}
/** 24 bits: the flags stay a small integer (a Smi) on every platform. */
export const SNAPSHOT_EPOCHS = 1 << 24;

/** Placeholder until a registry's pages give the record its row. */
const EMPTY_ROW = new Float64Array(0);

export class WorkerRecord implements WorkerView {
  /** state (2 bits), health (2 bits), online, available, snapshot epoch: see the accessors. */
  private flags = ONLINE;
  /** The page holding this worker's numbers, and where its row starts there (see number-rows.ts). */
  rows: Float64Array;
  rowBase = 0;
  url: string | null = null;
  modelId: string | null = null;
  backend: string | null = null;
  reportedAt: string | null = null;
  hive: HiveRecord;
  // Intrusive list of the online (or, once offline, the offline) workers, oldest heartbeat first.
  older: WorkerRecord | null = null;
  newer: WorkerRecord | null = null;
  // Links of its model's WorkerSet: see worker-set.ts.
  modelPrev: WorkerRecord | null = null;
  modelNext: WorkerRecord | null = null;
  // Its best-index bucket (best-index.ts): tree children, random priority; place in the pending list (-1: none).
  bucketPending = -1;
  bucketLeft: WorkerRecord | null = null;
  bucketRight: WorkerRecord | null = null;
  bucketPriority = (Math.random() * 0x3fffffff) | 0;
  /** The backends filed in its subtree as bits, and its own backend's bit (see best-index.ts), in one small integer. */
  bucketBackends = 0;
  /** Place in the registry's slot index (cursors walk it), -1 when not in a registry. */
  keySlot = -1;

  /** Without `pages` the record gets a row of its own (a registry passes its pages). */
  constructor(
    readonly workerId: string,
    hive: HiveRecord,
    lastSeenMs: number,
    pages?: RowPages,
  ) {
    this.hive = hive;
    if (pages === undefined) this.rows = ownRow();
    else {
      this.rows = EMPTY_ROW;
      pages.attach(this);
    }
    this.lastSeenMs = lastSeenMs;
  }

  // The numbers, in the row: null is NaN there.
  private num(column: number): number | null {
    const v = this.rows[this.rowBase + column]!;
    return v === v ? v : null;
  }
  private setNum(column: number, value: number | null): void {
    this.rows[this.rowBase + column] = value === null ? NaN : value;
  }

  get deviceId(): number | null {
    return this.num(DEVICE_ID);
  }
  set deviceId(value: number | null) {
    this.setNum(DEVICE_ID, value);
  }

  get vramBytes(): number | null {
    return this.num(VRAM);
  }
  set vramBytes(value: number | null) {
    this.setNum(VRAM, value);
  }

  get vramTotalBytes(): number | null {
    return this.num(VRAM_TOTAL);
  }
  set vramTotalBytes(value: number | null) {
    this.setNum(VRAM_TOTAL, value);
  }

  get ramBytes(): number | null {
    return this.num(RAM);
  }
  set ramBytes(value: number | null) {
    this.setNum(RAM, value);
  }

  get cpuPercent(): number | null {
    return this.num(CPU);
  }
  set cpuPercent(value: number | null) {
    this.setNum(CPU, value);
  }

  get gpuPercent(): number | null {
    return this.num(GPU);
  }
  set gpuPercent(value: number | null) {
    this.setNum(GPU, value);
  }

  /** reportedAt minus the server's receive time of that heartbeat (ms); null without TS. */
  get skewMs(): number | null {
    return this.num(SKEW);
  }
  set skewMs(value: number | null) {
    this.setNum(SKEW, value);
  }

  /** Free VRAM of the worker's GPU as capacity.ts counts it (null: no total known), kept by the registry. */
  get gpuFreeBytes(): number | null {
    return this.num(GPU_FREE);
  }
  set gpuFreeBytes(value: number | null) {
    this.setNum(GPU_FREE, value);
  }

  // The best-index tree's figures for the subtree under this worker (see best-index.ts).
  get treeMaxFree(): number {
    return this.rows[this.rowBase + TREE_MAX_FREE]!;
  }
  set treeMaxFree(value: number) {
    this.rows[this.rowBase + TREE_MAX_FREE] = value;
  }
  get treeMaxUrlFree(): number {
    return this.rows[this.rowBase + TREE_MAX_URL_FREE]!;
  }
  set treeMaxUrlFree(value: number) {
    this.rows[this.rowBase + TREE_MAX_URL_FREE] = value;
  }

  /** Server receive time of the newest heartbeat. */
  get lastSeenMs(): number {
    return this.rows[this.rowBase + LAST_SEEN]!;
  }
  set lastSeenMs(value: number) {
    this.rows[this.rowBase + LAST_SEEN] = value;
  }

  get hiveId(): string {
    return this.hive.hiveId;
  }

  /** As last reported; null if never sent. */
  get state(): WorkerState | null {
    return STATE_CODES[this.flags & STATE_MASK]!;
  }
  set state(value: WorkerState | null) {
    this.flags = (this.flags & ~STATE_MASK) | STATE_CODES.indexOf(value);
  }

  /** As last reported; null if never sent. */
  get health(): Health | null {
    return HEALTH_CODES[(this.flags & HEALTH_MASK) >> HEALTH_SHIFT]!;
  }
  set health(value: Health | null) {
    this.flags = (this.flags & ~HEALTH_MASK) | (HEALTH_CODES.indexOf(value) << HEALTH_SHIFT);
  }

  /** Kept by the liveness part: false from the offline deadline until the next heartbeat. */
  get online(): boolean {
    return (this.flags & ONLINE) !== 0;
  }
  set online(value: boolean) {
    this.flags = value ? this.flags | ONLINE : this.flags & ~ONLINE;
  }

  /** Member of the best-worker index (online and Idle): maintained by the registry. */
  get available(): boolean {
    return (this.flags & AVAILABLE) !== 0;
  }
  set available(value: boolean) {
    this.flags = value ? this.flags | AVAILABLE : this.flags & ~AVAILABLE;
  }

  /** Its state, health and liveness as one small integer: which of the registry's counts it is in (tally.ts). */
  get tallyKey(): number {
    return this.flags & TALLY_MASK;
  }

  /** The snapshot reader that last saw this record (see snapshot.ts). */
  get snapshotEpoch(): number {
    return this.flags >>> EPOCH_SHIFT;
  }
  set snapshotEpoch(value: number) {
    this.flags = (this.flags & ((1 << EPOCH_SHIFT) - 1)) | (value << EPOCH_SHIFT);
  }

  /** A worker that never sent STATE counts as Idle (the seed's minimal payload has none). */
  get effectiveState(): WorkerState {
    return this.state ?? 'Idle';
  }

  /** A worker that never sent HEALTH counts as healthy. */
  get effectiveHealth(): Health {
    return this.health ?? 'healthy';
  }
}

/** A hive: the group of workers that name it. Resource sums are kept up to date incrementally. */
export class HiveRecord implements HiveView {
  readonly workers = new Set<WorkerRecord>();
  vramUsedBytes = 0;
  /** Workers reporting VRAM_TOTAL: while none does, every GPU of the hive has unknown free VRAM (capacity.ts). */
  vramTotalWorkers = 0;
  ramUsedBytes = 0;
  /** Online workers and their sums, maintained at each online/offline transition. */
  onlineWorkers = 0;
  onlineVramUsedBytes = 0;
  onlineRamUsedBytes = 0;
  /** Newest lastSeenMs of its workers. */
  lastHeartbeatMs = 0;
  /** Position in the registry's by-id order of all hives (kept by the registry). */
  rank = 0;
  // Intrusive list of all hives, oldest heartbeat first.
  older: HiveRecord | null = null;
  newer: HiveRecord | null = null;
  /** Place in the registry's slot index (cursors walk it), -1 when not in a registry. */
  keySlot = -1;

  constructor(readonly hiveId: string) {}

  get workerCount(): number {
    return this.workers.size;
  }

  get online(): boolean {
    return this.onlineWorkers > 0;
  }
}

/** A bad argument: the message names it. The command layer sends it as `-ERR <message>`. */
export class RegistryError extends Error {}
