// The real server process when saving goes wrong on a real disk: a full filesystem (a tiny tmpfs), a read-only
// one (a read-only bind mount: root ignores file modes), and kill -9 in the middle of saving 500k workers. As
// Redis: a failed save is an error naming why, heartbeats are still taken, SIGTERM refuses to exit ("Error
// trying to save the DB, can't exit.") and the server goes on serving until a save succeeds or SHUTDOWN NOSAVE.
// The mount tests need root (CI runs as root); elsewhere they are pending, and fail under REGISTRY_TEST_STRICT=1.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { rejection } from '../wire/fixture.js';
import { infoField, until } from '../wire/inbox.js';
import { readSnapshot } from '../../src/server/snapshot.js';
import { writeFleetSnapshot } from '../helpers/fleet-snapshot.js';
import { connectClient, ServerProcess } from '../helpers/process.js';
import { STRICT } from '../helpers/programs.js';

function run(argv: string[]): { ok: boolean; output: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error?.message ?? ''}`.trim() };
}

/** Mounts with `mount` (root only); why not, when it cannot. */
function mount(args: string[]): string | null {
  const r = run(['mount', ...args]);
  return r.ok ? null : `mount ${args.join(' ')} failed: ${r.output || 'no output'}`;
}

/** The test needs to mount filesystems: pending without (or failing under REGISTRY_TEST_STRICT=1). */
function needMount(ctx: Mocha.Context, why: string | null): void {
  if (why === null) return;
  if (STRICT) throw new Error(`${why}; REGISTRY_TEST_STRICT=1 requires mounting (run as root)`);
  if (ctx.test !== undefined) ctx.test.title += ` [needs root to mount: ${why}]`;
  ctx.skip();
}

/** Workers the server does not have yet, sent in one pipeline. */
async function beat(r: Redis, from: number, count: number): Promise<void> {
  const p = r.pipeline();
  for (let i = from; i < from + count; i++)
    p.call('HBEAT', `w${i}`, `hive-${i % 40}`, 'MODEL', 'llama', 'URL', `http://10.0.0.${i % 250}:8080/v1`);
  const replies = await p.exec();
  for (const [e] of replies ?? []) if (e !== null) throw e;
}

async function savedIds(file: string): Promise<number> {
  let n = 0;
  await readSnapshot(file, () => ({ add: () => void n++ }));
  return n;
}

