// WORKER.BEST: where to route a request for a model (find_best_worker_for_model).

import { defineCommand, type ArgSpec } from '../spec.js';
import { parseTokens } from '../options.js';
import { workerReply } from '../records.js';

const OPTIONS: ArgSpec[] = [{ name: 'backend', type: 'string', token: 'BACKEND', optional: true, summary: 'only workers on this backend' }];

export default defineCommand({
  name: 'WORKER.BEST',
  summary: 'Picks the best online idle worker for a model.',
  since: '0.1.0',
  group: 'registry',
  complexity: 'O(M), M the workers with the model loaded (O(N) online workers when none has it)',
  arity: -2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  arguments: [{ name: 'model_id', type: 'string' }, ...OPTIONS],
  reply: 'The chosen worker record (see WORKER.GET), or nil when no online idle worker exists.',
  notes:
    'Candidates are online (heartbeat younger than --offline-after) and Idle (a worker that never sent STATE counts as ' +
    'Idle). Among those with the model loaded: healthy before degraded (never sent counts as healthy), then lowest ' +
    '`gpu_percent` (never sent counts as 100), then worker id. If none has the model, any online idle worker in the ' +
    'same order, so the caller can load the model there.',
  seed: ['find_best_worker_for_model'],
  handler(client, argv) {
    const opts = parseTokens(argv, 2, OPTIONS);
    const registry = client.server.registry;
    const w = registry.bestWorker(argv[1]!, opts.get('BACKEND'));
    return w === undefined ? null : workerReply(registry, w);
  },
});
