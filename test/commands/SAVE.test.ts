// SAVE, BGSAVE and LASTSAVE in-process, in both protocols: +OK once the file is written, BGSAVE's status lines,
// one save at a time, LASTSAVE moving with a good save, and the errors without a snapshot file or when writing fails.

import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Harness } from '../helpers/inject.js';

const NO_FILE = 'ERR no snapshot file is configured (start the server with --snapshot FILE)';

describe('SAVE / BGSAVE / LASTSAVE (in-process)', () => {
  let h: Harness;
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'registry-save-'));
  });
  afterEach(async () => {
    await h.server.persistence.settled();
    h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SAVE answers +OK once the file is written; LASTSAVE then answers the time of that save', async () => {
    const file = path.join(dir, 'registry.snapshot');
    h = new Harness({ snapshotPath: file });
    await h.run(['HBEAT', 'w1', 'hive-a']);
    const started = (await h.run(['LASTSAVE'])).reply as number;
    const r = await h.run(['SAVE'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    expect(existsSync(file)).to.equal(true);
    const last = await h.run(['LASTSAVE'], h.client(3));
    expect(last.resp2).to.equal(last.resp3);
    expect(last.reply).to.be.at.least(started);
    expect(Math.abs((last.reply as number) - Date.now() / 1000)).to.be.below(60);
  });

  it('BGSAVE answers at once; a second one while it runs is refused; SCHEDULE during a SAVE is scheduled', async () => {
    h = new Harness({ snapshotPath: path.join(dir, 'registry.snapshot') });
    const r = await h.run(['BGSAVE'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal(['+Background saving started\r\n', '+Background saving started\r\n']);
    await h.refuses(['BGSAVE'], 'ERR Background save already in progress');
    await h.refuses(['SAVE'], 'ERR Background save already in progress');
    await h.server.persistence.settled();
    const saving = h.run(['SAVE']);
    expect((await h.run(['BGSAVE', 'SCHEDULE'])).resp2).to.equal('+Background saving scheduled\r\n');
    expect((await saving).resp2).to.equal('+OK\r\n');
    await h.refuses(['BGSAVE', 'LATER'], 'ERR syntax error');
  });

  it('without a snapshot file SAVE and BGSAVE say so; LASTSAVE answers the start time', async () => {
    h = new Harness();
    await h.refuses(['SAVE'], NO_FILE);
    await h.refuses(['BGSAVE'], NO_FILE);
    const last = await h.run(['LASTSAVE']);
    expect(Math.abs((last.reply as number) - Date.now() / 1000)).to.be.below(60);
    await h.refuses(['LASTSAVE', 'x'], "ERR wrong number of arguments for 'lastsave' command");
    await h.refuses(['SAVE', 'x'], "ERR wrong number of arguments for 'save' command");
  });

  it('a save that cannot write answers ERR snapshot failed, naming why', async () => {
    h = new Harness({ snapshotPath: path.join(dir, 'missing-dir', 'registry.snapshot') });
    const error = await h.run(['SAVE']);
    expect(error.error).to.match(/^ERR snapshot failed: .*ENOENT/);
  });
});
