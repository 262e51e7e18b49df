// WORKER.CLAIM / WORKER.RELEASE: pick and reserve a worker in one step, so two orchestrators (or two requests)
// never get the same idle GPU between a WORKER.BEST and the worker's next heartbeat.

import { ONE, ZERO } from '../../resp/reply.js';
import { parseUint } from '../../registry/heartbeat-input.js';
import { workerKey } from '../keys.js';
import { defineCommand, type ArgSpec } from '../spec.js';
import { CommandError } from '../errors.js';
import { WORKER_FIELDS, workerReply } from '../records.js';
import { shape } from '../reply-shape.js';
import { parseSelection, SELECTION_NOTES, SELECTION_OPTIONS } from './selection.js';

const LEASE: ArgSpec = {
  name: 'ms',
  type: 'integer',
  token: 'LEASE',
  optional: true,
  summary: 'how long the reservation lasts (default: --offline-after)',
};

export const WORKER_CLAIM = defineCommand({
  name: 'WORKER.CLAIM',
  summary: 'Picks the worker WORKER.BEST would pick and reserves it for a lease, atomically.',
  since: '0.3.0',
  group: 'registry',
  complexity: 'O(log C) on top of WORKER.BEST, C the workers reserved',
  arity: -2,
  flags: ['write', 'fast'],
  aclCategories: ['registry', 'write', 'fast'],
  arguments: [{ name: 'model_id', type: 'string' }, ...SELECTION_OPTIONS, LEASE],
  replyShape: shape.optional(shape.map({ ...WORKER_FIELDS, match: shape.bulk, claim_token: shape.bulk })),
  reply:
    "The reserved worker's record (see WORKER.GET) with `match` (as WORKER.BEST), `claim_token` (give it to " +
    'WORKER.RELEASE) and `claim_expires_ms` (server epoch ms). Nil when no worker qualifies.',
  errors: [
    "`ERR invalid LEASE 'x': expected a positive integer (ms)`",
    "`ERR invalid MINFREE 'x': expected a non-negative integer (bytes)`",
    "`ERR syntax error, unknown option 'x'`",
  ],
  notes:
    'A reserved worker is returned by neither WORKER.BEST nor WORKER.CLAIM until the first of: the lease ends; ' +
    'WORKER.RELEASE with its token; a heartbeat of the worker that carries STATE (Busy: it took the work; Idle or ' +
    'Loading: it says so itself, which is newer than the claim). Heartbeats without STATE leave it reserved, so a ' +
    "worker should send STATE when it changes (as the client's HeartbeatAgent does). Events: `worker.claimed` " +
    '(`model_id` asked for, `match`, `claim_expires_ms`) and `worker.released` (`reason`: `released`, `expired` or ' +
    '`heartbeat` with the `state` reported). Claims are not kept in snapshots. ' +
    SELECTION_NOTES,
  handler(client, argv) {
    const { query, opts } = parseSelection(argv, 2, [LEASE]);
    const lease = opts.get('LEASE');
    let leaseMs: number | undefined;
    if (lease !== undefined) {
      leaseMs = parseUint(lease, 'LEASE', 'a positive integer (ms)');
      if (leaseMs === 0) throw new CommandError("ERR invalid LEASE '0': expected a positive integer (ms)");
    }
    const registry = client.server.registry;
    const claimed = registry.scheduling.claim(argv[1]!, { ...query, leaseMs });
    if (claimed === undefined) return null;
    const reply = workerReply(registry, claimed.worker);
    reply.entries.push(['match', claimed.match], ['claim_token', claimed.claim.token]);
    return reply;
  },
});

export const WORKER_RELEASE = defineCommand({
  name: 'WORKER.RELEASE',
  summary: 'Ends a WORKER.CLAIM reservation early, given its token.',
  since: '0.3.0',
  group: 'registry',
  complexity: 'O(1)',
  arity: 3,
  flags: ['write', 'fast'],
  aclCategories: ['registry', 'write', 'fast'],
  keySpecs: [workerKey(1, ['RW', 'UPDATE'])],
  arguments: [
    { name: 'worker_id', type: 'string' },
    { name: 'token', type: 'string' },
  ],
  replyShape: shape.integer(0, 1),
  reply:
    "Integer: `1` when the token held the worker's reservation and it is released, `0` otherwise (unknown worker, no reservation, another token, or the lease already ended).",
  handler(client, argv) {
    return client.server.registry.scheduling.release(argv[1]!, argv[2]!) ? ONE : ZERO;
  },
});
