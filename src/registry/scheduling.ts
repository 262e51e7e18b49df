// The scheduling side of the registry: WORKER.BEST's pick, WORKER.CLAIM's reservations and a hive's GPU
// capacity, over the registry's parts. Each call first applies what is due (liveness transitions, lease ends).

import { hiveCapacity, type HiveCapacity, hiveVramTotal } from './capacity.js';
import { Claims, type Claim, type ClaimHost } from './claims.js';
import type { Hives } from './hives.js';
import type { Liveness } from './liveness.js';
import type { BestWorkerQuery, ClaimQuery, HiveView, WorkerRecord, WorkerView } from './types.js';
import type { Timers } from './timers.js';
import type { Workers } from './workers.js';

/** WORKER.BEST's pick: the worker, and whether it has the model or is the fallback. */
export interface BestPick {
  worker: WorkerView;
  match: 'model' | 'fallback';
}

export class Scheduling {
  /** The reservations: the registry ends them when a worker reports its state or goes away. */
  readonly claims: Claims;

  /** Wires the claims to the parts: a reserved worker leaves the best-worker index until its claim ends. */
  constructor(
    private readonly liveness: Liveness,
    private readonly workers: Workers,
    private readonly hives: Hives,
    timers: Timers | null,
    emit: ClaimHost['emit'],
  ) {
    this.claims = new Claims({ refresh: (w) => workers.refresh(w), emit }, timers, () => liveness.now());
    workers.isReserved = (w) => this.claims.isClaimed(w);
  }

  /** Stops the lease timer (shutdown, or the parts being replaced by FLUSHALL). */
  stop(): void {
    this.claims.stop();
  }

  private sync(): number {
    const now = this.liveness.now();
    this.liveness.sync(now);
    this.claims.expire(now);
    return now;
  }

  /**
   * WORKER.BEST: the best online, idle, unreserved worker with the model (healthy before degraded, then least GPU
   * load, then worker id); else, unless `strict`, the best such worker of any model that has a URL.
   */
  best(modelId: string, query: BestWorkerQuery = {}): BestPick | undefined {
    this.sync();
    return this.workers.bestMatch(modelId, query);
  }

  /** WORKER.CLAIM: picks as `best` does and reserves the worker for `leaseMs` (default: the offline window). */
  claim(modelId: string, query: ClaimQuery = {}): (BestPick & { claim: Claim }) | undefined {
    const now = this.sync();
    const pick = this.workers.bestMatch(modelId, query);
    if (pick === undefined) return undefined;
    const claim = this.claims.claim(pick.worker, now, query.leaseMs ?? this.liveness.offlineAfterMs, {
      model_id: modelId,
      match: pick.match,
    });
    return { ...pick, claim };
  }

  /** WORKER.RELEASE: true when `token` held the worker's live reservation, which then ends. */
  release(workerId: string, token: string): boolean {
    const now = this.sync();
    const w = this.workers.get(workerId);
    return w !== undefined && this.claims.release(w, token, now);
  }

  /** The worker's live reservation, if any. */
  claimOf(w: WorkerView): Claim | undefined {
    // Views are the records themselves, typed read-only.
    return this.claims.get(w as WorkerRecord, this.liveness.now());
  }

  /** The hive's VRAM capacity and free VRAM, each GPU counted once (see capacity.ts). */
  hiveCapacity(h: HiveView): HiveCapacity {
    this.liveness.sync();
    return hiveCapacity(this.hives.get(h.hiveId)?.workers ?? []);
  }

  /** The hive's VRAM capacity alone (hiveCapacity's vramTotalBytes, for less). */
  hiveVramTotal(h: HiveView): number | null {
    this.liveness.sync();
    return hiveVramTotal(this.hives.get(h.hiveId)?.workers ?? []);
  }
}
