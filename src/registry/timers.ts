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
