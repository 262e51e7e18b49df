// WORKER.BEST: where to route a request for a model (find_best_worker_for_model).

import { defineCommand } from '../spec.js';
import { WORKER_FIELDS, workerReply } from '../records.js';
import { FIELD_MAX_BYTES } from '../../registry/field-limits.js';
import { parseId } from '../../registry/heartbeat-input.js';
import { parseSelection, SELECTION_NOTES, SELECTION_OPTIONS } from './selection.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'WORKER.BEST',
  summary: 'Picks the best online idle worker for a model, saying whether it has the model or is a fallback.',
  since: '0.1.0',
  group: 'registry',
  complexity:
    'O(B log K): online idle workers are indexed per model in buckets by health and whole GPU percent (B ≤ 202), ' +
    'each a search tree in WORKER.BEST order that knows the most free VRAM under every node; the query stops at the ' +
    'first bucket with a candidate, and finds the best one with enough free VRAM (MINFREE) in one descent of O(log K), ' +
    'K the workers of the bucket. Each node also knows the backends under it (a bit per backend in use, 23 of ' +
    'their own, more share one), so BACKEND is one descent too; with MINFREE as well it skips subtrees lacking ' +
    'either, and walks only where the backend and the free VRAM sit on different workers. The any-model fallback ' +
    'reads the same buckets of every model.',
  arity: -2,
  flags: ['readonly', 'fast'],
  aclCategories: ['registry', 'read', 'fast'],
  arguments: [{ name: 'model_id', type: 'string' }, ...SELECTION_OPTIONS],
  replyShape: shape.optional(shape.map({ ...WORKER_FIELDS, match: shape.bulk })),
  reply:
    'The chosen worker record (see WORKER.GET) followed by `match`: `model` (it has the model loaded) or `fallback` ' +
    '(an idle worker with a URL and another model, or none). Nil when no worker qualifies.',
  errors: [
    "`ERR invalid model_id '': expected a non-empty string`",
    "`ERR invalid model_id ' ': expected a string that is not only whitespace`",
    "`ERR invalid MINFREE 'x': expected a non-negative integer (bytes)`",
    "`ERR syntax error, unknown option 'x'`",
  ],
  notes: SELECTION_NOTES,
  seed: ['find_best_worker_for_model'],
  handler(client, argv) {
    // An empty or blank model id names no model: an error, not a silent fallback to any worker.
    parseId(argv[1]!, 'model_id', FIELD_MAX_BYTES.model_id);
    const { query } = parseSelection(argv, 2);
    const registry = client.server.registry;
    const best = registry.scheduling.best(argv[1]!, query);
    if (best === undefined) return null;
    const reply = workerReply(registry, best.worker);
    reply.entries.push(['match', best.match]);
    return reply;
  },
});
