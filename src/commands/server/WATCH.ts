// WATCH / UNWATCH: accepted so that client libraries' optimistic-transaction helpers work. The registry has
// no keys for a client to modify, so nothing a client watches can change and EXEC never aborts because of it.

import { OK } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { CommandError } from '../errors.js';
import { shape } from '../reply-shape.js';

export const WATCH = defineCommand({
  name: 'WATCH',
  summary: 'Monitors changes to keys to determine the execution of a transaction (no registry key ever changes).',
  since: '2.2.0',
  group: 'transactions',
  complexity: 'O(1) for every key.',
  arity: -2,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'],
  aclCategories: ['fast', 'transaction'],
  keySpecs: [{ prefix: '', begin: { index: 1 }, lastKey: -1, flags: ['RO'] }],
  arguments: [{ name: 'key', type: 'key', multiple: true }],
  replyShape: shape.simple('OK'),
  reply: 'Simple string `OK`.',
  errors: ['`ERR WATCH inside MULTI is not allowed`'],
  runsInMulti: true,
  handler(client) {
    if (client.multi !== null) throw new CommandError('ERR WATCH inside MULTI is not allowed');
    return OK;
  },
});

export const UNWATCH = defineCommand({
  name: 'UNWATCH',
  summary: 'Forgets about all watched keys of a transaction.',
  since: '2.2.0',
  group: 'transactions',
  complexity: 'O(1)',
  arity: 1,
  flags: ['noscript', 'loading', 'stale', 'fast', 'allow-busy'],
  aclCategories: ['fast', 'transaction'],
  replyShape: shape.simple('OK'),
  reply: 'Simple string `OK`.',
  handler: () => OK,
});
