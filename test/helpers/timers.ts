// Fake timers driven by a ManualClock: `advance(ms)` moves the clock and runs every timer that falls due, in
// deadline order, at its own time. Deterministic; no sleeps.

import type { Timers } from '../../src/registry/registry.js';
import { ManualClock } from './clock.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

export class ManualTimers implements Timers {
  private pending: Pending[] = [];
  private nextId = 1;

  constructor(readonly clock: ManualClock) {}

  set(fn: () => void, delayMs: number): unknown {
    const p = { id: this.nextId++, at: this.clock.now() + Math.max(0, delayMs), fn };
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
    for (;;) {
      const due = this.pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.pending = this.pending.filter((p) => p !== due);
      if (due.at > this.clock.now()) this.clock.set(due.at);
      due.fn();
    }
    this.clock.set(target);
  }
}
