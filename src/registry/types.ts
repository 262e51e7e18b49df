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
// WorkerRecord packs its small enumerations into one integer: with a million workers, every field counts.
const STATE_CODES: ReadonlyArray<WorkerState | null> = [null, 'Idle', 'Busy', 'Loading'];
const HEALTH_CODES: ReadonlyArray<Health | null> = [null, 'healthy', 'degraded'];
const STATE_MASK = 0b11;
const HEALTH_SHIFT = 2;
const HEALTH_MASK = 0b11 << HEALTH_SHIFT;
const ONLINE = 1 << 4;
const AVAILABLE = 1 << 5;

export class WorkerRecord {
  /** state (2 bits), health (2 bits), online, available: see the accessors. */
  private flags = ONLINE;
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

  /** Maintained by the liveness engine: false from the offline deadline until the next heartbeat. */
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
