// The paged form of the list commands (WORKER.LIST, HIVE.LIST): `CURSOR c [COUNT n]`, with SCAN's contract, and
// the cap on their unpaged form. One mechanism: the registry walks its slot index (as SCAN does), and every list
// command parses, documents and answers its pages here.

import type { Reply } from '../../resp/reply.js';
import type { ClientState } from '../context.js';
import { CommandError, integerArg } from '../errors.js';
import { parseCursor } from '../keyspace/scan.js';
import type { ArgSpec } from '../spec.js';

export const DEFAULT_PAGE = 100;

export const PAGING_ARGS: ArgSpec[] = [
  {
    name: 'cursor',
    type: 'integer',
    token: 'CURSOR',
    optional: true,
    summary: 'page through the list: 0 starts, the reply gives the next cursor, 0 when done',
  },
  {
    name: 'count',
    type: 'integer',
    token: 'COUNT',
    optional: true,
    summary: `with CURSOR: about this many records per page (default ${DEFAULT_PAGE}, at most \`reply-max-records\`)`,
  },
];

export interface Page {
  cursor: number;
  count: number;
}

/** The CURSOR/COUNT options from parsed tokens, or null for the unpaged form. */
export function parsePaging(client: ClientState, opts: ReadonlyMap<string, string>): Page | null {
  const cursor = opts.get('CURSOR');
  const count = opts.get('COUNT');
  if (cursor === undefined) {
    if (count !== undefined) throw new CommandError('ERR syntax error, COUNT needs CURSOR');
    return null;
  }
  const max = client.server.settings.get('reply-max-records');
  return {
    cursor: parseCursor(cursor),
    count: count === undefined ? Math.min(DEFAULT_PAGE, max) : integerArg(count, 'COUNT', { min: 1, max }),
  };
}

/** A page as SCAN answers: the next cursor (a bulk string, "0" when the walk is complete) and the items. */
export function pageReply(next: number, items: Reply[]): Reply {
  return [String(next), items];
}

/** The unpaged form would return more than `reply-max-records`: the error names the paged form. */
export function tooManyRecords(client: ClientState, command: string, what: string): CommandError {
  const max = client.server.settings.get('reply-max-records');
  return new CommandError(
    `ERR ${command} would return more than ${max} ${what} (reply-max-records): page through them with ${command} … CURSOR 0 [COUNT n]`,
  );
}

/** Docs shared by every paged list command. */
export function pagingNotes(what: string): string {
  return (
    `With CURSOR, the reply is a page, as SCAN's: an array of the next cursor (a bulk string, "0" when the walk is ` +
    `complete) and up to COUNT ${what}, in no particular order; each call looks at no more than 10 × COUNT slots, so ` +
    `a page may hold fewer, even none, before the walk ends. Every one present for the whole walk is returned ` +
    `exactly once; one added or removed during the walk may or may not be; each page is as of its own call. ` +
    `Without CURSOR, more than \`reply-max-records\` (default 5000) ${what} is an error naming the paged form.`
  );
}

export const PAGING_ERRORS = [
  '`ERR <command> would return more than N … (reply-max-records): page through them with <command> … CURSOR 0 [COUNT n]`',
  "`ERR invalid cursor`, `ERR invalid COUNT 'x': expected an integer from 1 to N` (N: `reply-max-records`), `ERR syntax error, COUNT needs CURSOR`",
];
