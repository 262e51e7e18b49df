// HBEAT: a worker's heartbeat, from option pairs or from the seed's JSON payload (update_hive_state).

import { ONE, type Reply, ZERO } from '../../resp/reply.js';
import type { RequestFrame } from '../../resp/decoder.js';
import { asciiUpper } from '../../settings/values.js';
import { ArgvFrame } from '../argv-frame.js';
import type { ClientState } from '../context.js';
import { defineCommand, type ArgReader, type KeyFlag, type KeyRef } from '../spec.js';
import { hiveKey, workerKey } from '../keys.js';
import { CommandError } from '../errors.js';
import { shape } from '../reply-shape.js';
import { DEVICE_ID_MAX, FIELD_MAX_BYTES } from '../../registry/field-limits.js';
import { HEARTBEAT_OPTIONS, parseHeartbeatJson, parseHeartbeatOptions } from './heartbeat-options.js';

const JSON_TOKEN = new Uint8Array(Buffer.from('JSON', 'latin1'));

/** HBEAT from a request, read from its bytes (the hot path) or from strings (queued in MULTI): one parser. */
function heartbeat(client: ClientState, f: RequestFrame): Reply {
  const registry = client.server.registry;
  if (f.argIsToken(1, JSON_TOKEN)) {
    if (f.frameLength !== 3) throw new CommandError('ERR syntax error, HBEAT JSON takes exactly one payload');
    const hb = parseHeartbeatJson(f.argString(2));
    admitNewWorker(client, hb.workerId);
    return registry.heartbeat(hb.workerId, hb.hiveId, hb.fields) ? ONE : ZERO;
  }
  const fields = parseHeartbeatOptions(f, 3);
  const workerId = f.argString(1);
  admitNewWorker(client, workerId);
  return registry.heartbeat(workerId, f.argString(2), fields) ? ONE : ZERO;
}

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

const WORKER_KEY: KeyFlag[] = ['RW', 'INSERT', 'UPDATE'];
const HIVE_KEY: KeyFlag[] = ['RW', 'INSERT'];

/** worker:<id> and hive:<id>; the JSON form's ids are read the way the handler reads them (none if it is bad). */
function heartbeatKeys(argc: number, arg: ArgReader): KeyRef[] {
  if (argc < 3) return [];
  let workerId = arg(1);
  let hiveId = arg(2);
  // ASCII folding, as the parser does: 'jſon' is a worker id, not the JSON form.
  if (asciiUpper(workerId) === 'JSON') {
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
            {
              name: 'field',
              type: 'string',
              token: 'UNSET',
              optional: true,
              multiple: true,
              summary: 'clears these fields (option names: MODEL, URL, VRAM, …) back to never reported; last, runs to the end',
            },
          ],
        },
        { name: 'payload', type: 'string', token: 'JSON', summary: "the seed's serde heartbeat as a JSON object" },
      ],
    },
  ],
  replyShape: shape.integer(0, 1),
  reply:
    'Integer: `1` when the beat registered the worker (it was unknown: new, removed, or the registry restarted), ' +
    '`0` when it refreshed a known worker. On `1` an agent should resend its full state.',
  errors: [
    "`ERR invalid STATE 'x': expected Idle, Busy or Loading` (likewise HEALTH, URL, DEVICE, VRAM, RAM, CPU, GPU, TS: the message names the field and value)",
    "`ERR unknown HBEAT option 'x'`, `ERR HBEAT option X needs a value`",
    "`ERR HBEAT UNSET needs at least one field`, `ERR unknown HBEAT field 'x' in UNSET`, `ERR HBEAT both sets and clears MODEL` (a field named twice in one heartbeat)",
    "`ERR invalid HBEAT JSON payload: unknown field 'x'`",
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
    '`gpu_percent`, `vram_total_bytes`. ' +
    'Clearing: `UNSET` followed by option names (any of them, e.g. `HBEAT w h GPU 0 UNSET MODEL URL`) sets those fields ' +
    "back to never reported (nil; STATE and HEALTH then read Idle and healthy, and the worker leaves its model's index); " +
    'it comes after the options and runs to the end. In the JSON form `null` clears a field and an absent key leaves it ' +
    'as it is; an unknown key is refused. An empty string is never a value (`MODEL ""` is refused): UNSET is the one way ' +
    'to clear. A heartbeat is applied whole or not at all. ' +
    'Because of the JSON form, a worker cannot be named `JSON`.',
  seed: ['update_hive_state'],
  // With fewer than three arguments the usual path answers, with the arity error.
  keysUnless: { index: 1, token: 'JSON' },
  frameHandler: (client, frame) => (frame.frameLength < 3 ? undefined : heartbeat(client, frame)),
  handler: (client, argv) => heartbeat(client, new ArgvFrame(argv)),
});
