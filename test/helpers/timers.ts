// Fake timers driven by a ManualClock: `advance(ms)` moves the clock and runs every timer that falls due, in
// deadline order, at its own time. Deterministic; no sleeps. Like Node's setTimeout, a delay above 2^31-1 ms
// becomes 1 ms; a timer that keeps firing without the clock moving on is reported as a spin.

import type { Timers } from '../../src/registry/timers.js';

/** Node's TIMEOUT_MAX: setTimeout turns a longer delay into 1 ms (and warns). */
const NODE_TIMEOUT_MAX = 2 ** 31 - 1;
/** More runs than this in one advance() is a timer spinning, not work. */
const SPIN_LIMIT = 100_000;
import { ManualClock } from './clock.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

export class ManualTimers implements Timers {
  private pending: Pending[] = [];
  private nextId = 1;
  /** Timer runs so far. */
  fired = 0;

  constructor(readonly clock: ManualClock) {}

  set(fn: () => void, delayMs: number): unknown {
    const delay = delayMs > NODE_TIMEOUT_MAX ? 1 : Math.max(0, delayMs);
    const p = { id: this.nextId++, at: this.clock.now() + delay, fn };
    this.pending.push(p);
    return p.id;
  }

  clear(handle: unknown): void {
    this.pending = this.pending.filter((p) => p.id !== handle);
  }

  /** Number of armed timers. */
  get size(): number {
    return this.pending.length;
  }

  /** When the earliest armed timer is due, or undefined. */
  get nextAt(): number | undefined {
    return this.pending.reduce<number | undefined>((m, p) => (m === undefined || p.at < m ? p.at : m), undefined);
  }

  /** Moves the clock forward by `ms`, running each due timer with the clock set to its due time. */
  advance(ms: number): void {
    const target = this.clock.now() + ms;
    for (let runs = 0; ; runs++) {
      if (runs > SPIN_LIMIT) throw new Error(`timers spin: over ${SPIN_LIMIT} runs in one advance of ${ms} ms`);
      const due = this.pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.pending = this.pending.filter((p) => p !== due);
      if (due.at > this.clock.now()) this.clock.set(due.at);
      this.fired++;
      due.fn();
    }
    this.clock.set(target);
  }
}
