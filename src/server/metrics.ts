// /metrics in the Prometheus text format: the registry's fleet, its feed, its commands, and Node's process
// and GC metrics.
//
// prom-client (well kept, Node >= 16, the library Node services use) gives the process/GC/event-loop metrics
// and the exposition format; the registry's gauges are read at scrape time through its `collect` hooks, from
// counts the registry keeps as workers change (by state, health, liveness, per model, hives online), so a scrape
// costs O(series), never a walk of the workers, and nothing is added to a heartbeat that changes none of them. The per-command duration histogram is written by hand from the
// histograms INFO latencystats already keeps (prom-client cannot take ready-made bucket counts, and observing
// each command through it would cost a label lookup per request).
//
// Cardinality: workers 3 states x 2 health x 2 online = 12 series; hives 2; heartbeats 3; transitions 3;
// events one per event type (10); commands: one series (and 23 buckets) per command or subcommand run so far
// (about 100 at most). Per-hive series (rbee_registry_hive_*) only while there are at most 256 hives, and
// per-model series only while at most 256 models, so a fleet of many hosts cannot blow up a Prometheus.

import client from 'prom-client';
import type { RegistryServer } from './server.js';
import { LatencyHistogram } from '../commands/ops/stats.js';
import { EVENT_TYPES } from '../registry/events.js';
import { HEALTH_VALUES, WORKER_STATES } from '../registry/types.js';

export const MAX_LABELLED_HIVES = 256;
export const MAX_LABELLED_MODELS = 256;

// Histogram edges at powers of two of nanoseconds, where the latency histogram's counts are exact: 1.024 µs
// to 2.1 s.
const EDGE_EXPS = Array.from({ length: 22 }, (_, i) => i + 10);

export class Metrics {
  readonly register = new client.Registry();
  private readonly eventCounts = new Map<string, number>();

  constructor(private readonly server: RegistryServer) {
    const reg = [this.register];
    client.collectDefaultMetrics({ register: this.register, eventLoopMonitoringPrecision: 20 });
    // Gauges named *_total break Prometheus' naming rules (promtool says so); the same counts are there by type
    // in nodejs_active_handles / _requests / _resources.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) {
      this.register.removeSingleMetric(name);
    }
    const registry = server.registry;
    registry.onEvent((e) => this.eventCounts.set(e.event.type, (this.eventCounts.get(e.event.type) ?? 0) + 1));
    // prom-client calls collect() with `this` bound to the metric, so the collector reaches its owner by name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    const ONLINE = [false, true] as const;

