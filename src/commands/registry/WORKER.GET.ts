// WORKER.GET: one worker's record (get_worker).

import { workerKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { WORKER_SHAPE, workerReply } from '../records.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'WORKER.GET',
  summary: "Returns a worker's record.",
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(1)',
  arity: 2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  keySpecs: [workerKey(1, ['RO', 'ACCESS'])],
  arguments: [{ name: 'worker_id', type: 'string' }],
  replyShape: shape.optional(WORKER_SHAPE),
  reply:
    'Map (RESP2: flat field/value array, like HGETALL): `worker_id`, `hive_id`, `state` (Idle/Busy/Loading; Idle if never ' +
    'sent), `health` (healthy/degraded; healthy if never sent), `url`, `model_id`, `backend`, `device_id`, `vram_bytes`, ' +
    "`vram_total_bytes`, `ram_bytes`, `cpu_percent`, `gpu_percent` (doubles), `reported_at` (the worker's own TS), " +
    "`skew_ms` (reported_at minus the server's receive time), `last_seen_ms` (server receive time, epoch ms), `age_ms`, " +
    '`online` (0/1: offline from the deadline `last_seen_ms + --offline-after` until the next heartbeat), `claim_expires_ms` ' +
    '(when a WORKER.CLAIM reservation ends, server epoch ms; nil when not reserved). Fields never reported are nil. Nil if the worker is unknown.',
  seed: ['get_worker'],
  handler(client, argv) {
    const registry = client.server.registry;
    const w = registry.getWorker(argv[1]!);
    return w === undefined ? null : workerReply(registry, w);
  },
});
