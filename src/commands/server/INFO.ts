// INFO: server state as `key:value` lines in sections, as Redis does. ioredis' ready check reads
// `loading:0`; dashboards read `redis_version`, `connected_clients`, `used_memory`.

import { asciiLower } from '../../settings/values.js';
import { VerbatimReply } from '../../resp/reply.js';
import { isSubscribed, type ServerContext } from '../context.js';
import { defineCommand } from '../spec.js';
import { REDIS_COMPAT_VERSION } from './AUTH.js';
import { keyCount } from '../keyspace/keys.js';
import { shape } from '../reply-shape.js';

type Section = [name: string, lines: (server: ServerContext) => Array<[string, string | number]>];

function human(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let i = 0;
  let n = bytes;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${bytes}B` : `${n.toFixed(2)}${units[i]}`;
}

const SECTIONS: Section[] = [
  [
    'server',
    (s) => {
      const uptime = Math.floor((Date.now() - s.startedAtMs) / 1000);
      return [
        ['redis_version', REDIS_COMPAT_VERSION],
        ['registry_version', s.version],
        ['redis_mode', 'standalone'],
        ['os', `${process.platform} ${process.arch}`],
        ['arch_bits', 64],
        ['process_id', process.pid],
        ['run_id', s.runId],
        ['tcp_port', s.tcpPort],
        ['server_time_usec', s.wallClockMicros().toString()],
        ['uptime_in_seconds', uptime],
        ['uptime_in_days', Math.floor(uptime / 86400)],
        ['node_version', process.version],
      ];
    },
  ],
  [
    'clients',
    (s) => {
      let connected = 0;
      let blocked = 0;
      let pubsub = 0;
      // Redis keeps the peak of the last few seconds; this is the largest now (what a client holds at the
      // moment INFO is asked), enough to see a client that stopped reading before its output limit drops it.
      let maxInput = 0;
      let maxOutput = 0;
      for (const c of s.clients()) {
        connected++;
        if (c.blocked) blocked++;
        if (isSubscribed(c)) pubsub++;
        maxInput = Math.max(maxInput, c.queryBufferBytes());
        maxOutput = Math.max(maxOutput, c.outputBufferBytes());
      }
      return [
        ['connected_clients', connected],
        ['blocked_clients', blocked],
        ['pubsub_clients', pubsub],
        ['maxclients', s.settings.get('maxclients')],
        ['client_recent_max_input_buffer', maxInput],
        ['client_recent_max_output_buffer', maxOutput],
      ];
    },
  ],
  [
    'memory',
    (s) => {
      const m = s.memory.used();
      const rss = process.memoryUsage.rss();
      const max = s.memory.limit;
      return [
        ['used_memory', m.used],
        ['used_memory_human', human(m.used)],
        ['used_memory_rss', rss],
        ['used_memory_rss_human', human(rss)],
        ['used_memory_heap', m.heapUsed],
        ['used_memory_heap_total', m.heapTotal],
        ['used_memory_external', m.external],
        ['heap_size_limit', m.heapLimit],
        ['maxmemory', max],
        ['maxmemory_human', human(max)],
        ['maxmemory_policy', s.settings.get('maxmemory-policy')],
      ];
    },
  ],
  ['persistence', (s) => s.persistence.infoLines()],
  [
    'stats',
    (s) => [
      ['total_connections_received', s.stats.totalConnectionsReceived],
      ['total_commands_processed', s.stats.totalCommandsProcessed],
      ['rejected_connections', s.stats.rejectedConnections],
      ['total_protocol_errors', s.stats.protocolErrors],
      ['client_output_buffer_limit_disconnections', s.stats.outputLimitDisconnections],
      ['total_error_replies', s.ops.errors.total],
      ['pubsub_channels', s.pubsub.channels(null).length],
      ['pubsub_patterns', s.pubsub.numpat()],
      ['acl_access_denied_auth', s.acl.denied.auth],
      ['acl_access_denied_cmd', s.acl.denied.command],
      ['acl_access_denied_key', s.acl.denied.key],
      ['acl_access_denied_channel', s.acl.denied.channel],
    ],
  ],
  [
    'replication',
    () => [
      ['role', 'master'],
      ['connected_slaves', 0],
    ],
  ],
  [
    'cpu',
    () => {
      const u = process.cpuUsage();
      return [
        ['used_cpu_sys', (u.system / 1e6).toFixed(6)],
        ['used_cpu_user', (u.user / 1e6).toFixed(6)],
      ];
    },
  ],
  [
    'registry',
    (s) => {
      const r = s.registry;
      const guard = r.guardStatus();
      return [
        ['workers', r.workerCount()],
        ['workers_online', r.onlineWorkerCount()],
        ['hives', r.hiveCount()],
        ['hives_online', r.onlineHiveCount()],
        ['offline_after_ms', r.offlineAfterMs],
        ['evict_after_ms', r.evictAfterMs],
        ['workers_clock_skewed', r.skewedWorkerCount()],
        ['expiry_guard', guard.active ? 1 : 0],
        ['expiry_guard_mode', guard.mode],
        ['expiry_guard_percent', guard.percent],
        ['expiry_guard_since_ms', guard.sinceMs],
        ['expiry_guard_max_hold_ms', guard.maxHoldMs],
        ['expiry_guard_evictions_resume_at_ms', guard.evictionsResumeAtMs],
        ['event_rev', r.events.lastRev],
        ['event_oldest_rev', r.events.oldestRev],
        ['event_log_length', r.events.length],
        ['event_log_capacity', r.events.capacity],
        ['event_log_bytes', r.events.bytes],
        ['event_log_max_bytes', r.events.maxBytes],
        ['snapshot', s.snapshotPath ?? ''],
        ['snapshot_last_save_ms', s.persistence.lastSaveMs],
      ];
    },
  ],
  [
    'commandstats',
    (s) => {
      const out: Array<[string, string]> = [];
      for (const c of s.commands.allResolved()) {
        const st = c.stats;
        if (st.calls + st.rejectedCalls + st.failedCalls === 0) continue;
        const usec = Math.round(st.usec);
        const perCall = st.calls === 0 ? 0 : st.usec / st.calls;
        out.push([
          `cmdstat_${c.fullName}`,
          `calls=${st.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}`,
        ]);
      }
      return out;
    },
  ],
  ['errorstats', (s) => [...s.ops.errors.byCode].map(([code, count]): [string, string] => [`errorstat_${code}`, `count=${count}`])],
  [
    'latencystats',
    (s) => {
      const out: Array<[string, string]> = [];
      for (const c of s.commands.allResolved()) {
        const h = c.stats.latency;
        if (h.count === 0) continue;
        const p = (q: number) => h.percentileUsec(q).toFixed(3);
        out.push([`latency_percentiles_usec_${c.fullName}`, `p50=${p(50)},p99=${p(99)},p99.9=${p(99.9)}`]);
      }
      return out;
    },
  ],
  [
    'keyspace',
    (s) => {
      const keys = keyCount(s.registry);
      return keys > 0 ? [['db0', `keys=${keys},expires=0,avg_ttl=0`]] : [];
    },
  ],
];

// As in Redis: commandstats and latencystats only on request or with `all`/`everything`.
const ALL = new Set(SECTIONS.map(([name]) => name));
const DEFAULT = new Set([...ALL].filter((n) => n !== 'commandstats' && n !== 'latencystats'));

const TITLES: Record<string, string> = { cpu: 'CPU', commandstats: 'Commandstats', errorstats: 'Errorstats', latencystats: 'Latencystats' };

export function infoText(server: ServerContext, requested: readonly string[]): string {
  const wanted = new Set<string>();
  if (requested.length === 0) for (const n of DEFAULT) wanted.add(n);
  for (const r of requested) {
    const name = asciiLower(r);
    if (name === 'all' || name === 'everything') for (const n of ALL) wanted.add(n);
    else if (name === 'default') for (const n of DEFAULT) wanted.add(n);
    else wanted.add(name);
  }
  const parts: string[] = [];
  for (const [name, lines] of SECTIONS) {
    if (!wanted.has(name)) continue;
    const title = TITLES[name] ?? name[0]!.toUpperCase() + name.slice(1);
    parts.push(
      `# ${title}\r\n` +
        lines(server)
          .map(([k, v]) => `${k}:${v}\r\n`)
          .join(''),
    );
  }
  return parts.join('\r\n');
}

