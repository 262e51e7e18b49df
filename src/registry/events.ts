// Registry events and the in-memory log behind EVENTS.READ: every change gets a monotonic revision, and the
// last N events are kept in a ring so a client can resume from the revision it last saw (etcd-style watch).

import type { WorkerView } from './types.js';

export const EVENT_TYPES = [
  'worker.online',
  'worker.offline',
  'worker.evicted',
  'worker.state',
  'worker.removed',
  'worker.claimed',
  'worker.released',
  'hive.online',
  'hive.offline',
  'hive.removed',
  'guard.on',
  'guard.off',
  'registry.flushed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface RegistryEvent {
  type: EventType;
  rev: number;
  /** Registry time of the change, epoch ms. For timed transitions: the deadline itself. */
  at_ms: number;
  worker_id?: string;
  hive_id?: string;
  [detail: string]: string | number | null | undefined;
}

/** An event with its JSON text, made once and shared by the log, pub/sub and EVENTS.READ. */
export class LoggedEvent {
  private text: string | null = null;
  constructor(readonly event: RegistryEvent) {}
  get rev(): number {
    return this.event.rev;
  }
  get json(): string {
    return (this.text ??= JSON.stringify(this.event));
  }
}

/** Thrown by EventLog.since when the wanted revisions were dropped from the ring. */
export class CompactedError extends Error {
  constructor(
    readonly oldestRev: number,
    message = `COMPACTED revisions up to ${oldestRev - 1} are gone; the oldest revision kept is ${oldestRev}: resync with a full read`,
  ) {
    super(message);
  }
}

export class EventLog {
  // Grows up to `capacity` as events arrive, then wraps: a registry that logs little (most of those a test suite
  // makes) never pays for a full-size ring up front.
  private readonly ring: LoggedEvent[] = [];
  private start = 0;
  private size = 0;
  /** Revision of the newest event (0 before any). */
  lastRev: number;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly capacity: number,
    startRev = 0,
  ) {
    if (!(capacity >= 1)) throw new RangeError('event log capacity must be at least 1');
    this.lastRev = startRev;
  }

  /** Oldest revision still held, or lastRev + 1 when the log is empty. */
  get oldestRev(): number {
    return this.size === 0 ? this.lastRev + 1 : this.ring[this.start]!.rev;
  }

  get length(): number {
    return this.size;
  }

  /** Appends an event, giving it the next revision. */
  append(event: Omit<RegistryEvent, 'rev'>): LoggedEvent {
    const { type, at_ms, ...details } = event;
    const logged = new LoggedEvent({ type, rev: ++this.lastRev, at_ms, ...details } as RegistryEvent);
    if (this.size < this.capacity) {
      // Not yet full: start is still 0, so the next slot is the end of the array.
      this.ring.push(logged);
      this.size++;
    } else {
      this.ring[this.start] = logged;
      this.start = (this.start + 1) % this.capacity;
    }
    if (this.waiters.size > 0) {
      const ws = [...this.waiters];
      this.waiters.clear();
      for (const w of ws) w();
    }
    return logged;
  }

  /**
   * Events with a revision above `rev`, oldest first, at most `count`. Throws CompactedError when events
   * after `rev` have already left the ring.
   */
  since(rev: number, count = Infinity): LoggedEvent[] {
    if (rev > this.lastRev) {
      // A revision this log never gave out: the client saw a registry that restarted without its snapshot.
      // Waiting would silently skip everything up to `rev`, so it resyncs, like a compacted read.
      throw new CompactedError(
        this.oldestRev,
        `COMPACTED revision ${rev} is ahead of the newest revision ${this.lastRev} (the registry restarted without its snapshot); the oldest revision kept is ${this.oldestRev}: resync with a full read`,
      );
    }
    if (rev === this.lastRev) return [];
    const oldest = this.oldestRev;
    if (rev + 1 < oldest) throw new CompactedError(oldest);
    const skip = rev + 1 - oldest;
    const n = Math.min(this.size - skip, count);
    const out = new Array<LoggedEvent>(n);
    for (let i = 0; i < n; i++) out[i] = this.ring[(this.start + skip + i) % this.capacity]!;
    return out;
  }

  /** Calls `fn` once, at the next append. Returns a function that cancels the wait. */
  onNextAppend(fn: () => void): () => void {
    this.waiters.add(fn);
    return () => this.waiters.delete(fn);
  }

  get waiting(): number {
    return this.waiters.size;
  }
}

/** What worker.online and worker.state events say about the worker. */
export function stateDetails(w: WorkerView): Record<string, string | number | null> {
  return { state: w.effectiveState, health: w.effectiveHealth, model_id: w.modelId, url: w.url, backend: w.backend };
}

/** Where the registry publishes: the log, then every listener, in the order changes happen. */
export class EventBus {
  log: EventLog;
  private readonly listeners: Array<(e: LoggedEvent) => void> = [];

  constructor(capacity: number) {
    this.log = new EventLog(capacity);
  }

  /** Calls `fn` for every event, after it is logged. */
  onEvent(fn: (e: LoggedEvent) => void): void {
    this.listeners.push(fn);
  }

  emit(
    type: EventType,
    atMs: number,
    workerId: string | null,
    hiveId: string | null,
    details?: Record<string, string | number | null>,
  ): void {
    const event: Omit<RegistryEvent, 'rev'> = { type, at_ms: atMs };
    if (workerId !== null) event.worker_id = workerId;
    if (hiveId !== null) event.hive_id = hiveId;
    if (details) Object.assign(event, details);
    const logged = this.log.append(event);
    for (const fn of this.listeners) fn(logged);
  }

  /** An empty log whose revisions continue from `rev` (a restore). */
  continueFrom(rev: number): void {
    this.log = new EventLog(this.log.capacity, rev);
  }
}
