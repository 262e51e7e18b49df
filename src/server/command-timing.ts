// What happens after a command that took long: an entry in the slow log (slowlog-log-slower-than) and a
// sample for the latency monitor (latency-monitor-threshold). Off the hot path: a fast command never gets here.

import type { ClientState } from '../commands/context.js';
import { redactedArgs } from '../commands/ops/monitor-line.js';
import { slowlogArgv } from '../commands/ops/slow-log.js';
import type { ResolvedCommand } from '../commands/table.js';
import type { RequestFrame } from '../resp/decoder.js';

export function afterCommand(client: ClientState, frame: RequestFrame, command: ResolvedCommand, ns: number): void {
  const ops = client.server.ops;
  const nowMs = Date.now();
  if (ns >= ops.slowlogThresholdNs) {
    const args = redactedArgs(frame.frameLength, (i) => frame.argBuffer(i));
    ops.slowlog.add({
      unixSeconds: Math.floor(nowMs / 1000),
      durationUsec: Math.round(ns / 1000),
      argv: slowlogArgv(args.length, (i) => args[i]!),
      addr: client.addr,
      name: client.name ?? '',
    });
  }
  if (ns >= ops.latencyThresholdNs) {
    // Redis' two command events: commands flagged fast, and the rest.
    const event = command.spec.flags.includes('fast') ? 'fast-command' : 'command';
    ops.latency.add(event, Math.floor(nowMs / 1000), Math.round(ns / 1e6));
  }
}
