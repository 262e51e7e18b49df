// The slow log and the latency monitor: what SLOWLOG and LATENCY read. The server feeds them after each
// command whose duration passes the configured threshold, so a fast command costs one comparison.

/** One SLOWLOG GET entry, in Redis' order. */
export interface SlowlogEntry {
  id: number;
  unixSeconds: number;
  durationUsec: number;
  argv: string[];
  addr: string;
  name: string;
}

// Redis keeps at most 32 arguments of at most 128 bytes each in an entry (SLOWLOG_ENTRY_MAX_ARGC/STRING).
const MAX_ARGC = 32;
const MAX_STRING = 128;

/** The arguments as Redis' slow log keeps them: truncated, and the last shown one counting the rest. */
export function slowlogArgv(argc: number, arg: (i: number) => Buffer): string[] {
  const shown = Math.min(argc, MAX_ARGC);
  const out: string[] = [];
  for (let i = 0; i < shown; i++) {
    if (shown < argc && i === shown - 1) {
      out.push(`... (${argc - shown + 1} more arguments)`);
      break;
    }
    const b = arg(i);
    out.push(
      b.length > MAX_STRING ? `${b.subarray(0, MAX_STRING).toString('utf8')}... (${b.length - MAX_STRING} more bytes)` : b.toString('utf8'),
    );
  }
  return out;
}

export class SlowLog {
  private entries: SlowlogEntry[] = [];
  private nextId = 0;

  constructor(public maxLen: number) {}

  get length(): number {
    return this.entries.length;
  }

  add(entry: Omit<SlowlogEntry, 'id'>): void {
    if (this.maxLen <= 0) return;
    this.entries.unshift({ id: this.nextId++, ...entry });
    if (this.entries.length > this.maxLen) this.entries.length = this.maxLen;
  }

  /** Newest first; `count` -1 for all. */
  get(count: number): SlowlogEntry[] {
    return count < 0 ? this.entries.slice() : this.entries.slice(0, count);
  }

  /** Applies a smaller slowlog-max-len at once, as Redis does on CONFIG SET. */
  trim(maxLen: number): void {
    this.maxLen = maxLen;
    if (this.entries.length > maxLen) this.entries.length = Math.max(0, maxLen);
  }

  reset(): void {
    this.entries = [];
  }
}

/** One latency event's samples, as Redis' latency monitor keeps them: a ring of 160, one per second. */
interface LatencySeries {
  samples: Array<[unixSeconds: number, ms: number]>;
  maxMs: number;
}

const HISTORY = 160;

export class LatencyMonitor {
  readonly events = new Map<string, LatencySeries>();

  /** Records `ms` for `event` at `unixSeconds`; within one second the largest one is kept. */
  add(event: string, unixSeconds: number, ms: number): void {
    let series = this.events.get(event);
    if (series === undefined) this.events.set(event, (series = { samples: [], maxMs: 0 }));
    const last = series.samples[series.samples.length - 1];
    if (last !== undefined && last[0] === unixSeconds) last[1] = Math.max(last[1], ms);
    else {
      series.samples.push([unixSeconds, ms]);
      if (series.samples.length > HISTORY) series.samples.shift();
    }
    if (ms > series.maxMs) series.maxMs = ms;
  }

  /** Forgets the named events (all when none is named); returns how many it forgot. */
  reset(events: readonly string[]): number {
    if (events.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const e of events) if (this.events.delete(e)) n++;
    return n;
  }
}
