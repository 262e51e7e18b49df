// HIVE.RES: a hive's resource use, summed from its workers' reports (get_available_resources).

import { MapReply } from '../../resp/reply.js';
import { hiveKey, workerKey } from '../keys.js';
import { defineCommand } from '../spec.js';
import { hiveResourcesEntries } from '../records.js';

export default defineCommand({
  name: 'HIVE.RES',
  summary: "Returns a hive's resource use: worker count and the sums of its workers' VRAM and RAM.",
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(1): sums are kept up to date by every heartbeat',
  arity: 2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  keySpecs: [hiveKey(1, ['RO', 'ACCESS'])],
  arguments: [{ name: 'hive_id', type: 'string' }],
  reply:
    'Map (RESP2: flat array): `hive_id`, `worker_count`, `vram_used_bytes`, `ram_used_bytes`, `vram_used_gb`, ' +
    '`ram_used_gb` (doubles, bytes / 1e9) over all its workers, then `online_worker_count`, `online_vram_used_bytes`, ' +
    '`online_ram_used_bytes` over its online workers only. Nil if the hive is unknown.',
  notes: "The seed assumed 4 GB VRAM and 2 GB RAM per worker; these are the sums of the workers' reported bytes.",
  seed: ['get_available_resources'],
  handler(client, argv) {
    const hive = client.server.registry.getHive(argv[1]!);
    if (hive === undefined) return null;
    return new MapReply([['hive_id', hive.hiveId], ...hiveResourcesEntries(hive)]);
  },
});
