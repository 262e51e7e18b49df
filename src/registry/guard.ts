// The mass-expiry guard's state and tests: when too many workers go offline within one window (a network cut,
// not a fleet dying), evictions are held until enough of them are back. Driven by the liveness part only.

export type GuardMode = 'auto' | 'on' | 'off';

export interface GuardStatus {
  mode: GuardMode;
  active: boolean;
  percent: number;
  onlineAtWindowStart: number;
  offlinesInWindow: number;
  windowStartMs: number;
  /** Online workers when the guard tripped (it lifts when more than (100 - percent)% of them are back). */
  baseline: number;
}

export class ExpiryGuard {
  mode: GuardMode = 'auto';
  active = false;
  baseline = 0;
  windowStartMs: number;
  onlineAtWindowStart = 0;
  offlinesInWindow = 0;
  /** Evictions held back by the guard happen no earlier than when it lifted. */
  evictionsResumeAtMs = 0;

  constructor(
    /** Trips when more than this percent of the workers online at the start of a window go offline within it. */
    readonly percent: number,
    /** Only windows that start with at least this many online workers are judged. */
    readonly minWorkers: number,
    readonly windowMs: number,
    startMs: number,
  ) {
    if (!(percent >= 0 && percent <= 100)) throw new RangeError('expiryGuardPercent must be 0..100');
    this.windowStartMs = startMs;
  }

  get windowEndMs(): number {
    return this.windowStartMs + this.windowMs;
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

  /** Sets the state; false when it already was so. */
  set(active: boolean, atMs: number): boolean {
    if (this.active === active) return false;
    this.active = active;
    if (!active) this.evictionsResumeAtMs = atMs;
    return true;
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
    };
  }
}
