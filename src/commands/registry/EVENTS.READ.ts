// EVENTS.READ: the resumable event feed (pub/sub is fire-and-forget; this is not). Like etcd's watch: read
// from the revision you last saw; if the log no longer holds it, COMPACTED tells you to resync.

import { ErrorReply, type Reply } from '../../resp/reply.js';
import { CompactedError } from '../../registry/events.js';
import { defineCommand, type ArgSpec } from '../spec.js';
import { CommandError, integerArg } from '../errors.js';
import { parseTokens } from '../options.js';
import { shape } from '../reply-shape.js';

const DEFAULT_COUNT = 1000;
// A wait longer than Node's timer limit (2^31 − 1 ms, 24.8 days) would fire at once; no client needs one.
const BLOCK_RANGE = { min: 0, max: 2 ** 31 - 1 };

const OPTIONS: ArgSpec[] = [
  {
    name: 'rev',
    type: 'integer',
    token: 'SINCE',
    summary: 'return events with a revision above this (0: from the first event; COMPACTED if the log no longer holds it)',
  },
  { name: 'count', type: 'integer', token: 'COUNT', optional: true, summary: `at most this many events (default ${DEFAULT_COUNT})` },
  {
    name: 'ms',
    type: 'integer',
    token: 'BLOCK',
    optional: true,
    summary: `when there is none yet, wait up to this many ms for the first new event (0: forever; at most ${BLOCK_RANGE.max})`,
  },
];

export default defineCommand({
  name: 'EVENTS.READ',
  summary: 'Reads registry events after a revision, oldest first, optionally waiting for new ones.',
  since: '0.2.0',
  group: 'registry',
  complexity: 'O(N), N the events returned',
  arity: -3,
  flags: ['readonly', 'blocking'],
  aclCategories: ['registry', 'read', 'blocking'],
  arguments: OPTIONS,
  replyShape: shape.array(shape.bulk),
  reply:
    'Array of events as JSON strings, oldest first: each has `type`, `rev`, `at_ms` and, where they apply, `worker_id` ' +
    'and `hive_id` (see "Events" below). Empty when BLOCK times out. Inside MULTI, BLOCK does not wait.',
  errors: [
    '`COMPACTED revisions up to R are gone; the oldest revision kept is N: resync with a full read` when `rev` is older than the log holds',
    '`COMPACTED revision R is ahead of the newest revision N (the registry restarted without its snapshot); …` when `rev` was never given out',
    "`ERR invalid SINCE 'x': expected a non-negative integer`",
    "`ERR invalid COUNT 'x': expected a positive integer`",
    `\`ERR invalid BLOCK 'x': expected an integer from 0 to ${BLOCK_RANGE.max}\``,
    '`ERR syntax error, SINCE is required`',
  ],
  notes:
    'The log keeps the last `--event-log` events (default 100000), and no more than `event-log-max-bytes` of them ' +
    '(default 64mb; large fields such as long URLs make fewer fit). A client that falls behind gets COMPACTED: it ' +
    'reads the full state (WORKER.LIST, HIVE.LIST) together with EVENTS.REV in one MULTI, then reads on from that revision.',
  handler(client, argv): Reply | Promise<Reply> {
    const opts = parseTokens(argv, 1, OPTIONS);
    if (!opts.has('SINCE')) throw new CommandError('ERR syntax error, SINCE is required');
    const since = integerArg(opts.get('SINCE')!, 'SINCE', { min: 0, max: Number.MAX_SAFE_INTEGER });
    const count = opts.has('COUNT') ? integerArg(opts.get('COUNT')!, 'COUNT', { min: 1, max: Number.MAX_SAFE_INTEGER }) : DEFAULT_COUNT;
    const block = opts.has('BLOCK') ? integerArg(opts.get('BLOCK')!, 'BLOCK', BLOCK_RANGE) : null;
    const log = client.server.registry.events;
    // Catch up on transitions that are due, so a reader never misses what has already happened.
    client.server.registry.sync();
    const read = (): Reply => {
      try {
        return log.since(since, count).map((e) => e.json);
      } catch (e) {
        if (e instanceof CompactedError) return new ErrorReply(e.message);
        throw e;
      }
    };
    const first = read();
    if (block === null || client.inTransaction || !(Array.isArray(first) && first.length === 0)) return first;
    return new Promise<Reply>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | null = null;
      const done = (reply: Reply) => {
        forget();
        resolve(reply);
      };
      const cancel = log.onNextAppend(() => {
        if (timer !== null) clearTimeout(timer);
        // Let the rest of the transition batch land first, so one read returns the batch.
        queueMicrotask(() => done(read()));
      });
      if (block > 0) {
        timer = setTimeout(() => {
          cancel();
          done([]);
        }, block);
      }
      const forget = client.onClose(() => {
        cancel();
        if (timer !== null) clearTimeout(timer);
      });
    });
  },
});
