// The worker-selection options WORKER.BEST and WORKER.CLAIM share, parsed from their one argument spec.

import type { ArgSpec } from '../spec.js';
import { parseTokens } from '../options.js';
import { parseUint } from '../../registry/heartbeat-input.js';
import type { BestWorkerQuery } from '../../registry/registry.js';

export const SELECTION_OPTIONS: ArgSpec[] = [
  { name: 'backend', type: 'string', token: 'BACKEND', optional: true, summary: 'only workers on this backend' },
  {
    name: 'bytes',
    type: 'integer',
    token: 'MINFREE',
    optional: true,
    summary:
      "only workers whose GPU has at least this much free VRAM (the GPU's vram_total minus what all its workers use, as HIVE.RES counts it); GPUs without a reported VRAM_TOTAL are skipped",
  },
  { name: 'strict', type: 'pure-token', token: 'STRICT', optional: true, summary: 'only workers with the model loaded: no fallback' },
];

export const SELECTION_NOTES =
  'Candidates are online (heartbeat younger than --offline-after), Idle (a worker that never sent STATE counts as ' +
  'Idle) and not reserved by WORKER.CLAIM. Among those with the model loaded: healthy before degraded (never sent ' +
  'counts as healthy), then lowest `gpu_percent` (never sent counts as 100), then worker id; the reply says ' +
  '`match` `model`. If none has the model and STRICT is not given, the best online idle worker of any model that has ' +
  'a URL, in the same order, so the caller can load the model there: `match` `fallback`.';

/** The query of `argv[from…]`; `extra` are the command's own options (parsed with the shared ones). */
export function parseSelection(
  argv: readonly string[],
  from: number,
  extra: readonly ArgSpec[] = [],
): { query: BestWorkerQuery; opts: Map<string, string> } {
  const opts = parseTokens(argv, from, [...SELECTION_OPTIONS, ...extra]);
  const minFree = opts.get('MINFREE');
  return {
    opts,
    query: {
      backend: opts.get('BACKEND'),
      minFreeVramBytes: minFree === undefined ? undefined : parseUint(minFree, 'MINFREE', 'a non-negative integer (bytes)'),
      strict: opts.has('STRICT'),
    },
  };
}
