// The mass-expiry guard's state and tests: when too many workers go offline within one window (a network cut,
// not a fleet dying), evictions are held until enough of them are back, or until the longest hold allowed.
// After an automatic lift the workers it held get a grace of one offline window (they are coming back: a
// storm of evictions followed by a storm of registrations helps nobody). Driven by the liveness part only.

export type GuardMode = 'auto' | 'on' | 'off';

/** Why the guard lifted: enough workers back (AUTO), the operator (REGISTRY.GUARD OFF), or the longest hold. */
export type GuardLiftReason = 'back' | 'operator' | 'max-hold';

export interface GuardStatus {
  mode: GuardMode;
  active: boolean;
  percent: number;
  onlineAtWindowStart: number;
  offlinesInWindow: number;
  windowStartMs: number;
  /** Online workers when the guard tripped (it lifts when more than (100 - percent)% of them are back). */
  baseline: number;
  /** Registry time the hold began; 0 when not holding. */
  sinceMs: number;
  /** Longest an automatic hold lasts (ms); 0 = until enough workers are back. */
  maxHoldMs: number;
  /** Evictions held back happen no earlier than this (the lift, plus the grace after an automatic one). */
  evictionsResumeAtMs: number;
}

/** What a snapshot keeps of the guard, so a restart neither drops a hold nor cuts a grace short. */
export interface GuardState {
  mode: GuardMode;
  active: boolean;
  since_ms: number;
  baseline: number;
  evictions_resume_at_ms: number;
}

export class ExpiryGuard {
  mode: GuardMode = 'auto';
  active = false;
  baseline = 0;
  windowStartMs: number;
  onlineAtWindowStart = 0;
  offlinesInWindow = 0;
  sinceMs = 0;
  /** Evictions held back by the guard happen no earlier than this. */
  evictionsResumeAtMs = 0;

  constructor(
    /** Trips when more than this percent of the workers online at the start of a window go offline within it. */
    readonly percent: number,
    /** Only windows that start with at least this many online workers are judged. */
    readonly minWorkers: number,
    readonly windowMs: number,
    startMs: number,
    /** Longest an AUTO hold lasts (ms); 0 = no limit. */
    public maxHoldMs = 0,
  ) {
    if (!(percent >= 0 && percent <= 100)) throw new RangeError('expiryGuardPercent must be 0..100');
    this.windowStartMs = startMs;
  }

  get windowEndMs(): number {
    return this.windowStartMs + this.windowMs;
  }

  /**
   * When AUTO lets go of a hold whatever the heartbeats (a fleet stopped on purpose never comes back); Infinity
   * when not holding, with no limit, or when the operator asked for the hold (ON lasts until OFF or AUTO).
   */
  get releaseAtMs(): number {
    return this.mode === 'auto' && this.active && this.maxHoldMs > 0 ? this.sinceMs + this.maxHoldMs : Infinity;
  }

  /** Starts the window that holds `t` (windows are back to back, one offline window long). */
  roll(t: number, online: number): void {
    this.windowStartMs += Math.floor((t - this.windowStartMs) / this.windowMs) * this.windowMs;
    this.onlineAtWindowStart = online;
    this.offlinesInWindow = 0;
  }

  /** A new window starting at `t` (a restore). */
  restart(t: number, online: number): void {
    this.windowStartMs = t;
    this.onlineAtWindowStart = online;
    this.offlinesInWindow = 0;
  }

  /** More than (100 - percent)% of `of` are online: enough are back for AUTO to lift. */
  private enoughBack(online: number, of: number): boolean {
    return online * 100 > (100 - this.percent) * of;
  }

  /** Counts an offline transition; true when AUTO should trip now. */
  countOffline(online: number): boolean {
    this.offlinesInWindow++;
    const start = this.onlineAtWindowStart;
    return (
      this.mode === 'auto' &&
      !this.active &&
      start >= this.minWorkers &&
      start > 0 &&
      this.offlinesInWindow * 100 > this.percent * start &&
      // Not while AUTO would lift it at once: workers came back (or joined) within the window, as after a lift,
      // when the offlines that tripped it still count and one more would trip it again with most workers online.
      !this.enoughBack(online, start)
    );
  }

  /** True when AUTO should lift now, with this many online. */
  shouldLift(online: number): boolean {
    return this.mode === 'auto' && this.active && this.enoughBack(online, this.baseline);
  }

  /** Sets the state; false when it already was so. A lift delays the evictions it held by `graceMs`. */
  set(active: boolean, atMs: number, graceMs = 0): boolean {
    if (this.active === active) return false;
    this.active = active;
    if (active) this.sinceMs = atMs;
    else {
      this.sinceMs = 0;
      this.evictionsResumeAtMs = atMs + graceMs;
    }
    return true;
  }

  state(): GuardState {
    return {
      mode: this.mode,
      active: this.active,
      since_ms: this.sinceMs,
      baseline: this.baseline,
      evictions_resume_at_ms: this.evictionsResumeAtMs,
    };
  }

  /** Takes a saved state back, its times moved back by `shiftMs` (a snapshot from a clock ahead of this one). */
  restore(s: GuardState, shiftMs: number): void {
    this.mode = s.mode;
    this.active = s.active;
    this.baseline = s.baseline;
    this.sinceMs = s.active ? s.since_ms - shiftMs : 0;
    this.evictionsResumeAtMs = s.evictions_resume_at_ms === 0 ? 0 : s.evictions_resume_at_ms - shiftMs;
  }

  status(): GuardStatus {
    return {
      mode: this.mode,
      active: this.active,
      percent: this.percent,
      onlineAtWindowStart: this.onlineAtWindowStart,
      offlinesInWindow: this.offlinesInWindow,
      windowStartMs: this.windowStartMs,
      baseline: this.baseline,
      sinceMs: this.sinceMs,
      maxHoldMs: this.maxHoldMs,
      evictionsResumeAtMs: this.evictionsResumeAtMs,
    };
  }
}
