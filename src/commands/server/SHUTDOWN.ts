// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]: Redis' arguments, replies and errors. The server saves (when a
// snapshot file is configured, or SAVE), closes and exits; when the save fails it does not exit (unless FORCE)
// and the client gets Redis' error while everyone else goes on being served.

import { OK, type Reply } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { CommandError, syntaxError } from '../errors.js';
import { asciiUpper } from '../../settings/values.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'SHUTDOWN',
  summary: 'Saves the snapshot (when configured) and stops the server.',
  since: '1.0.0',
  group: 'server',
  complexity: 'O(N) when saving, where N is the number of workers',
  arity: -1,
  flags: ['admin', 'noscript', 'loading', 'stale', 'no-multi', 'allow-busy'],
  aclCategories: ['admin', 'slow', 'dangerous'],
  arguments: [
    {
      name: 'save-selector',
      type: 'oneof',
      optional: true,
      arguments: [
        { name: 'nosave', type: 'pure-token', token: 'NOSAVE' },
        { name: 'save', type: 'pure-token', token: 'SAVE' },
      ],
    },
    { name: 'now', type: 'pure-token', token: 'NOW', optional: true },
    { name: 'force', type: 'pure-token', token: 'FORCE', optional: true },
    { name: 'abort', type: 'pure-token', token: 'ABORT', optional: true },
  ],
  replyShape: shape.simple('OK'),
  reply:
    'Nothing on success: the connection closes as the server exits. `OK` never (ABORT has no shutdown to abort: ' +
    'this server has no replicas to wait for, so a shutdown never stays pending).',
  errors: [
    '`ERR Errors trying to SHUTDOWN. Check logs.` when the final save failed: the server does not exit and goes on serving',
    '`ERR No shutdown in progress.` for ABORT',
    '`ERR syntax error` for an unknown word, NOSAVE with SAVE, or ABORT with anything else',
  ],
  notes:
    'Without NOSAVE or SAVE it saves when the server has a snapshot file (`--snapshot`). NOSAVE exits without ' +
    'saving; FORCE exits even when the save fails ("Error trying to save the DB. Exit anyway." in the log). NOW ' +
    'is accepted: there are no replicas to wait for. While the final snapshot is written, commands from other ' +
    'clients wait (as with Redis, whose final save blocks), so nothing answered is missing from it. SIGTERM and ' +
    'SIGINT do the same as a plain SHUTDOWN.',
  async handler(client, argv): Promise<Reply> {
    if (argv.length > 5) throw syntaxError();
    let save: boolean | null = null;
    let nosave = false;
    let force = false;
    let abort = false;
    for (const word of argv.slice(1)) {
      const w = asciiUpper(word);
      if (w === 'NOSAVE') nosave = true;
      else if (w === 'SAVE') save = true;
      else if (w === 'NOW') continue;
      else if (w === 'FORCE') force = true;
      else if (w === 'ABORT') abort = true;
      else throw syntaxError();
    }
    if ((abort && argv.length > 2) || (nosave && save === true)) throw syntaxError();
    if (abort) throw new CommandError('ERR No shutdown in progress.');
    if (nosave) save = false;
    const exited = await client.server.shutdown({ save, force, origin: `SHUTDOWN from id=${client.id} addr=${client.addr}` });
    if (!exited) throw new CommandError('ERR Errors trying to SHUTDOWN. Check logs.');
    // The server closed this connection already; nothing reaches the client.
    return OK;
  },
});
