// Liveness, the one rule and everything that follows from it. A heartbeat received at `lastSeenMs` (server
// time) keeps its worker online until lastSeenMs + offlineAfterMs, offline until lastSeenMs + evictAfterMs,
// then evicted (unless the mass-expiry guard holds evictions). Every query, INFO, the snapshot and the events
// ask this part; no other file compares an age with a window.
//
// With one fixed window, deadlines arrive in heartbeat order, so workers sit in two intrusive lists ordered by
// their newest heartbeat, online and offline; a heartbeat moves its worker to the newest end in O(1). The next
// transition is always at the head of a list: no scans, and one timer armed for the earliest deadline. Every
// query first applies the transitions that are due, so answers are exact to the millisecond even if a timer
// fires late.

import { ExpiryGuard, type GuardLiftReason, type GuardMode, type GuardState, type GuardStatus } from './guard.js';
import { MAX_TIMER_DELAY_MS, type Timers } from './timers.js';
import { type Clock, type RegistryOptions, systemClock, type WorkerRecord } from './types.js';
import { WorkerList } from './worker-list.js';

export type LivenessState = 'online' | 'offline' | 'evicted';

/** What the registry does when liveness moves a worker. */
export interface LivenessHooks {
  /** The worker (new or offline) is on the online list now, at a heartbeat. */
  cameOnline(w: WorkerRecord, atMs: number): void;
  /** The worker reached its offline deadline and is on the offline list now. */
  wentOffline(w: WorkerRecord, atMs: number): void;
  /** The worker reached its eviction deadline and is off the lists: the registry forgets it. */
  evicted(w: WorkerRecord, atMs: number): void;
  guardChanged(active: boolean, atMs: number, guard: GuardStatus, reason: GuardLiftReason | null): void;
}

export class Liveness {
  readonly offlineAfterMs: number;
  /** 0 = never. */
  readonly evictAfterMs: number;
  readonly expiryGuardPercent: number;
  hooks: LivenessHooks | null = null;
  private readonly clock: Clock;
  private readonly timers: Timers | null;
  private readonly timerBatch: number;
  private readonly timerBudgetMs: number;
  private lastNowMs = 0;
  private readonly online = new WorkerList();
  private readonly offline = new WorkerList();
  private onlineCount = 0;
  private readonly guard: ExpiryGuard;
  // The one armed timer, and the deadline it was armed for.
  private timer: unknown = null;
  private armedForMs = Infinity;
  /** Most evictions per second (0 = no limit), counted in windows of one second from the first eviction in each. */
  private evictRate: number;
  private evictWindowStartMs = -Infinity;
  private evictsInWindow = 0;

  constructor(o: RegistryOptions) {
    this.clock = o.clock ?? systemClock;
    this.timers = o.timers ?? null;
    this.offlineAfterMs = o.offlineAfterMs ?? 30_000;
    this.evictAfterMs = o.evictAfterMs ?? 300_000;
    this.expiryGuardPercent = o.expiryGuardPercent ?? 50;
    this.timerBatch = o.timerBatch ?? 5000;
    this.timerBudgetMs = o.timerBudgetMs ?? 4;
    if (!(this.offlineAfterMs > 0)) throw new RangeError('offlineAfterMs must be positive');
    if (!(this.evictAfterMs === 0 || this.evictAfterMs >= this.offlineAfterMs)) {
      throw new RangeError('evictAfterMs must be 0 (never) or at least offlineAfterMs');
    }
    this.evictRate = o.evictRate ?? 0;
    this.guard = new ExpiryGuard(
      this.expiryGuardPercent,
      o.expiryGuardMinWorkers ?? 2,
      this.offlineAfterMs,
      this.now(),
      o.expiryGuardMaxHoldMs ?? 0,
    );
  }

  // ── the rule ──────────────────────────────────────────────────────────────────────────────────────────

  /** The registry's time: the clock, never allowed to go backwards. */
  now(): number {
    const t = this.clock.now();
    if (t > this.lastNowMs) this.lastNowMs = t;
    return this.lastNowMs;
  }

  ageMs(lastSeenMs: number, t = this.now()): number {
    return t - lastSeenMs;
  }

  /** A heartbeat at `lastSeenMs` is younger than `windowMs` at `t` (the rule, for any window). */
  seenWithin(lastSeenMs: number, windowMs = this.offlineAfterMs, t = this.now()): boolean {
    return t < lastSeenMs + windowMs;
  }

  /** Where a worker last seen at `lastSeenMs` stands at `t` by the current windows (evictions the guard holds aside). */
  stateAt(lastSeenMs: number, t: number): LivenessState {
    if (this.seenWithin(lastSeenMs, this.offlineAfterMs, t)) return 'online';
    if (this.evictAfterMs === 0 || this.seenWithin(lastSeenMs, this.evictAfterMs, t)) return 'offline';
    return 'evicted';
  }

