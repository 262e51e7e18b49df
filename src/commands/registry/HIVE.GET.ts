// HIVE.GET: one hive's state (get_hive_state).

import { hiveKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { HIVE_SHAPE, hiveReply } from '../records.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'HIVE.GET',
  summary: "Returns a hive's state: liveness, resource sums and its workers.",
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(W log W), W the workers on the hive',
  arity: 2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  keySpecs: [hiveKey(1, ['RO', 'ACCESS'])],
  arguments: [{ name: 'hive_id', type: 'string' }],
  replyShape: shape.optional(HIVE_SHAPE),
  reply:
    'Map (RESP2: flat field/value array): `hive_id`, `last_heartbeat_ms` (newest heartbeat of its workers, server ' +
    'epoch ms), `online` (0/1), `worker_count`, `vram_used_bytes`, `ram_used_bytes`, `vram_used_gb`, `ram_used_gb` ' +
    '(doubles, bytes / 1e9; bulk strings in RESP2), `vram_total_bytes`, `vram_free_bytes` (per GPU, see notes), ' +
    '`online_worker_count`, `online_vram_used_bytes`, `online_ram_used_bytes`, `online_vram_total_bytes`, ' +
    '`online_vram_free_bytes` (online workers only), `workers` (array of worker ids, sorted). Nil if the hive is unknown.',
  notes:
    "VRAM capacity is counted per GPU: a GPU is a hive's `device_id` (a worker that never sent DEVICE counts as a GPU of its own). " +
    'Its total is the largest VRAM_TOTAL its workers report (workers on one GPU normally agree; when they do not, the largest figure does not ' +
    'understate the hardware) and its free VRAM is that total minus the VRAM every worker on it uses, at least 0. `vram_total_bytes` and ' +
    '`vram_free_bytes` sum the GPUs whose total is known (nil when none is); the `online_` variants count online workers only. WORKER.BEST ' +
    'and WORKER.CLAIM MINFREE test the same per-GPU free figure (over all workers of the hive, online or not: an offline worker may still hold its VRAM).',
  seed: ['get_hive_state'],
  handler(client, argv) {
    const registry = client.server.registry;
    const hive = registry.getHive(argv[1]!);
    return hive === undefined ? null : hiveReply(registry, hive);
  },
});
