// SAVE, BGSAVE and LASTSAVE: Redis' save commands over the snapshot file. Both saves are sliced (clients are
// served meanwhile); SAVE replies when the file is written, BGSAVE at once.

import { OK, SimpleString, type Reply } from '../../resp/reply.js';
import type { ClientState } from '../context.js';
import { defineCommand } from '../spec.js';
import { CommandError, syntaxError } from '../errors.js';
import { asciiUpper } from '../../settings/values.js';
import { shape } from '../reply-shape.js';

const NO_FILE = 'ERR no snapshot file is configured (start the server with --snapshot FILE)';
const IN_PROGRESS = 'Background save already in progress';

function needFile(client: ClientState): void {
  if (client.server.persistence.file === null) throw new CommandError(NO_FILE);
}

export const SAVE = defineCommand({
  name: 'SAVE',
  summary: 'Writes the registry to the snapshot file, atomically, and replies when it is on disk.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(N) where N is the number of workers',
  arity: 1,
  flags: ['admin', 'noscript', 'no-async-loading', 'no-multi'],
  aclCategories: ['admin', 'slow', 'dangerous'],
  replyShape: shape.simple('OK'),
  reply: 'Simple string `OK` once the file is written (temp file, fsync, rename).',
  errors: [
    `\`${NO_FILE}\``,
    `\`ERR ${IN_PROGRESS}\` while a BGSAVE or periodic save runs (as Redis)`,
    '`ERR snapshot failed: <reason>` (the old file is left as it was)',
  ],
  notes:
    'The file holds the registry as of the moment SAVE started; other clients are served while it is written. ' +
    'A SAVE while another SAVE is under way waits for it and then writes again.',
  async handler(client): Promise<Reply> {
    needFile(client);
    try {
      await client.server.persistence.save();
    } catch (e) {
      const message = (e as Error).message;
      throw new CommandError(message === IN_PROGRESS ? `ERR ${IN_PROGRESS}` : `ERR snapshot failed: ${message}`);
    }
    return OK;
  },
});

export const BGSAVE = defineCommand({
  name: 'BGSAVE',
  summary: 'Starts writing the snapshot file and replies at once.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(1) to start; the save is O(N) where N is the number of workers',
  arity: -1,
  flags: ['admin', 'noscript', 'no-async-loading'],
  aclCategories: ['admin', 'slow', 'dangerous'],
  arguments: [{ name: 'schedule', type: 'pure-token', token: 'SCHEDULE', optional: true }],
  replyShape: shape.simple(),
  reply:
    'Simple string `Background saving started`; with SCHEDULE while a SAVE runs, `Background saving scheduled` ' +
    '(it starts when that one ends). INFO persistence follows it: `rdb_bgsave_in_progress`, `rdb_last_bgsave_status`, ' +
    '`rdb_last_save_time`, `rdb_changes_since_last_save`.',
  errors: [`\`${NO_FILE}\``, `\`ERR ${IN_PROGRESS}\` (one at a time, as Redis)`],
  handler(client, argv): Reply {
    if (argv.length > 2 || (argv.length === 2 && asciiUpper(argv[1]!) !== 'SCHEDULE')) throw syntaxError();
    needFile(client);
    try {
      const how = client.server.persistence.bgsave(argv.length === 2);
      return new SimpleString(how === 'started' ? 'Background saving started' : 'Background saving scheduled');
    } catch (e) {
      throw new CommandError(`ERR ${(e as Error).message}`);
    }
  },
});

export const LASTSAVE = defineCommand({
  name: 'LASTSAVE',
  summary: 'The Unix time of the last snapshot written.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(1)',
  arity: 1,
  flags: ['loading', 'stale', 'fast'],
  aclCategories: ['admin', 'fast', 'dangerous'],
  replyShape: shape.integer(),
  reply: 'Integer: Unix time (seconds) of the last good save; before any, the time the server started (as Redis).',
  handler(client): Reply {
    return client.server.persistence.lastSaveUnixSeconds();
  },
});