  get onlineWorkers(): number {
    return this.onlineCount;
  }

  // ── heartbeats and removal ────────────────────────────────────────────────────────────────────────────

  /** A heartbeat at `now` for a worker in no list (new) or in one (known). */
  beat(w: WorkerRecord, now: number, known: boolean): void {
    const wasOnline = known && w.online;
    if (known) (wasOnline ? this.online : this.offline).remove(w);
    w.lastSeenMs = now;
    this.online.pushNewest(w);
    if (wasOnline) return;
    w.online = true;
    this.onlineCount++;
    this.hooks!.cameOnline(w, now);
    if (this.guard.shouldLift(this.onlineCount)) this.setGuard(false, now, 'back');
  }

  /** Takes a worker off its list (WORKER.DEL, HIVE.DEL). */
  forget(w: WorkerRecord): void {
    if (w.online) {
      this.online.remove(w);
      this.onlineCount--;
    } else this.offline.remove(w);
  }

  /** Puts a restored worker on the list its state says (any order: finishRestore sorts). */
  placeRestored(w: WorkerRecord, state: 'online' | 'offline'): void {
    w.online = state === 'online';
    if (w.online) this.onlineCount++;
    (w.online ? this.online : this.offline).append(w);
  }

  /** Before a restore: the guard as it was saved (a hold, or the grace after a lift, survives the restart). */
  restoreGuard(state: GuardState, shiftMs: number): void {
    this.guard.restore(state, shiftMs);
  }

  /**
   * A restored worker past its eviction time that is kept all the same, as it would have been had the server
   * kept running: the guard holds evictions, or the grace after its lift has not run out.
   */
  heldAtRestore(now: number): boolean {
    return this.evictAfterMs > 0 && (this.guard.active || now < this.guard.evictionsResumeAtMs);
  }

  /** After a restore: lists in heartbeat order, a new guard window from now, the timer armed. */
  finishRestore(now: number): void {
    this.online.sortByLastSeen();
    this.offline.sortByLastSeen();
    this.guard.restart(now, this.onlineCount);
    if (this.guard.shouldLift(this.onlineCount)) this.setGuard(false, now, 'back');
    this.releaseIfOverdue(now);
    this.arm();
  }

  /** Newest heartbeat first, stopping at the first worker not seen within `windowMs`. Call after sync(). */
  *seenWithinNewestFirst(windowMs: number): Generator<WorkerRecord> {
    const t = this.now();
    // Offline workers are all older than the online ones.
    for (const list of [this.online, this.offline]) {
      for (let w = list.newest; w !== null; w = w.older) {
        if (!this.seenWithin(w.lastSeenMs, windowMs, t)) return;
        yield w;
      }
    }
  }

  // ── time: transitions at their deadlines ──────────────────────────────────────────────────────────────

  private evictionsPaused(): boolean {
    return this.evictAfterMs === 0 || this.guard.active;
  }

  private offlineDeadline(): number {
    return this.online.oldest === null ? Infinity : this.online.oldest.lastSeenMs + this.offlineAfterMs;
  }

  private evictionDeadline(): number {
    if (this.offline.oldest === null || this.evictionsPaused()) return Infinity;
    // Never before the current rate window's start: a backlog's times go forward, never back.
    const at = Math.max(this.offline.oldest.lastSeenMs + this.evictAfterMs, this.guard.evictionsResumeAtMs, this.evictWindowStartMs);
    // Over the rate, the next eviction waits for the next second: a backlog (what a lift releases) drains
    // at a bounded rate, in heartbeat order.
    return this.evictRate > 0 && this.evictsInWindow >= this.evictRate ? Math.max(at, this.evictWindowStartMs + 1000) : at;
  }

  /** The earliest pending transition (offline, eviction, or the guard's longest hold ending), or Infinity. */
  nextDeadlineMs(): number {
    return Math.min(this.offlineDeadline(), this.evictionDeadline(), this.guard.releaseAtMs);
  }

  /**
   * Applies, in deadline order, every transition due at or before `t` (at most `budget` of them, and stopping
   * once the clock passes `stopAtMs`). Returns true when nothing due is left.
   */
  sync(t = this.now(), budget = Infinity, stopAtMs = Infinity): boolean {
    let done = 0;
    for (;;) {
      const off = this.offlineDeadline();
      const ev = this.evictionDeadline();
      const next = Math.min(off, ev);
      // Windows of the guard roll first: a transition exactly at a boundary belongs to the new window.
      const windowEnd = this.guard.windowEndMs;
      if (windowEnd <= t && windowEnd <= next) {
        this.guard.roll(Math.min(t, next), this.onlineCount);
        continue;
      }
      const release = this.guard.releaseAtMs;
      if (release <= t && release <= next) {
        this.setGuard(false, release, 'max-hold');
        continue;
      }
      if (next > t) return true;
      if (done >= budget) return false;
      if ((done & 127) === 127 && this.clock.now() >= stopAtMs) return false;
      if (off <= ev) this.goOffline(this.online.oldest!, off);
      else this.evict(this.offline.oldest!, ev);
      done++;
    }
  }

