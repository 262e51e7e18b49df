// A clock the test moves by hand: no sleeps, no flakiness.

import type { Clock } from '../../src/registry/types.js';

export class ManualClock implements Clock {
  constructor(private ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}
