// The log lines registry events make: the guard tripping and lifting, and evictions counted and logged once
// per event-loop turn (a batch), never one line per worker.

import type { Log } from '../commands/context.js';

export class EventLogLines {
  private evicted = 0;
  private hivesRemoved = 0;

  constructor(private readonly log: () => Log) {}

  take(event: { type: string; [k: string]: unknown }): void {
    switch (event.type) {
      case 'worker.evicted':
        if (this.evicted++ === 0 && this.hivesRemoved === 0) setImmediate(() => this.flushEvictions());
        break;
      case 'hive.removed':
        if (this.evicted > 0) this.hivesRemoved++;
        break;
      case 'guard.on':
        this.log().warning(
          `Expiry guard tripped (${String(event.mode)}): ${String(event.online)} of ${String(event.baseline)} workers online; evictions held`,
        );
        break;
      case 'guard.off': {
        const resume = new Date(Number(event.evictions_resume_at_ms)).toISOString();
        const online = `${String(event.online)} of ${String(event.baseline)} workers online`;
        if (event.reason === 'max-hold')
          this.log().warning(
            `Expiry guard released: it held evictions for --expiry-guard-max-hold (${String(event.mode)}); ${online}; ` +
              `held workers are evicted from ${resume}, at most --evict-rate a second`,
          );
        else this.log().notice(`Expiry guard lifted (${String(event.mode)}): ${online}; evictions resume at ${resume}`);
        break;
      }
    }
  }

  private flushEvictions(): void {
    const hives = this.hivesRemoved > 0 ? ` (${this.hivesRemoved} hives left empty and removed)` : '';
    this.log().notice(`Evicted ${this.evicted} offline workers${hives}`);
    this.evicted = 0;
    this.hivesRemoved = 0;
  }
}
