// SAVE, BGSAVE, LASTSAVE, INFO persistence and SHUTDOWN over a real connection, as Redis answers them. A hook
// in the writer holds a save open, so "while a save runs" is a state the test sets, not a race it hopes for.

import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Logger } from '../../src/server/log.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { infoField } from '../wire/inbox.js';
import { rejection } from '../wire/fixture.js';

/** A gate the writer waits at before its first write, opened by the test. */
class Gate {
  private open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  reached = false;
  wait = async () => {
    this.reached = true;
    await this.opened;
  };
  release(): void {
    this.open();
  }
}

describe('SAVE, BGSAVE, LASTSAVE, SHUTDOWN', () => {
  let dir: string;
  let file: string;
  let gate: Gate | null;
  let server: TestServer;
  let client: Redis;
  let exits: number[];
  let log: string[];

  async function start(snapshot: string | null): Promise<void> {
    server = await startTestServer({
      snapshotPath: snapshot,
      saveIntervalMs: 0,
      onExit: (code) => void exits.push(code),
      logger: new Logger({ write: (l) => void log.push(l) }),
      snapshotWriteOptions: { beforeWrite: () => gate?.wait() },
    });
    client = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    await client.connect();
  }

  const info = async (field: string) => infoField(String(await client.call('INFO', 'persistence')), field);

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'registry-save-'));
    file = path.join(dir, 'registry.snapshot');
    gate = null;
    exits = [];
    log = [];
  });

  afterEach(async () => {
    gate?.release();
    client.disconnect();
    await server.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });

  it('BGSAVE starts at once; one at a time; SAVE is refused meanwhile; INFO follows it; LASTSAVE moves', async () => {
    await start(file);
    const started = Math.floor(Date.now() / 1000);
    expect(await client.call('LASTSAVE')).to.be.within(started - 2, started);
    expect(await info('rdb_last_save_time')).to.equal(String(await client.call('LASTSAVE')));
    for (let i = 0; i < 5; i++) await client.call('HBEAT', `w${i}`, 'h');
    expect(Number(await info('rdb_changes_since_last_save'))).to.be.at.least(5);
    gate = new Gate();
    expect(await client.call('BGSAVE')).to.equal('Background saving started');
    expect(await info('rdb_bgsave_in_progress')).to.equal('1');
    expect((await rejection(client.call('BGSAVE'))).message).to.equal('ERR Background save already in progress');
    expect((await rejection(client.call('SAVE'))).message).to.equal('ERR Background save already in progress');
    // Clients are served while it runs.
    expect(await client.call('HBEAT', 'late', 'h')).to.equal(1);
    gate.release();
    gate = null;
    while ((await info('rdb_bgsave_in_progress')) !== '0');
    expect(await info('rdb_last_bgsave_status')).to.equal('ok');
    expect(await info('rdb_saves')).to.equal('1');
    // The beat that came during the save is not in it: its changes are still counted.
    expect(Number(await info('rdb_changes_since_last_save'))).to.be.greaterThan(0);
    expect(await client.call('SAVE')).to.equal('OK');
    expect(await info('rdb_changes_since_last_save')).to.equal('0');
    expect((await rejection(client.call('BGSAVE', 'NOW'))).message).to.equal('ERR syntax error');
  });

  it('BGSAVE SCHEDULE while a SAVE runs is scheduled and runs after it', async () => {
    await start(file);
    gate = new Gate();
    const saving = client.call('SAVE');
    const other = new Redis({ port: server.port });
    try {
      while (!gate.reached) await new Promise((r) => setImmediate(r));
      expect(await other.call('BGSAVE', 'SCHEDULE')).to.equal('Background saving scheduled');
      gate.release();
      gate = null;
      expect(await saving).to.equal('OK');
      while ((await info('rdb_saves')) !== '2');
    } finally {
      other.disconnect();
    }
  });

  it('a failed BGSAVE shows in INFO as err; without a snapshot file the save commands say so', async () => {
    const gone = path.join(dir, 'gone');
    await mkdir(gone);
    await start(path.join(gone, 'registry.snapshot'));
    await rm(gone, { recursive: true });
    expect(await client.call('BGSAVE')).to.equal('Background saving started');
    while ((await info('rdb_bgsave_in_progress')) !== '0');
    expect(await info('rdb_last_bgsave_status')).to.equal('err');
    expect(log.join('')).to.match(/# Snapshot save \(bgsave\) failed after \d+ ms: .*ENOENT/);
    client.disconnect();
    await server.close().catch(() => {});
    await start(null);
    for (const cmd of ['SAVE', 'BGSAVE']) {
      expect((await rejection(client.call(cmd))).message).to.equal(
        'ERR no snapshot file is configured (start the server with --snapshot FILE)',
      );
    }
  });

  it("SHUTDOWN's argument errors and ABORT, in Redis' words", async () => {
    await start(file);
    for (const args of [['NOSAVE', 'SAVE'], ['ABORT', 'NOW'], ['BOGUS'], ['NOW', 'NOW', 'NOW', 'NOW', 'NOW']]) {
      expect((await rejection(client.call('SHUTDOWN', ...args))).message, args.join(' ')).to.equal('ERR syntax error');
    }
    expect((await rejection(client.call('SHUTDOWN', 'ABORT'))).message).to.equal('ERR No shutdown in progress.');
    expect(exits).to.deep.equal([]);
    expect(await client.call('PING')).to.equal('PONG');
  });

  it('SHUTDOWN whose save fails does not exit: the client gets the error, the others go on; FORCE exits anyway', async () => {
    const gone = path.join(dir, 'gone');
    await mkdir(gone);
    await start(path.join(gone, 'registry.snapshot'));
    await client.call('HBEAT', 'w', 'h');
    await rm(gone, { recursive: true });
    expect((await rejection(client.call('SHUTDOWN'))).message).to.equal('ERR Errors trying to SHUTDOWN. Check logs.');
    expect(log.join('')).to.include("# Error trying to save the DB, can't exit.");
    expect(exits).to.deep.equal([]);
    expect(await client.call('HBEAT', 'w2', 'h')).to.equal(1);
    const closed = new Promise((resolve) => client.once('end', resolve));
    client.call('SHUTDOWN', 'FORCE', 'NOW').catch(() => {});
    await closed;
    expect(exits).to.deep.equal([0]);
    expect(log.join('')).to.include('# Error trying to save the DB. Exit anyway.');
  });

  it('SHUTDOWN saves and exits; SHUTDOWN NOSAVE exits without writing', async () => {
    await start(file);
    await client.call('HBEAT', 'w', 'h');
    let closed = new Promise((resolve) => client.once('end', resolve));
    client.call('SHUTDOWN', 'NOSAVE').catch(() => {});
    await closed;
    expect(exits).to.deep.equal([0]);
    expect(await readdir(dir)).to.deep.equal([]);
    await start(file);
    closed = new Promise((resolve) => client.once('end', resolve));
    client.call('SHUTDOWN').catch(() => {});
    await closed;
    expect(exits).to.deep.equal([0, 0]);
    expect(await readdir(dir)).to.deep.equal(['registry.snapshot']);
  });
});
