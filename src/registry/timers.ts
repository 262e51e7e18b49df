// Timer functions, injected so tests drive time by hand, and the stepping that lets a timer wait longer than
// setTimeout can: Node turns any delay above 2^31-1 ms (about 24.8 days) into 1 ms, with a warning.

export interface Timers {
  set(fn: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

/** setTimeout's longest delay. A longer wait is armed in steps of at most this. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export const systemTimers: Timers = {
  set: (fn, delayMs) => {
    const t = setTimeout(fn, Math.min(delayMs, MAX_TIMER_DELAY_MS));
    t.unref?.();
    return t;
  },
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Calls `fn` once `delayMs` has passed by `now` (epoch ms), re-arming in steps when the delay is longer than a
 * timer allows. Returns a function that cancels it.
 */
export function after(timers: Timers, now: () => number, delayMs: number, fn: () => void): () => void {
  const dueAtMs = now() + delayMs;
  let handle: unknown = null;
  const arm = (): void => {
    const left = dueAtMs - now();
    if (left <= 0) {
      handle = null;
      fn();
      return;
    }
    handle = timers.set(arm, Math.min(left, MAX_TIMER_DELAY_MS));
  };
  arm();
  return () => {
    if (handle !== null) timers.clear(handle);
    handle = null;
  };
}