describe('snapshot faults through the real process (full disk, read-only disk, kill -9)', function () {
  this.timeout(180_000);
  let dir: string;
  let mounted: string[];
  let processes: ServerProcess[];
  let clients: Redis[];

  const start = (args: string[]) => {
    const p = ServerProcess.start(args);
    processes.push(p);
    return p;
  };
  const connect = async (port: number) => {
    const c = await connectClient(port);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'registry-faults-'));
    mounted = [];
    processes = [];
    clients = [];
  });

  afterEach(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    // Newest first; lazily, so a mount a dead process still held is gone all the same.
    for (const m of mounted.reverse()) run(['umount', '-l', m]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a full disk: SAVE names ENOSPC, heartbeats are taken, SIGTERM refuses to exit; with room again SIGTERM saves all and exits 0', async function () {
    const disk = path.join(dir, 'disk');
    await mkdir(disk);
    needMount(this, mount(['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', disk]));
    mounted.push(disk);
    const file = path.join(disk, 'registry.snapshot');
    const p = start(['--snapshot', file, '--save-interval', '0']);
    const r = await connect(await p.ready());
    await beat(r, 0, 3000); // about 1 MB of snapshot: it cannot fit

    expect((await rejection(r.call('SAVE'))).message).to.equal(
      'ERR snapshot failed: Write error saving DB on disk: No space left on device (ENOSPC)',
    );
    expect(p.stdout).to.match(/# Snapshot save \(save\) failed after \d+ ms: Write error saving DB on disk: No space left on device/);
    expect(await readdir(disk), 'the half-written temp file is removed').to.deep.equal([]);
    expect(infoField(await r.call('INFO', 'persistence'), 'rdb_last_bgsave_status')).to.equal('err');
    await beat(r, 3000, 1);

    p.signal('SIGTERM');
    await p.output(/# Error trying to save the DB, can't exit\./);
    expect(p.alive).to.equal(true);
    await beat(r, 3001, 1);
    expect(await r.call('WORKER.COUNT')).to.equal(3002);
    expect((await rejection(r.call('SHUTDOWN'))).message).to.equal('ERR Errors trying to SHUTDOWN. Check logs.');

    expect(mount(['-o', 'remount,size=16m', disk])).to.equal(null);
    expect(await p.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
    expect(await savedIds(file)).to.equal(3002);
  });

  it('a read-only disk: SAVE names EROFS, SIGTERM refuses to exit and serves on; SHUTDOWN NOSAVE exits, the old file intact', async function () {
    const data = path.join(dir, 'data');
    await mkdir(data);
    needMount(this, mount(['--bind', data, data]));
    mounted.push(data);
    const file = path.join(data, 'registry.snapshot');
    const p = start(['--snapshot', file, '--save-interval', '0']);
    const r = await connect(await p.ready());
    await beat(r, 0, 100);
    expect(await r.call('SAVE')).to.equal('OK');
    const before = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');

    // Read-only from now on, as a remount after a disk error would make it.
    expect(mount(['-o', 'remount,ro,bind', data])).to.equal(null);
    await beat(r, 100, 50);
    expect((await rejection(r.call('SAVE'))).message).to.match(
      /^ERR snapshot failed: Failed opening the snapshot file .*registry\.snapshot\.tmp-\d+ for saving: Read-only file system \(EROFS\)$/,
    );
    p.signal('SIGTERM');
    await p.output(/# Error trying to save the DB, can't exit\./);
    await beat(r, 150, 1);
    expect(await r.call('WORKER.COUNT')).to.equal(151);

    const closed = new Promise<void>((resolve) => r.once('end', () => resolve()));
    await r.call('SHUTDOWN', 'NOSAVE').catch(() => {}); // the connection closes with the process
    await closed;
    expect(await p.exited).to.deep.equal({ code: 0, signal: null });
    expect(p.stdout).to.not.match(/Snapshot saved \(shutdown\)/);
    const after = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    expect(after, 'the file saved before the disk went read-only').to.equal(before);
    expect(await savedIds(file)).to.equal(100);
  });

  it('kill -9 in the middle of saving 500k workers leaves the previous file intact and loadable; the next start removes the temp file', async () => {
    const WORKERS = 500_000;
    const file = path.join(dir, 'registry.snapshot');
    const original = await writeFleetSnapshot(file, WORKERS);
    const args = ['--snapshot', file, '--save-interval', '0', '--offline-after', '3600000', '--evict-after', '0'];
    const p = start(args);
    const r = await connect(await p.ready(90_000));
    expect(await r.call('WORKER.COUNT')).to.equal(WORKERS);
    await beat(r, 0, 10); // a change, so the new save would differ

    const temp = `${path.basename(file)}.tmp-${p.child.pid}`;
    expect(await r.call('BGSAVE')).to.equal('Background saving started');
    // Until the save has written part of its temp file (a save of 500k workers takes seconds).
    await until(
      async () => ((await stat(path.join(dir, temp)).catch(() => null))?.size ?? 0) > 8 << 20,
      'the save writing its temp file',
      60_000,
    );
    await p.stop('SIGKILL');
    expect(p.stdout).to.not.match(/Snapshot saved/);

    const onDisk = await readFile(file);
    expect(onDisk.length).to.equal(original.bytes);
    expect(createHash('sha256').update(onDisk).digest('hex'), 'the old file, byte for byte').to.equal(original.sha256);
    expect((await readdir(dir)).sort()).to.deep.equal([path.basename(file), temp].sort());
    expect(await savedIds(file)).to.equal(WORKERS);

    const again = start(args);
    const r2 = await connect(await again.ready(90_000));
    expect(again.stdout).to.include(`* Removed ${temp}, left by a save that did not finish`);
    expect(await readdir(dir)).to.deep.equal([path.basename(file)]);
    expect(await r2.call('WORKER.COUNT')).to.equal(WORKERS);
  });
});
