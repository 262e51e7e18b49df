// What the server measures per command and per error, for INFO commandstats/errorstats/latencystats and the
// Prometheus endpoint. Recording costs a few integer operations: it runs for every request on the hot path.

/**
 * Durations in a log-linear histogram: 8 buckets per power of two of nanoseconds (12.5% wide), up to 2^31 ns
 * (about 2.1 s; longer ones count there). Percentiles are read from it like Redis' HDR histograms, within a
 * bucket's width; octave edges (2^k ns) are exact, which the Prometheus histogram uses.
 */
export class LatencyHistogram {
  static readonly SUB_BITS = 3;
  static readonly BUCKETS = 32 << LatencyHistogram.SUB_BITS;
  readonly counts = new Float64Array(LatencyHistogram.BUCKETS);
  count = 0;

  static bucketOf(ns: number): number {
    const v = ns < 1 ? 1 : ns >= 0x7fffffff ? 0x7fffffff : ns | 0;
    const exp = 31 - Math.clz32(v);
    if (exp < LatencyHistogram.SUB_BITS) return v;
    return (exp << LatencyHistogram.SUB_BITS) + ((v >>> (exp - LatencyHistogram.SUB_BITS)) & 7);
  }

  /** The largest duration (ns) a bucket holds. */
  static upperNs(bucket: number): number {
    if (bucket < 8) return bucket;
    const exp = bucket >>> LatencyHistogram.SUB_BITS;
    const sub = bucket & 7;
    return ((8 + sub + 1) << (exp - LatencyHistogram.SUB_BITS)) - 1;
  }

  record(ns: number): void {
    this.counts[LatencyHistogram.bucketOf(ns)]!++;
    this.count++;
  }

  /** The duration (µs) at or under which `percent`% of the recorded ones fall. */
  percentileUsec(percent: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((percent / 100) * this.count));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return (LatencyHistogram.upperNs(b) + 1) / 1000;
    }
    return LatencyHistogram.upperNs(this.counts.length - 1) / 1000;
  }

  /** How many took less than 2^k ns, for each k in `exps` (ascending): cumulative counts for Prometheus. */
  cumulativeBelowPow2(exps: readonly number[]): number[] {
    const out: number[] = [];
    let b = 0;
    let seen = 0;
    for (const k of exps) {
      const end = k < LatencyHistogram.SUB_BITS ? 1 << k : k << LatencyHistogram.SUB_BITS;
      for (; b < end && b < this.counts.length; b++) seen += this.counts[b]!;
      out.push(seen);
    }
    return out;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
  }
}

/** One command's (or subcommand's) counters, as Redis' cmdstat line has them. */
export class CommandStats {
  calls = 0;
  usec = 0;
  /** Refused before running: arity, authentication, subscribe context. */
  rejectedCalls = 0;
  /** Ran and answered with an error. */
  failedCalls = 0;
  readonly latency = new LatencyHistogram();

  reset(): void {
    this.calls = this.usec = this.rejectedCalls = this.failedCalls = 0;
    this.latency.reset();
  }
}

// Redis keeps at most 128 error codes; past that, new codes are not tracked (errorstats is for operators, and
// an error code chosen by a client must not grow the server's memory).
const MAX_ERROR_CODES = 128;

/** Error replies by code (the first word: ERR, WRONGTYPE, NOAUTH…), for INFO errorstats. */
export class ErrorStats {
  readonly byCode = new Map<string, number>();
  total = 0;

  record(message: string): void {
    this.total++;
    const space = message.indexOf(' ');
    const code = space < 0 ? message : message.slice(0, space);
    const n = this.byCode.get(code);
    if (n !== undefined) this.byCode.set(code, n + 1);
    else if (this.byCode.size < MAX_ERROR_CODES) this.byCode.set(code, 1);
  }

  reset(): void {
    this.byCode.clear();
    this.total = 0;
  }
}