    new client.Gauge({
      name: 'rbee_registry_workers',
      help: 'Workers by state, health and liveness',
      labelNames: ['state', 'health', 'online'],
      registers: reg,
      collect() {
        this.reset();
        for (const state of WORKER_STATES) {
          for (const health of HEALTH_VALUES) {
            for (const online of ONLINE)
              this.set({ state, health, online: online ? '1' : '0' }, registry.workerTally(state, health, online));
          }
        }
      },
    });
    new client.Gauge({
      name: 'rbee_registry_hives',
      help: 'Hives by liveness (online: some worker of it is online)',
      labelNames: ['online'],
      registers: reg,
      collect() {
        const all = registry.hiveCount();
        const online = registry.onlineHiveCount();
        this.set({ online: '1' }, online);
        this.set({ online: '0' }, all - online);
      },
    });
    const hiveGauge = (name: string, help: string, value: (h: ReturnType<typeof registry.listHives>[number]) => number) =>
      new client.Gauge({
        name,
        help: `${help} (per hive, only while there are at most ${MAX_LABELLED_HIVES} hives)`,
        labelNames: ['hive'],
        registers: reg,
        collect() {
          this.reset();
          if (registry.hiveCount() > MAX_LABELLED_HIVES) return;
          for (const h of registry.listHives()) this.set({ hive: h.hiveId }, value(h));
        },
      });
    hiveGauge('rbee_registry_hive_workers', 'Workers of a hive', (h) => h.workerCount);
    hiveGauge('rbee_registry_hive_online_workers', 'Online workers of a hive', (h) => h.onlineWorkers);
    hiveGauge('rbee_registry_hive_vram_used_bytes', 'VRAM its workers report using', (h) => h.vramUsedBytes);
    hiveGauge('rbee_registry_hive_ram_used_bytes', 'RAM its workers report using', (h) => h.ramUsedBytes);
    new client.Gauge({
      name: 'rbee_registry_model_workers',
      help: `Workers serving a model, by liveness (only while there are at most ${MAX_LABELLED_MODELS} models)`,
      labelNames: ['model', 'online'],
      registers: reg,
      collect() {
        this.reset();
        const models = registry.modelCounts(MAX_LABELLED_MODELS);
        if (models === null) return;
        for (const { modelId: model, workers, online } of models) {
          this.set({ model, online: '0' }, workers - online);
          this.set({ model, online: '1' }, online);
        }
      },
    });
    new client.Counter({
      name: 'rbee_registry_heartbeats_total',
      help: 'Heartbeats: new (registered the worker), refresh (a known worker), error (refused)',
      labelNames: ['result'],
      registers: reg,
      collect() {
        this.reset();
        const stats = server.commands.lookup('hbeat')!.stats;
        const created = registry.registrations;
        this.inc({ result: 'new' }, created);
        this.inc({ result: 'refresh' }, Math.max(0, stats.calls - stats.failedCalls - created));
        this.inc({ result: 'error' }, stats.failedCalls + stats.rejectedCalls);
      },
    });
    new client.Counter({
      name: 'rbee_registry_worker_transitions_total',
      help: 'Worker transitions: to online (a new worker or one back), offline (its deadline passed), evicted',
      labelNames: ['to'],
      registers: reg,
      collect() {
        this.reset();
        this.inc({ to: 'online' }, self.eventCounts.get('worker.online') ?? 0);
        this.inc({ to: 'offline' }, self.eventCounts.get('worker.offline') ?? 0);
        this.inc({ to: 'evicted' }, self.eventCounts.get('worker.evicted') ?? 0);
      },
    });
    new client.Counter({
      name: 'rbee_registry_events_total',
      help: 'Registry events published, by type',
      labelNames: ['type'],
      registers: reg,
      collect() {
        this.reset();
        for (const type of EVENT_TYPES) this.inc({ type }, self.eventCounts.get(type) ?? 0);
      },
    });
    const gauge = (name: string, help: string, value: () => number) =>
      new client.Gauge({
        name,
        help,
        registers: reg,
        collect() {
          this.set(value());
        },
      });
    gauge('rbee_registry_expiry_guard_active', 'Mass-expiry guard holding evictions (1) or not (0)', () =>
      registry.guardStatus().active ? 1 : 0,
    );
    gauge('rbee_registry_feed_revision', 'Revision of the newest registry event', () => registry.events.lastRev);
    gauge('rbee_registry_connected_clients', 'Open Redis-protocol connections', () => {
      let n = 0;
      for (const _ of server.clients()) n++;
      return n;
    });
    gauge(
      'rbee_registry_snapshot_last_success_timestamp_seconds',
      'When the last snapshot was written (Unix seconds; 0: never)',
      () => server.persistence.lastWrittenMs / 1000,
    );
    new client.Counter({
      name: 'rbee_registry_commands_total',
      help: 'Commands run, by command (subcommands as container|sub)',
      labelNames: ['command'],
      registers: reg,
      collect() {
        this.reset();
        for (const c of server.commands.allResolved()) if (c.stats.calls > 0) this.inc({ command: c.fullName }, c.stats.calls);
      },
    });
  }

  /** The whole exposition: prom-client's metrics, then the command duration histogram. */
  async text(): Promise<string> {
    return (await this.register.metrics()) + this.commandDurations();
  }

  private commandDurations(): string {
    const name = 'rbee_registry_command_duration_seconds';
    let out = `# HELP ${name} Time to handle a request, by command (from the end of the previous request on its connection)\n# TYPE ${name} histogram\n`;
    for (const c of this.server.commands.allResolved()) {
      const h = c.stats.latency;
      if (h.count === 0) continue;
      const label = `command="${c.fullName.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      const below = h.cumulativeBelowPow2(EDGE_EXPS);
      for (let i = 0; i < EDGE_EXPS.length; i++) out += `${name}_bucket{${label},le="${2 ** EDGE_EXPS[i]! / 1e9}"} ${below[i]}\n`;
      out += `${name}_bucket{${label},le="+Inf"} ${h.count}\n`;
      out += `${name}_sum{${label}} ${c.stats.usec / 1e6}\n`;
      out += `${name}_count{${label}} ${h.count}\n`;
    }
    return out;
  }
}

export { LatencyHistogram };