  private goOffline(w: WorkerRecord, atMs: number): void {
    this.online.remove(w);
    w.online = false;
    this.offline.pushNewest(w);
    this.onlineCount--;
    this.hooks!.wentOffline(w, atMs);
    if (this.guard.countOffline(this.onlineCount)) {
      this.guard.baseline = this.guard.onlineAtWindowStart;
      this.setGuard(true, atMs);
    }
  }

  private evict(w: WorkerRecord, atMs: number): void {
    if (atMs >= this.evictWindowStartMs + 1000) {
      this.evictWindowStartMs = atMs;
      this.evictsInWindow = 0;
    }
    this.evictsInWindow++;
    this.offline.remove(w);
    this.hooks!.evicted(w, atMs);
  }

  /**
   * Makes sure a timer is armed for the earliest deadline (only ever moves it earlier). A deadline further away
   * than a timer can wait is reached in steps: the timer wakes early, finds nothing due, and arms again.
   */
  arm(): void {
    if (this.timers === null) return;
    const next = this.nextDeadlineMs();
    if (next >= this.armedForMs) return;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.armedForMs = next;
    this.timer =
      next === Infinity ? null : this.timers.set(() => this.onTimer(), Math.min(MAX_TIMER_DELAY_MS, Math.max(0, next - this.now())));
  }

  private onTimer(): void {
    this.timer = null;
    this.armedForMs = Infinity;
    const start = this.now();
    const finished = this.sync(start, this.timerBatch, start + this.timerBudgetMs);
    if (!finished && this.timers !== null) {
      // More is due: yield to the event loop (clients keep being served), then go on.
      this.armedForMs = this.now();
      this.timer = this.timers.set(() => this.onTimer(), 0);
      return;
    }
    this.arm();
  }

  /** Stops the timer (server shutdown). */
  stop(): void {
    if (this.timer !== null && this.timers !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.armedForMs = Infinity;
  }

  // ── the mass-expiry guard ─────────────────────────────────────────────────────────────────────────────

  /**
   * Trips (reason null) or lifts the guard. An automatic lift gives the workers it held one offline window of
   * grace from the lift: they are likely on their way back, and evicting them only to see them register again
   * is the storm the guard is there to prevent. The operator's OFF releases them at once.
   */
  private setGuard(active: boolean, atMs: number, reason: GuardLiftReason | null = null): void {
    const graceMs = reason === 'back' || reason === 'max-hold' ? this.offlineAfterMs : 0;
    if (this.guard.set(active, atMs, graceMs)) this.hooks!.guardChanged(active, atMs, this.guard.status(), reason);
  }

  /** --expiry-guard-max-hold and --evict-rate, changed at run time (CONFIG SET). */
  setLimits(limits: { maxHoldMs?: number; evictRate?: number }): void {
    this.sync();
    if (limits.maxHoldMs !== undefined) this.guard.maxHoldMs = limits.maxHoldMs;
    if (limits.evictRate !== undefined) this.evictRate = limits.evictRate;
    this.releaseIfOverdue(this.now());
    // A later deadline than the armed one: the timer wakes early, finds nothing due and arms again.
    this.arm();
  }

  /**
   * A hold already longer than the limit when the limit (or AUTO) came into force, or at a restore: released
   * now, not at a time in the past (events stay in time order).
   */
  private releaseIfOverdue(now: number): void {
    if (this.guard.releaseAtMs <= now) this.setGuard(false, now, 'max-hold');
  }

  guardState(): GuardState {
    return this.guard.state();
  }

  /** REGISTRY.GUARD: ON holds evictions, OFF never holds them, AUTO lets the registry decide. */
  setGuardMode(mode: GuardMode): void {
    const now = this.now();
    this.sync(now);
    this.guard.mode = mode;
    if (mode === 'on') {
      this.guard.baseline = this.onlineCount;
      this.setGuard(true, now);
    } else if (mode === 'off') this.setGuard(false, now, 'operator');
    else if (this.guard.shouldLift(this.onlineCount)) this.setGuard(false, now, 'back');
    else this.releaseIfOverdue(now);
    this.arm();
  }

  guardStatus(): GuardStatus {
    this.sync();
    return this.guard.status();
  }
}
