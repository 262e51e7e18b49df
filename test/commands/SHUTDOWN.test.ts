// SHUTDOWN in-process: a shutdown that exits (NOSAVE; or a good final save), one whose final save fails (refused,
// the server goes on) unless FORCE, ABORT with nothing to abort, and the syntax errors, all in Redis' words.

import { expect } from 'chai';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Harness } from '../helpers/inject.js';
import { Logger } from '../../src/server/log.js';

describe('SHUTDOWN (in-process)', () => {
  let h: Harness;
  let dir: string;
  let exits: number[];
  const harness = (snapshot: string | null) =>
    new Harness({ snapshotPath: snapshot, onExit: (code) => exits.push(code), logger: new Logger({ level: 'warning', write: () => {} }) });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'registry-shutdown-'));
    exits = [];
  });
  afterEach(() => {
    h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SHUTDOWN NOSAVE exits without writing; a plain SHUTDOWN writes the final snapshot, then exits', async () => {
    h = harness(path.join(dir, 'a.snapshot'));
    await h.run(['SHUTDOWN', 'NOSAVE']);
    expect(exits).to.deep.equal([0]);
    expect(existsSync(path.join(dir, 'a.snapshot'))).to.equal(false);
    h.stop();
    h = harness(path.join(dir, 'b.snapshot'));
    await h.run(['HBEAT', 'w1', 'hive-a']);
    await h.run(['SHUTDOWN', 'NOW'], h.client(3));
    expect(exits).to.deep.equal([0, 0]);
    expect(existsSync(path.join(dir, 'b.snapshot'))).to.equal(true);
  });

  it('a final save that fails is refused in Redis words and the server goes on; FORCE exits anyway', async () => {
    h = harness(path.join(dir, 'missing', 'c.snapshot'));
    await h.refuses(['SHUTDOWN'], 'ERR Errors trying to SHUTDOWN. Check logs.');
    expect(exits).to.deep.equal([]);
    expect((await h.run(['PING'])).resp2).to.equal('+PONG\r\n');
    await h.run(['SHUTDOWN', 'FORCE']);
    expect(exits).to.deep.equal([0]);
  });

  it('refuses ABORT (no shutdown is ever pending), unknown words and contradictions', async () => {
    h = harness(null);
    await h.refuses(['SHUTDOWN', 'ABORT'], 'ERR No shutdown in progress.');
    await h.refuses(['SHUTDOWN', 'ABORT', 'NOW'], 'ERR syntax error');
    await h.refuses(['SHUTDOWN', 'LATER'], 'ERR syntax error');
    await h.refuses(['SHUTDOWN', 'NOSAVE', 'SAVE'], 'ERR syntax error');
    await h.refuses(['SHUTDOWN', 'NOW', 'NOW', 'NOW', 'NOW', 'NOW'], 'ERR syntax error');
    expect(exits).to.deep.equal([]);
  });
});
