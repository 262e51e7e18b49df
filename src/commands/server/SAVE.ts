// SAVE: write the snapshot now.

import { OK, type Reply } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { CommandError } from '../errors.js';

export default defineCommand({
  name: 'SAVE',
  summary: 'Writes the registry to the snapshot file, atomically.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(N) where N is the number of workers',
  arity: 1,
  flags: ['admin', 'noscript', 'no-async-loading', 'no-multi'],
  aclCategories: ['admin', 'slow', 'dangerous'],
  reply: 'Simple string `OK` once the file is written (temp file, fsync, rename).',
  errors: ['`ERR no snapshot file is configured (start the server with --snapshot FILE)`', '`ERR snapshot failed: <reason>`'],
  async handler(client): Promise<Reply> {
    if (client.server.snapshotPath === null) throw new CommandError('ERR no snapshot file is configured (start the server with --snapshot FILE)');
    try {
      await client.server.saveSnapshot();
    } catch (e) {
      throw new CommandError(`ERR snapshot failed: ${(e as Error).message}`);
    }
    return OK;
  },
});
