// Workers counted by state, health and liveness, kept as they register, change, come and go, so /metrics and the
// dashboard read the fleet's make-up in O(1) instead of walking every worker at each scrape. The counts are
// indexed by each record's tally key (its packed state, health and online bits, see types.ts), so keeping them
// costs a compare and two additions at the changes, and nothing on a heartbeat that changes none of the three.

import { type Health, TALLY_KEYS, TALLY_ONLINE, tallyKeys, type WorkerRecord, type WorkerState } from './types.js';

export class WorkerTally {
  private readonly byKey = new Float64Array(TALLY_KEYS);

  /** A worker came in (sign 1) or went (-1) with its current state, health and liveness. */
  count(w: WorkerRecord, sign: 1 | -1): void {
    this.byKey[w.tallyKey]! += sign;
  }

  /** A worker that had tally key `before` has its current one now. */
  moved(before: number, w: WorkerRecord): void {
    const after = w.tallyKey;
    if (after === before) return;
    this.byKey[before]!--;
    this.byKey[after]!++;
  }

  /** The worker's liveness flipped (its other bits did not). */
  flipped(w: WorkerRecord): void {
    this.byKey[w.tallyKey ^ TALLY_ONLINE]!--;
    this.byKey[w.tallyKey]!++;
  }

  /** Workers with this state and health as used everywhere (never reported counts as Idle, healthy). */
  workers(state: WorkerState, health: Health, online: boolean): number {
    let n = 0;
    for (const key of tallyKeys(state, health, online)) n += this.byKey[key]!;
    return n;
  }
}
