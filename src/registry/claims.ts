// Reservations made by WORKER.CLAIM: which worker is held, by which token, until when. A held worker is out of
// the best-worker index, so neither WORKER.BEST nor another claim can pick it. Leases end at their deadline
// (one timer for the earliest, plus a check before every query, as liveness does), at WORKER.RELEASE with the
// token, or when the worker's own heartbeat reports a state after the claim. Not kept in snapshots: a lease is
// seconds long, and after a restart the workers' next beats say who is busy.

import { randomUUID } from 'node:crypto';
import type { WorkerRecord } from './types.js';
import { MAX_TIMER_DELAY_MS, type Timers } from './timers.js';

export interface Claim {
  readonly token: string;
  readonly expiresMs: number;
}

interface Entry extends Claim {
  worker: WorkerRecord;
}

/** Why a claim ended, as the `worker.released` event says it. */
export type ReleaseReason = 'released' | 'expired' | 'heartbeat';

export class ClaimBook {
  private readonly byWorker = new Map<WorkerRecord, Entry>();
  /** Min-heap by expiresMs; entries whose claim has already ended are skipped when they surface. */
  private heap: Entry[] = [];

  get size(): number {
    return this.byWorker.size;
  }

  has(w: WorkerRecord): boolean {
    return this.byWorker.size > 0 && this.byWorker.has(w);
  }

  get(w: WorkerRecord): Claim | undefined {
    return this.byWorker.size === 0 ? undefined : this.byWorker.get(w);
  }

  /** Reserves `w` until expiresMs and returns the claim with a fresh unguessable token. */
  add(w: WorkerRecord, expiresMs: number): Claim {
    const entry: Entry = { worker: w, token: randomUUID(), expiresMs };
    this.byWorker.set(w, entry);
    this.push(entry);
    return entry;
  }

  /** Ends w's claim; returns whether there was one. */
  delete(w: WorkerRecord): boolean {
    return this.byWorker.delete(w);
  }

  /** When the earliest live claim expires (Infinity when none). */
  nextExpiryMs(): number {
    this.dropStale();
    return this.heap[0]?.expiresMs ?? Infinity;
  }

  /** Ends and returns the claims whose lease is over at `now`, earliest first. */
  takeDue(now: number): Entry[] {
    const due: Entry[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (top === undefined || top.expiresMs > now) return due;
      this.pop();
      this.byWorker.delete(top.worker);
      due.push(top);
    }
  }

  clear(): void {
    this.byWorker.clear();
    this.heap = [];
  }

  private dropStale(): void {
    while (this.heap.length > 0 && this.byWorker.get(this.heap[0]!.worker) !== this.heap[0]) this.pop();
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.expiresMs <= e.expiresMs) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.expiresMs < h[l]!.expiresMs ? r : l;
      if (h[c]!.expiresMs >= last.expiresMs) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }
}

/** What Claims needs from the registry. */
export interface ClaimHost {
  /** Re-files the worker in the best-worker index after its reservation started or ended. */
  refresh(w: WorkerRecord): void;
  emit(type: 'worker.claimed' | 'worker.released', atMs: number, w: WorkerRecord, details: Record<string, string | number | null>): void;
}

/** The reservations and their one timer (for the earliest lease end). */
export class Claims {
  private readonly book = new ClaimBook();
  private timer: unknown = null;
  private armedForMs = Infinity;

  constructor(
    private readonly host: ClaimHost,
    private readonly timers: Timers | null,
    private readonly now: () => number,
  ) {}

  isClaimed(w: WorkerRecord): boolean {
    return this.book.has(w);
  }

  /** w's live reservation at `now` (one whose lease is over counts as none, even before its timer ran). */
  get(w: WorkerRecord, now: number): Claim | undefined {
    const c = this.book.get(w);
    return c !== undefined && c.expiresMs > now ? c : undefined;
  }

  /** Ends the leases that are over at `now`, each at its own deadline. Call before picking a worker. */
  expire(now: number): void {
    for (const e of this.book.takeDue(now)) {
      this.host.refresh(e.worker);
      this.host.emit('worker.released', e.expiresMs, e.worker, { reason: 'expired' });
    }
  }

  /** Reserves `w` (just picked, still in the index) until now + leaseMs. */
  claim(w: WorkerRecord, now: number, leaseMs: number, details: Record<string, string | number | null>): Claim {
    const c = this.book.add(w, now + leaseMs);
    this.host.refresh(w);
    this.host.emit('worker.claimed', now, w, { ...details, claim_expires_ms: c.expiresMs });
    this.arm();
    return c;
  }

  /** WORKER.RELEASE: true when `token` holds w's live reservation (which then ends). */
  release(w: WorkerRecord, token: string, now: number): boolean {
    const c = this.get(w, now);
    if (c === undefined || c.token !== token) return false;
    this.book.delete(w);
    this.host.refresh(w);
    this.host.emit('worker.released', now, w, { reason: 'released' });
    return true;
  }

  /** The worker's own heartbeat named its state: that is newer than the claim, which ends (caller refreshes). */
  stateReported(w: WorkerRecord, state: string, now: number): void {
    if (!this.book.has(w)) return;
    this.book.delete(w);
    this.host.emit('worker.released', now, w, { reason: 'heartbeat', state });
  }

  /** The worker is gone: its reservation goes with it, silently (its removal event says enough). */
  forget(w: WorkerRecord): void {
    this.book.delete(w);
  }

  clear(): void {
    this.book.clear();
    this.stop();
  }

  stop(): void {
    if (this.timer !== null && this.timers !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.armedForMs = Infinity;
  }

  private arm(): void {
    if (this.timers === null) return;
    const next = this.book.nextExpiryMs();
    if (next >= this.armedForMs) return;
    if (this.timer !== null) this.timers.clear(this.timer);
    this.armedForMs = next;
    this.timer =
      next === Infinity ? null : this.timers.set(() => this.onTimer(), Math.min(MAX_TIMER_DELAY_MS, Math.max(0, next - this.now())));
  }

  private onTimer(): void {
    this.timer = null;
    this.armedForMs = Infinity;
    // A timer may fire early (long delays are armed in steps): expire() only ends what is due, arm() re-arms.
    this.expire(this.now());
    this.arm();
  }
}
