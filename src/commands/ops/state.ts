// What the ops commands read and the server feeds: command and error counters, the slow log, the latency
// monitor and the MONITOR clients. One per server.

import type { ClientState } from '../context.js';
import { ErrorStats } from './stats.js';
import { LatencyMonitor, SlowLog } from './slow-log.js';

export class OpsState {
  readonly errors = new ErrorStats();
  readonly slowlog: SlowLog;
  readonly latency = new LatencyMonitor();
  /** Clients in MONITOR mode: every command run is shown to them. */
  readonly monitors = new Set<ClientState>();
  /** slowlog-log-slower-than, in ns (Infinity when negative: off). */
  slowlogThresholdNs: number;
  /** latency-monitor-threshold, in ns (Infinity when 0: off). */
  latencyThresholdNs: number;

  constructor(settings: { slowlogSlowerThanUsec: number; slowlogMaxLen: number; latencyThresholdMs: number }) {
    this.slowlog = new SlowLog(settings.slowlogMaxLen);
    this.slowlogThresholdNs = 0;
    this.latencyThresholdNs = 0;
    this.setSlowlogThreshold(settings.slowlogSlowerThanUsec);
    this.setLatencyThreshold(settings.latencyThresholdMs);
  }

  setSlowlogThreshold(usec: number): void {
    this.slowlogThresholdNs = usec < 0 ? Infinity : usec * 1000;
  }

  setLatencyThreshold(ms: number): void {
    this.latencyThresholdNs = ms <= 0 ? Infinity : ms * 1e6;
  }
}