export default defineCommand({
  name: 'INFO',
  summary: 'Returns information and statistics about the server and the registry.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(1) (the registry section walks the online workers and hives)',
  arity: -1,
  flags: ['loading', 'stale'],
  aclCategories: ['slow', 'dangerous'],
  arguments: [{ name: 'section', type: 'string', optional: true, multiple: true }],
  replyShape: shape.oneOf(shape.bulk, shape.verbatim),
  reply:
    'Bulk string (RESP3: verbatim string) of `# Section` headers and `key:value` lines, CRLF-separated. Sections: ' +
    'server, clients, memory, persistence, stats, replication, cpu, registry, errorstats, keyspace by default (or with ' +
    '`default`); commandstats and latencystats on request, or with `all` / `everything`. Unknown sections are left out.',
  notes:
    '`redis_version` is the Redis version whose behaviour this server follows (7.2.0); `registry_version` is ours. ' +
    'The registry section has `workers`, `workers_online`, `hives`, `hives_online`, `offline_after_ms`, ' +
    '`evict_after_ms`, `workers_clock_skewed` (workers whose TS is more than 5 s from the server clock), `expiry_guard` ' +
    '(1 while evictions are held), `expiry_guard_mode`, `expiry_guard_percent`, `expiry_guard_since_ms` (registry ' +
    'time in epoch ms the hold began; 0 when not holding), `expiry_guard_max_hold_ms` (--expiry-guard-max-hold), ' +
    '`expiry_guard_evictions_resume_at_ms` (held workers are not evicted before this: the lift, plus one offline ' +
    'window after an automatic one), `event_rev`, `event_oldest_rev`, ' +
    '`event_log_length`, `event_log_capacity`, `event_log_bytes` (what the events kept count for against `event-log-max-bytes`), `event_log_max_bytes`, `snapshot`, `snapshot_last_save_ms`. The memory section: `used_memory` is ' +
    'the V8 heap in use (live objects and garbage not yet collected) plus the memory V8 tracks outside it (Buffers, ' +
    'typed arrays); it is what `maxmemory` limits. `used_memory_rss` is the resident set; `used_memory_heap`, ' +
    '`used_memory_external`, `used_memory_heap_total` and `heap_size_limit` break it down; `maxmemory` (0: none) and ' +
    '`maxmemory_policy` (noeviction). Commandstats, errorstats and ' +
    "latencystats are in Redis' format: `cmdstat_hbeat:calls=N,usec=N,usec_per_call=N.NN,rejected_calls=N,failed_calls=N`, " +
    '`errorstat_ERR:count=N`, `latency_percentiles_usec_hbeat:p50=N.NNN,p99=N.NNN,p99.9=N.NNN` (from a histogram with ' +
    "12.5% wide buckets). A command's time runs from the end of the previous request on its connection.",
  handler(client, argv) {
    return new VerbatimReply(infoText(client.server, argv.slice(1)));
  },
});
