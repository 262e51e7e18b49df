// MULTI / EXEC / DISCARD: transactions. redis-py pipelines are transactions by default, so these must work.
// The registry is single-threaded, so a queued batch runs without interleaving.

import { ErrorReply, OK, ReplySequence, type Reply } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { CommandError } from '../errors.js';
import { aclDenied, call, resolve } from '../dispatch.js';
import type { ClientState, QueuedCommand } from '../context.js';
import { shape } from '../reply-shape.js';

export const MULTI = defineCommand({
  name: 'MULTI',
  summary: 'Starts a transaction.',
  since: '1.2.0',
  group: 'transactions',
  complexity: 'O(1)',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'],
  aclCategories: ['fast', 'transaction'],
  replyShape: shape.simple('OK'),
  reply: 'Simple string `OK`. Later commands reply `QUEUED` until EXEC or DISCARD.',
  errors: ['`ERR MULTI calls can not be nested`'],
  runsInMulti: true,
  handler(client) {
    if (client.multi !== null) throw new CommandError('ERR MULTI calls can not be nested');
    client.multi = [];
    client.multiDirty = false;
    return OK;
  },
});

export const EXEC = defineCommand({
  name: 'EXEC',
  summary: 'Executes all commands in a transaction.',
  since: '1.2.0',
  group: 'transactions',
  complexity: 'Depends on commands in the transaction',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'skip-slowlog'],
  aclCategories: ['slow', 'transaction'],
  replyShape: shape.oneOf(shape.array(shape.any), shape.nil),
  reply: "Array of the queued commands' replies, in order.",
  notes:
    'A queued (P)(UN)SUBSCRIBE puts one element in the array per channel or pattern it confirms, so the array ' +
    'holds every reply it is followed by. (Redis counts such a command once and writes all its confirmations, which ' +
    'leaves the array short and the rest of the stream misread.)',
  errors: [
    '`ERR EXEC without MULTI`',
    '`EXECABORT Transaction discarded because of previous errors.` when a command failed to queue',
    '`EXECABORT Transaction discarded because of: <reason>` when EXEC itself is refused (arity, ACL, NOAUTH), in MULTI or not: as in Redis, the transaction is discarded',
  ],
  runsInMulti: true,
  handler(client) {
    const queued = client.multi;
    if (queued === null) throw new CommandError('ERR EXEC without MULTI');
    const dirty = client.multiDirty;
    client.multi = null;
    client.multiDirty = false;
    if (dirty) throw new CommandError('EXECABORT Transaction discarded because of previous errors.');
    const replies: Reply[] = [];
    client.inTransaction = true;
    try {
      runQueued(client, queued, replies);
    } finally {
      client.inTransaction = false;
    }
    return replies;
  },
});

function runQueued(client: ClientState, queued: QueuedCommand[], replies: Reply[]): void {
  for (const { argv, raw } of queued) {
    const command = resolve(client, argv);
    if (command instanceof ErrorReply) {
      replies.push(command);
      continue;
    }
    // Rights may have changed since the command was queued: check again, as Redis' EXEC does.
    const denied = aclDenied(client, command, argv, 'multi');
    if (denied !== null) {
      replies.push(denied);
      continue;
    }
    const reply = call(client, command, argv, raw);
    // Blocking commands never block inside a transaction (as in Redis); a promise here is a bug.
    if (reply instanceof Promise) replies.push(new ErrorReply('ERR command cannot block inside a transaction'));
    // (P)(UN)SUBSCRIBE answers once per channel: each is counted in EXEC's array. Redis counts the command once
    // and then writes all its replies, so the array's length is short and the stream can no longer be read.
    else if (reply instanceof ReplySequence) replies.push(...reply.replies);
    else replies.push(reply);
  }
}

export const DISCARD = defineCommand({
  name: 'DISCARD',
  summary: 'Discards a transaction.',
  since: '2.0.0',
  group: 'transactions',
  complexity: 'O(N), N the queued commands',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'],
  aclCategories: ['fast', 'transaction'],
  replyShape: shape.simple('OK'),
  reply: 'Simple string `OK`.',
  errors: ['`ERR DISCARD without MULTI`'],
  runsInMulti: true,
  handler(client) {
    if (client.multi === null) throw new CommandError('ERR DISCARD without MULTI');
    client.multi = null;
    client.multiDirty = false;
    return OK;
  },
});
