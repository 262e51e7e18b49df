// Registry events and the in-memory log behind EVENTS.READ: every change gets a monotonic revision, and the
// last events (at most N, and at most so many bytes) are kept so a client can resume from the revision it last
// saw (etcd-style watch).

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
  /** See eventBytes. */
  readonly bytes: number;
  constructor(readonly event: RegistryEvent) {
    this.bytes = estimateBytes(event);
  }
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

/**
 * What an event is counted as against the log's byte bound: about twice the length of its JSON text (the object's
 * strings, and the text EVENTS.READ and pub/sub make from them once), plus a fixed share for the object. Estimated
 * from the fields, without making the text: a registration would otherwise pay for a JSON.stringify nobody reads.
 */
const EVENT_OVERHEAD_BYTES = 128;

export function eventBytes(e: LoggedEvent): number {
  return e.bytes;
}
function estimateBytes(event: RegistryEvent): number {
  let n = 2;
  for (const key in event) {
    const v = event[key];
    // "key":value, with quotes for strings; numbers and null counted at their longest.
    n += key.length + 4 + (typeof v === 'string' ? v.length + 2 : 16);
  }
  return 2 * n + EVENT_OVERHEAD_BYTES;
}

export class EventLog {
  // A queue: appended at the end, evicted from `head`. The array grows as events arrive (a registry that logs
  // little never pays for a full-size log up front) and is compacted once half of it is evicted slots.
  private items: Array<LoggedEvent | undefined> = [];
  private head = 0;
  /** Sum of eventBytes() over the events held. */
  private held = 0;
  /** Revision of the newest event (0 before any). */
  lastRev: number;
  private readonly waiters = new Set<() => void>();

  /**
   * Keeps at most `capacity` events and at most `maxBytes` of them (see eventBytes), oldest evicted first; the
   * newest event is kept whatever its size, so a reader can always resume from the latest revision.
   */
  constructor(
    readonly capacity: number,
    startRev = 0,
    private bytesCap = Infinity,
  ) {
    if (!(capacity >= 1)) throw new RangeError('event log capacity must be at least 1');
    if (!(bytesCap >= 0)) throw new RangeError('event log byte bound must not be negative');
    this.lastRev = startRev;
  }

  /** Oldest revision still held, or lastRev + 1 when the log is empty. */
  get oldestRev(): number {
    return this.length === 0 ? this.lastRev + 1 : this.items[this.head]!.rev;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** What the events held count for against maxBytes (see eventBytes). */
  get bytes(): number {
    return this.held;
  }

  get maxBytes(): number {
    return this.bytesCap;
  }

  /** A new byte bound applies at once: the oldest events go until the rest fit. */
  set maxBytes(value: number) {
    if (!(value >= 0)) throw new RangeError('event log byte bound must not be negative');
    this.bytesCap = value;
    this.trim();
  }

  /** Appends an event, giving it the next revision. */
  append(event: Omit<RegistryEvent, 'rev'>): LoggedEvent {
    const { type, at_ms, ...details } = event;
    const logged = new LoggedEvent({ type, rev: ++this.lastRev, at_ms, ...details } as RegistryEvent);
    this.items.push(logged);
    this.held += eventBytes(logged);
    this.trim();
    if (this.waiters.size > 0) {
      const ws = [...this.waiters];
      this.waiters.clear();
      for (const w of ws) w();
    }
    return logged;
  }

  /** Evicts the oldest events while the log is over either bound (never the newest). */
  private trim(): void {
    const items = this.items;
    while (this.length > 1 && (this.length > this.capacity || this.held > this.bytesCap)) {
      this.held -= eventBytes(items[this.head]!);
      items[this.head++] = undefined;
    }
    if (this.head > 1024 && this.head * 2 > items.length) {
      this.items = items.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Events with a revision above `rev`, oldest first, at most `count`. Throws CompactedError when events
   * after `rev` have already left the log.
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
    const from = this.head + (rev + 1 - oldest);
    const n = Math.min(this.items.length - from, count);
    const out = new Array<LoggedEvent>(n);
    for (let i = 0; i < n; i++) out[i] = this.items[from + i]!;
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

  constructor(capacity: number, maxBytes = Infinity) {
    this.log = new EventLog(capacity, 0, maxBytes);
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
    this.log = new EventLog(this.log.capacity, rev, this.log.maxBytes);
  }
}
