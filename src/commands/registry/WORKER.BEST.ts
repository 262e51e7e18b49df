// WORKER.BEST: where to route a request for a model (find_best_worker_for_model).

import { defineCommand, type ArgSpec } from '../spec.js';
import { parseTokens } from '../options.js';
import { workerReply } from '../records.js';
import { FIELD_MAX_BYTES } from '../../registry/field-limits.js';
import { parseId, parseUint } from '../../registry/heartbeat-input.js';

const OPTIONS: ArgSpec[] = [
  { name: 'backend', type: 'string', token: 'BACKEND', optional: true, summary: 'only workers on this backend' },
  { name: 'bytes', type: 'integer', token: 'MINFREE', optional: true, summary: 'only workers with at least this much free VRAM (vram_total - vram_used); workers that never sent VRAM_TOTAL are skipped' },
];

export default defineCommand({
  name: 'WORKER.BEST',
  summary: 'Picks the best online idle worker for a model.',
  since: '0.1.0',
  group: 'registry',
  complexity:
    'O(B + K): online idle workers are indexed per model in buckets by health and whole GPU percent (B ≤ 202); ' +
    'the query stops at the first bucket with a candidate and looks at its K workers only. With BACKEND/MINFREE, ' +
    'buckets whose workers all fail the filter are also read. The any-model fallback reads the same buckets of every model.',
  arity: -2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  arguments: [{ name: 'model_id', type: 'string' }, ...OPTIONS],
  reply: 'The chosen worker record (see WORKER.GET), or nil when no online idle worker qualifies.',
  errors: [
    "`ERR invalid model_id '': expected a non-empty string`",
    "`ERR invalid model_id ' ': expected a string that is not only whitespace`",
    "`ERR invalid MINFREE 'x': expected a non-negative integer (bytes)`", "`ERR syntax error, unknown option 'x'`"],
  notes:
    'Candidates are online (heartbeat younger than --offline-after) and Idle (a worker that never sent STATE counts as ' +
    'Idle). Among those with the model loaded: healthy before degraded (never sent counts as healthy), then lowest ' +
    '`gpu_percent` (never sent counts as 100), then worker id. If none has the model, any online idle worker in the ' +
    'same order, so the caller can load the model there.',
  seed: ['find_best_worker_for_model'],
  handler(client, argv) {
    // An empty or blank model id names no model: an error, not a silent fallback to any worker.
    parseId(argv[1]!, 'model_id', FIELD_MAX_BYTES.model_id);
    const opts = parseTokens(argv, 2, OPTIONS);
    const registry = client.server.registry;
    const minFree = opts.get('MINFREE');
    const w = registry.bestWorker(argv[1]!, {
      backend: opts.get('BACKEND'),
      minFreeVramBytes: minFree === undefined ? undefined : parseUint(minFree, 'MINFREE', 'a non-negative integer (bytes)'),
    });
    return w === undefined ? null : workerReply(registry, w);
  },
});
