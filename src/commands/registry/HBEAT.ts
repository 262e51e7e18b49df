// HBEAT: a worker's heartbeat, from option pairs or from the seed's JSON payload (update_hive_state).

import { ONE, type Reply, ZERO } from '../../resp/reply.js';
import {
  HEARTBEAT_OPTIONS,
  parseHeartbeatJson,
  parseHeartbeatOptions,
  parsePercent,
  parseTimestamp,
  parseUrl,
} from '../../registry/heartbeat-input.js';
import { type HeartbeatFields, RegistryError } from '../../registry/types.js';
import { DEVICE_ID_MAX, FIELD_MAX_BYTES } from '../../registry/field-limits.js';
import type { RequestFrame } from '../../resp/decoder.js';
import type { ClientState } from '../context.js';
import { defineCommand, type ArgReader, type KeyFlag, type KeyRef } from '../spec.js';
import { hiveKey, workerKey } from '../keys.js';
import { CommandError } from '../errors.js';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const T = {
  STATE: bytes('STATE'), HEALTH: bytes('HEALTH'), URL: bytes('URL'), MODEL: bytes('MODEL'), BACKEND: bytes('BACKEND'),
  DEVICE: bytes('DEVICE'), VRAM: bytes('VRAM'), VRAM_TOTAL: bytes('VRAM_TOTAL'), RAM: bytes('RAM'), CPU: bytes('CPU'),
  GPU: bytes('GPU'), TS: bytes('TS'), JSON: bytes('JSON'),
};
const V = { Idle: bytes('Idle'), Busy: bytes('Busy'), Loading: bytes('Loading'), healthy: bytes('healthy'), degraded: bytes('degraded') };

/**
 * The heartbeat hot path: options matched and numbers read from the request bytes, so a beat makes strings
 * only for the ids and the values it stores (URL, model, backend, TS). Anything unusual — another spelling of a
 * state, a bad value, the JSON form — returns undefined and goes through the handler below, which owns every
 * error message.
 */
function fastHeartbeat(client: ClientState, f: RequestFrame): Reply | undefined {
  const n = f.frameLength;
  if (n < 3 || (n - 3) % 2 !== 0 || f.argLength(1) === 0 || f.argLength(2) === 0 || f.argIsToken(1, T.JSON)) return undefined;
  if (f.argLength(1) > FIELD_MAX_BYTES.worker_id || f.argLength(2) > FIELD_MAX_BYTES.hive_id) return undefined;
  const fields: HeartbeatFields = {};
  try {
    for (let i = 3; i < n; i += 2) {
      const v = i + 1;
      switch (f.argLength(i)) {
        case 2:
          if (!f.argIsToken(i, T.TS)) return undefined;
          fields.reportedAt = f.argString(v);
          fields.reportedAtMs = parseTimestamp(fields.reportedAt);
          break;
        case 3:
          if (f.argIsToken(i, T.URL)) fields.url = parseUrl(f.argString(v));
          else if (f.argIsToken(i, T.RAM)) {
            if ((fields.ramBytes = f.argUint(v)) < 0) return undefined;
          } else if (f.argIsToken(i, T.CPU)) fields.cpuPercent = parsePercent(f.argString(v), 'CPU');
          else if (f.argIsToken(i, T.GPU)) fields.gpuPercent = parsePercent(f.argString(v), 'GPU');
          else return undefined;
          break;
        case 4:
          if (!f.argIsToken(i, T.VRAM) || (fields.vramBytes = f.argUint(v)) < 0) return undefined;
          break;
        case 5:
          if (f.argIsToken(i, T.STATE)) {
            if (f.argIs(v, V.Idle)) fields.state = 'Idle';
            else if (f.argIs(v, V.Busy)) fields.state = 'Busy';
            else if (f.argIs(v, V.Loading)) fields.state = 'Loading';
            else return undefined;
          } else if (f.argIsToken(i, T.MODEL)) {
            if (f.argLength(v) === 0 || f.argLength(v) > FIELD_MAX_BYTES.model_id) return undefined;
            fields.modelId = f.argString(v);
          } else return undefined;
          break;
        case 6:
          if (f.argIsToken(i, T.HEALTH)) {
            if (f.argIs(v, V.healthy)) fields.health = 'healthy';
            else if (f.argIs(v, V.degraded)) fields.health = 'degraded';
            else return undefined;
          } else if (f.argIsToken(i, T.DEVICE)) {
            if ((fields.deviceId = f.argUint(v)) < 0 || fields.deviceId > DEVICE_ID_MAX) return undefined;
          } else return undefined;
          break;
        case 7:
          if (!f.argIsToken(i, T.BACKEND) || f.argLength(v) === 0 || f.argLength(v) > FIELD_MAX_BYTES.backend) return undefined;
          fields.backend = f.argString(v);
          break;
        case 10:
          if (!f.argIsToken(i, T.VRAM_TOTAL) || (fields.vramTotalBytes = f.argUint(v)) < 0) return undefined;
          break;
        default:
          return undefined;
      }
    }
  } catch (e) {
    if (e instanceof RegistryError) return undefined;
    throw e;
  }
  const workerId = f.argString(1);
  // Over maxmemory the handler decides (and refuses a new worker): the fast path never answers with an error.
  if (client.server.memory.overLimit() && client.server.registry.getWorker(workerId) === undefined) return undefined;
  return client.server.registry.heartbeat(workerId, f.argString(2), fields) ? ONE : ZERO;
}

