// The registry's domain types: worker records, hive records, heartbeat fields and the clock.

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

/** What one heartbeat may carry besides the two ids. Omitted fields keep their last value. */
export interface HeartbeatFields {
  state?: WorkerState;
  health?: Health;
  url?: string;
  modelId?: string;
  backend?: string;
  deviceId?: number;
  vramBytes?: number;
  /** The device's VRAM capacity, bytes. */
  vramTotalBytes?: number;
  ramBytes?: number;
  cpuPercent?: number;
  gpuPercent?: number;
  /** The worker's own ISO 8601 timestamp: stored, never used for liveness. */
  reportedAt?: string;
  /** reportedAt as epoch ms (set together with reportedAt). */
  reportedAtMs?: number;
}

/**
 * One worker's runtime state. Every field is set in the constructor so all records share one shape;
 * `null` means "never reported".
 */
export class WorkerRecord {
  state: WorkerState | null = null;
  health: Health | null = null;
  url: string | null = null;
  modelId: string | null = null;
  backend: string | null = null;
  deviceId: number | null = null;
  vramBytes: number | null = null;
  vramTotalBytes: number | null = null;
  ramBytes: number | null = null;
  cpuPercent: number | null = null;
  gpuPercent: number | null = null;
  reportedAt: string | null = null;
  /** reportedAt minus the server's receive time of that heartbeat (ms); null without TS. */
  skewMs: number | null = null;
  /** Maintained by the liveness engine: false from the offline deadline until the next heartbeat. */
  online = true;
  /** Member of the available indexes (online and Idle): maintained by the registry. */
  available = false;
  /** Server receive time of the newest heartbeat. */
  lastSeenMs: number;
  hive: HiveRecord;
  // Intrusive list of the online (or, once offline, the offline) workers, oldest heartbeat first.
  older: WorkerRecord | null = null;
  newer: WorkerRecord | null = null;

  constructor(
    readonly workerId: string,
    hive: HiveRecord,
    lastSeenMs: number,
  ) {
    this.hive = hive;
    this.lastSeenMs = lastSeenMs;
  }

  get hiveId(): string {
    return this.hive.hiveId;
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
export class HiveRecord {
  readonly workers = new Set<WorkerRecord>();
  vramUsedBytes = 0;
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

  constructor(readonly hiveId: string) {}
}

/** A bad argument: the message names it. The command layer sends it as `-ERR <message>`. */
export class RegistryError extends Error {}
