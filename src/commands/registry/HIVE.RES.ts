// HIVE.RES: a hive's resource use, summed from its workers' reports (get_available_resources).

import { MapReply } from '../../resp/reply.js';
import { hiveKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { shape } from '../reply-shape.js';
import { hiveResourcesEntries } from '../records.js';

export default defineCommand({
  name: 'HIVE.RES',
  summary: "Returns a hive's resource use: worker count and the sums of its workers' VRAM and RAM.",
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(W), W the workers on the hive (used sums are kept by every heartbeat; capacity is counted per GPU at read time)',
  arity: 2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  keySpecs: [hiveKey(1, ['RO', 'ACCESS'])],
  arguments: [{ name: 'hive_id', type: 'string' }],
  replyShape: shape.oneOf(
    shape.map({
      hive_id: shape.bulk,
      worker_count: shape.integer(),
      vram_used_bytes: shape.integer(),
      ram_used_bytes: shape.integer(),
      vram_used_gb: shape.double,
      ram_used_gb: shape.double,
      vram_total_bytes: shape.oneOf(shape.integer(), shape.nil),
      vram_free_bytes: shape.oneOf(shape.integer(), shape.nil),
      online_worker_count: shape.integer(),
      online_vram_used_bytes: shape.integer(),
      online_ram_used_bytes: shape.integer(),
      online_vram_total_bytes: shape.oneOf(shape.integer(), shape.nil),
      online_vram_free_bytes: shape.oneOf(shape.integer(), shape.nil),
    }),
    shape.nil,
  ),
  reply:
    'Map (RESP2: flat array): `hive_id`, `worker_count`, `vram_used_bytes`, `ram_used_bytes`, `vram_used_gb`, ' +
    '`ram_used_gb` (doubles, bytes / 1e9), `vram_total_bytes`, `vram_free_bytes` over all its workers, then ' +
    '`online_worker_count`, `online_vram_used_bytes`, `online_ram_used_bytes`, `online_vram_total_bytes`, ' +
    '`online_vram_free_bytes` over its online workers only. Nil if the hive is unknown.',
  notes:
    "The seed assumed 4 GB VRAM and 2 GB RAM per worker; these are the sums of the workers' reported bytes. " +
    "VRAM capacity is counted per GPU: a GPU is a hive's `device_id` (a worker that never sent DEVICE counts as a GPU of its own). " +
    'Its total is the largest VRAM_TOTAL its workers report (workers on one GPU normally agree; when they do not, the largest figure does not ' +
    'understate the hardware) and its free VRAM is that total minus the VRAM every worker on it uses, at least 0. `vram_total_bytes` and ' +
    '`vram_free_bytes` sum the GPUs whose total is known (nil when none is); the `online_` variants count online workers only. WORKER.BEST ' +
    'and WORKER.CLAIM MINFREE test the same per-GPU free figure (over all workers of the hive, online or not: an offline worker may still hold its VRAM).',
  seed: ['get_available_resources'],
  handler(client, argv) {
    const hive = client.server.registry.getHive(argv[1]!);
    if (hive === undefined) return null;
    return new MapReply([['hive_id', hive.hiveId], ...hiveResourcesEntries(client.server.registry, hive)]);
  },
});