const WORKER_KEY: KeyFlag[] = ['RW', 'INSERT', 'UPDATE'];
const HIVE_KEY: KeyFlag[] = ['RW', 'INSERT'];

/** worker:<id> and hive:<id>; the JSON form's ids are read the way the handler reads them (none if it is bad). */
function heartbeatKeys(argc: number, arg: ArgReader): KeyRef[] {
  if (argc < 3) return [];
  let workerId = arg(1);
  let hiveId = arg(2);
  if (workerId.length === 4 && workerId.toUpperCase() === 'JSON') {
    if (argc !== 3) return [];
    try {
      ({ workerId, hiveId } = parseHeartbeatJson(hiveId));
    } catch {
      return [];
    }
  }
  return [
    { key: 'worker:' + workerId, flags: WORKER_KEY },
    { key: 'hive:' + hiveId, flags: HIVE_KEY },
  ];
}

/**
 * Redis' noeviction policy: above maxmemory, commands that would grow the data set are refused. Here that is a
 * heartbeat registering a new worker; known workers still refresh, and reads go on.
 */
function admitNewWorker(client: ClientState, workerId: string): void {
  if (client.server.memory.overLimit() && client.server.registry.getWorker(workerId) === undefined) {
    throw new CommandError(OOM);
  }
}

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

export default defineCommand({
  name: 'HBEAT',
  summary: 'Records a heartbeat from a worker: registers it, refreshes it, updates its state and moves it between hives.',
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(1) (O(W) when the worker leaves a hive whose newest heartbeat it held, W the workers left there)',
  arity: -3,
  flags: ['write', 'fast', 'movablekeys'],
  aclCategories: ['registry', 'heartbeat', 'write', 'fast'],
  keySpecs: [
    { ...workerKey(1, ['RW', 'INSERT', 'UPDATE']), notes: "the key is worker:<worker_id>; in the JSON form, the payload's worker_id" },
    { ...hiveKey(2, ['RW', 'INSERT']), notes: "the key is hive:<hive_id>; in the JSON form, the payload's hive_id" },
  ],
  getKeys: heartbeatKeys,
  arguments: [
    {
      name: 'heartbeat',
      type: 'oneof',
      arguments: [
        {
          name: 'fields',
          type: 'block',
          arguments: [
            { name: 'worker_id', type: 'string' },
            { name: 'hive_id', type: 'string' },
            ...HEARTBEAT_OPTIONS.map((o) => ({
              name: o.option.toLowerCase(),
              type: o.type,
              token: o.option,
              optional: true,
              summary: o.summary,
            })),
          ],
        },
        { name: 'payload', type: 'string', token: 'JSON', summary: "the seed's serde heartbeat as a JSON object" },
      ],
    },
  ],
  reply:
    'Integer: `1` when the beat registered the worker (it was unknown: new, removed, or the registry restarted), ' +
    '`0` when it refreshed a known worker. On `1` an agent should resend its full state.',
  errors: [
    "`ERR invalid STATE 'x': expected Idle, Busy or Loading` (likewise HEALTH, URL, DEVICE, VRAM, RAM, CPU, GPU, TS: the message names the field and value)",
    "`ERR unknown HBEAT option 'x'`, `ERR HBEAT option X needs a value`",
    `\`ERR invalid worker_id 'x…': longer than ${FIELD_MAX_BYTES.worker_id} bytes\` — the bounds, in UTF-8 bytes: worker_id and hive_id ` +
      `${FIELD_MAX_BYTES.worker_id}, URL ${FIELD_MAX_BYTES.url}, MODEL ${FIELD_MAX_BYTES.model_id}, BACKEND ${FIELD_MAX_BYTES.backend}; ` +
      `\`ERR invalid DEVICE 'x': expected an integer from 0 to ${DEVICE_ID_MAX}\``,
    "`ERR invalid HBEAT JSON payload: …`, `ERR invalid HBEAT JSON field 'vram_bytes': expected a number`",
    `\`${OOM}\` when the server is above \`maxmemory\` and the worker is not known (known workers still refresh)`,
  ],
  notes:
    'Options are case-insensitive and may come in any order; omitted fields keep their last value. Liveness comes ' +
    "from the server's receive time only: `TS` is stored as `reported_at` and never used for liveness, so a skewed " +
    'worker clock can neither hide nor fake a worker. The JSON form takes `worker_id`, `hive_id`, `timestamp`, ' +
    '`health_status`, `state`, `url`, `model_id`, `backend`, `device_id`, `vram_bytes`, `ram_bytes`, `cpu_percent`, ' +
    '`gpu_percent`; `null` means not sent, unknown keys are ignored. A heartbeat is applied whole or not at all. ' +
    'Because of the JSON form, a worker cannot be named `JSON`.',
  seed: ['update_hive_state'],
  frameHandler: fastHeartbeat,
  handler(client, argv) {
    const registry = client.server.registry;
    if (argv[1]!.toUpperCase() === 'JSON') {
      if (argv.length !== 3) throw new CommandError('ERR syntax error, HBEAT JSON takes exactly one payload');
      const hb = parseHeartbeatJson(argv[2]!);
      admitNewWorker(client, hb.workerId);
      return registry.heartbeat(hb.workerId, hb.hiveId, hb.fields) ? ONE : ZERO;
    }
    const fields = parseHeartbeatOptions(argv, 3);
    admitNewWorker(client, argv[1]!);
    return registry.heartbeat(argv[1]!, argv[2]!, fields) ? ONE : ZERO;
  },
});
