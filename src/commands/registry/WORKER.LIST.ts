// WORKER.LIST: workers, optionally filtered (list_all_workers, find_idle_workers, find_workers_by_model,
// find_workers_by_backend).

import { FIELD_MAX_BYTES } from '../../registry/field-limits.js';
import { parseId, parseState } from '../../registry/heartbeat-input.js';
import { defineCommand, type ArgSpec } from '../spec.js';
import { parseTokens } from '../options.js';
import { WORKER_SHAPE, workerReply } from '../records.js';
import { parseMaxAge } from './max-age.js';
import { PAGING_ARGS, PAGING_ERRORS, pageReply, pagingNotes, parsePaging, tooManyRecords } from './paging.js';
import { shape } from '../reply-shape.js';

const FILTERS: ArgSpec[] = [
  { name: 'hive_id', type: 'string', token: 'HIVE', optional: true, summary: 'only workers on this hive' },
  {
    name: 'state',
    type: 'string',
    token: 'STATE',
    optional: true,
    summary: 'Idle, Busy or Loading (Idle includes workers that never sent STATE)',
  },
  { name: 'model_id', type: 'string', token: 'MODEL', optional: true, summary: 'only workers with this model loaded' },
  { name: 'backend', type: 'string', token: 'BACKEND', optional: true, summary: 'only workers on this backend' },
  { name: 'ms', type: 'integer', token: 'MAXAGE', optional: true, summary: 'only workers with a heartbeat younger than this' },
];

const OPTIONS = [...FILTERS, ...PAGING_ARGS];

export default defineCommand({
  name: 'WORKER.LIST',
  summary: 'Lists worker records, filtered by hive, state, model, backend and heartbeat age.',
  since: '0.1.0',
  group: 'registry',
  complexity:
    'O(N log N), N the workers in the narrowest index the filters allow (model, hive, recent heartbeats, or all); with CURSOR, O(COUNT)',
  arity: -1,
  flags: ['readonly'],
  aclCategories: ['registry', 'read', 'slow'],
  arguments: OPTIONS,
  replyShape: shape.oneOf(shape.array(WORKER_SHAPE), shape.tuple(shape.bulk, shape.array(WORKER_SHAPE))),
  reply:
    'Array of worker records (see WORKER.GET), sorted by worker id. Without MAXAGE, offline workers are included. ' +
    'With CURSOR: an array of the next cursor and a page of worker records.',
  errors: [
    "`ERR syntax error, unknown option 'x'`",
    "`ERR invalid STATE 'x': expected Idle, Busy or Loading`",
    "`ERR invalid max_age_ms 'x': expected a non-negative integer`",
    ...PAGING_ERRORS,
  ],
  notes: pagingNotes('workers') + ' Unpaged, a filter stops the walk once past the cap; without one, the count alone answers.',
  seed: ['list_all_workers', 'find_idle_workers (STATE Idle MAXAGE …)', 'find_workers_by_model', 'find_workers_by_backend'],
  handler(client, argv) {
    const opts = parseTokens(argv, 1, OPTIONS);
    const registry = client.server.registry;
    const state = opts.get('STATE');
    const filter = {
      hiveId: opts.get('HIVE'),
      state: state === undefined ? undefined : parseState(state),
      modelId: opts.has('MODEL') ? parseId(opts.get('MODEL')!, 'MODEL', FIELD_MAX_BYTES.model_id) : undefined,
      backend: opts.get('BACKEND'),
      maxAgeMs: parseMaxAge(opts.get('MAXAGE')),
    };
    const page = parsePaging(client, opts);
    if (page !== null) {
      const { cursor, items } = registry.scanWorkers(page.cursor, page.count, filter);
      return pageReply(
        cursor,
        items.map((w) => workerReply(registry, w)),
      );
    }
    const workers = registry.listWorkersUpTo(filter, client.server.settings.get('reply-max-records'));
    if (workers === null) throw tooManyRecords(client, 'WORKER.LIST', 'workers');
    return workers.map((w) => workerReply(registry, w));
  },
});
