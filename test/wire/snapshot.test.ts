// The real server process with snapshots: SAVE, a snapshot at SIGTERM, a restart that brings the workers and
// the revision back (liveness from each worker's last heartbeat), a corrupt file that stops the start unless told to
// start empty, and the one ready line and clean exit on SIGINT.

import { expect } from 'chai';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { record, rejection } from './fixture.js';
import { infoField, until } from './inbox.js';
import { readSnapshot } from '../../src/server/snapshot.js';
import { startTestServer } from '../helpers/server.js';
import { connectClient, logLines, ServerProcess } from '../helpers/process.js';

describe('the server process and its snapshot file', function () {
  this.timeout(20_000);
  let dir: string;
  let file: string;
  let processes: ServerProcess[];
  let clients: Redis[];

  function start(args: string[]): ServerProcess {
    const p = ServerProcess.spawn(args, dir);
    processes.push(p);
    return p;
  }

  async function connect(port: number): Promise<Redis> {
    const client = await connectClient(port);
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'registry-snapshot-'));
    file = path.join(dir, 'registry.snapshot');
    processes = [];
    clients = [];
  });

  afterEach(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  });

  it('SAVE, then SIGTERM saves again and exits 0; a restart brings back the workers, their records and the revision', async () => {
    const args = ['--snapshot', file, '--offline-after', '60000', '--save-interval', '0'];
    const first = start(args);
    const r = await connect(await first.ready());
    // prettier-ignore
    const beat = ['STATE', 'Busy', 'HEALTH', 'degraded', 'URL', 'http://10.0.0.5:8081', 'MODEL', 'llama', 'BACKEND', 'cuda', 'DEVICE', '1'];
    // prettier-ignore
    expect(await r.call('HBEAT', 'gpu0', 'hive-a', ...beat, 'VRAM', '8000000000', 'VRAM_TOTAL', '24000000000', 'RAM', '2000000000', 'CPU', '7.5', 'GPU', '12.5')).to.equal(1);
    expect(await r.call('HBEAT', 'gpu1', 'hive-b', 'TS', new Date(Date.now() + 3_600_000).toISOString())).to.equal(1);
    expect(await r.call('HBEAT', 'gone', 'hive-b')).to.equal(1);
    expect(await r.call('WORKER.DEL', 'gone')).to.equal(1);
    expect(await r.call('SAVE')).to.equal('OK');
    const header = JSON.parse((await readFile(file, 'utf8')).split('\n')[0]!);
    expect(header).to.include({ format: 'rbee-registry-snapshot', version: 2, workers: 2 });
    expect(Number(infoField(await r.call('INFO', 'registry'), 'snapshot_last_save_ms'))).to.be.greaterThan(0);
    expect(infoField(await r.call('INFO', 'registry'), 'snapshot')).to.equal(file);

    // A change after SAVE is kept by the snapshot written at shutdown.
    expect(await r.call('HBEAT', 'late', 'hive-c', 'MODEL', 'mistral')).to.equal(1);
    const before = ((await r.call('WORKER.LIST')) as unknown[]).map(record);
    const revBefore = record(await r.call('EVENTS.REV'));
    expect(revBefore.rev).to.equal(8);
    r.disconnect();
    expect(await first.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
    expect(first.stdout).to.include('# Received SIGTERM scheduling shutdown...');
    expect(first.stdout).to.match(/\* Snapshot saved \(shutdown\): 3 workers, revision 8, \d+ bytes, \d+ ms/);
    expect(first.stderr).to.equal('');

    const second = start(args);
    const r2 = await connect(await second.ready());
    expect(await r2.call('WORKER.COUNT')).to.equal(3);
    expect(await r2.call('HIVE.LIST')).to.deep.equal(['hive-a', 'hive-b', 'hive-c']);
    const after = ((await r2.call('WORKER.LIST')) as unknown[]).map(record);
    // Every field comes back; the restart is quick, so the workers are still within their window.
    const withoutTimes = (w: Record<string, unknown>) => ({ ...w, last_seen_ms: undefined, age_ms: undefined });
    expect(after.map(withoutTimes)).to.deep.equal(before.map(withoutTimes));
    expect(after.map((w) => w.online)).to.deep.equal([1, 1, 1]);
    for (const [i, w] of after.entries()) expect(Number(w.last_seen_ms)).to.be.at.least(Number(before[i]!.last_seen_ms));
    expect(await r2.call('HIVE.ACTIVE')).to.deep.equal(['hive-a', 'hive-b', 'hive-c']);
    expect(record(await r2.call('WORKER.BEST', 'mistral'))).to.include({ worker_id: 'late' });
    expect(infoField(await r2.call('INFO', 'registry'), 'workers_clock_skewed')).to.equal('1');
    // The revision goes on from where it was: a reader that saw rev 8 misses nothing and reads nothing twice.
    expect(record(await r2.call('EVENTS.REV'))).to.include({ rev: 8, oldest_rev: 9, length: 0 });
    expect(await r2.call('HBEAT', 'gpu0', 'hive-a')).to.equal(0); // known: no need to resend the full state
    expect(await r2.call('HBEAT', 'new', 'hive-a')).to.equal(1);
    const events = ((await r2.call('EVENTS.READ', 'SINCE', '8')) as string[]).map((e) => JSON.parse(e) as { rev: number; type: string });
    expect(events.map((e) => [e.rev, e.type])).to.deep.equal([[9, 'worker.online']]);
    expect(await second.stop('SIGINT')).to.deep.equal({ code: 0, signal: null });
  });

  it('a corrupt snapshot stops the start with a clear message and a non-zero exit', async () => {
    await writeFile(file, 'this is not a snapshot\n{"end":true,"workers":0}\n');
    const exit = await start(['--snapshot', file]).exited;
    const p = processes[0]!;
    expect(exit.code).to.equal(1);
    expect(p.stdout).to.not.include('ready');
    expect(p.stderr).to.include(`snapshot ${file} is corrupt at line 1`);
    expect(p.stderr).to.include('--ignore-bad-snapshot');

    // A file cut short (no end line) is caught too, and is left as it was.
    const truncated =
      JSON.stringify({ format: 'rbee-registry-snapshot', version: 1, rev: 3, saved_at_ms: 0, workers: 1 }) +
      '\n' +
      JSON.stringify({
        worker_id: 'w',
        hive_id: 'h',
        state: null,
        health: null,
        url: null,
        model_id: null,
        backend: null,
        device_id: null,
        vram_bytes: null,
        vram_total_bytes: null,
        ram_bytes: null,
        cpu_percent: null,
        gpu_percent: null,
        reported_at: null,
        skew_ms: null,
        last_seen_ms: 0,
        online: true,
      }) +
      '\n';
    await writeFile(file, truncated);
    const cut = start(['--snapshot', file]);
    expect((await cut.exited).code).to.equal(1);
    expect(cut.stderr).to.include('truncated');
    expect(await readFile(file, 'utf8')).to.equal(truncated);
  });

  it('a snapshot path it could never write stops the start', async () => {
    const unwritable = path.join(dir, 'missing-dir', 'registry.snapshot');
    const p = start(['--snapshot', unwritable]);
    expect((await p.exited).code).to.equal(1);
    expect(p.stdout).to.not.include('ready');
    expect(p.stderr).to.match(/cannot write snapshots next to .*missing-dir.*ENOENT/);
  });

  it('SAVE to a place it can no longer write is an error naming why; SIGTERM then keeps the server up (as Redis) until the save can be made', async () => {
    const goneDir = path.join(dir, 'goes-away');
    await mkdir(goneDir);
    const unwritable = path.join(goneDir, 'registry.snapshot');
    const p = start(['--snapshot', unwritable]);
    const r = await connect(await p.ready());
    await rm(goneDir, { recursive: true });
    await r.call('HBEAT', 'w', 'h');
    expect((await rejection(r.call('SAVE'))).message).to.match(
      /^ERR snapshot failed: Failed opening the snapshot file .*registry\.snapshot\.tmp-\d+ for saving: No such file or directory \(ENOENT\)$/,
    );
    expect(await r.call('WORKER.COUNT')).to.equal(1);
    p.signal('SIGTERM');
    await p.output(/Error trying to save the DB, can't exit\.\n.*Errors trying to shut down the server/);
    expect(p.stdout).to.match(/Snapshot save \(shutdown\) failed after \d+ ms: .*ENOENT/);
    // Still serving, with everything it had; heartbeats keep being taken.
    expect(await r.call('HBEAT', 'w2', 'h')).to.equal(1);
    expect((await rejection(r.call('SHUTDOWN'))).message).to.equal('ERR Errors trying to SHUTDOWN. Check logs.');
    expect(await r.call('WORKER.COUNT')).to.equal(2);
    await mkdir(goneDir);
    expect(await p.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
    const saved: string[] = [];
    await readSnapshot(unwritable, () => ({ add: (w) => void saved.push(w.worker_id) }));
    expect(saved.sort()).to.deep.equal(['w', 'w2']);
  });

  it("the guard's hold survives SIGTERM and a restart: the workers it held past their eviction time are all still there", async () => {
    const args = ['--snapshot', file, '--offline-after', '300', '--evict-after', '600', '--save-interval', '0'];
    const first = start(args);
    const r = await connect(await first.ready());
    const beats = r.pipeline();
    for (let i = 0; i < 20; i++) beats.call('HBEAT', `w${i}`, 'hive-a');
    await beats.exec();
    await first.output(/Expiry guard tripped \(auto\)/);
    const info = async (c: Redis, key: string) => infoField(await c.call('INFO', 'registry'), key);
    // Until the newest heartbeat is past its eviction time, by the server's own account.
    await until(async () => Number(record(await r.call('WORKER.GET', 'w19')).age_ms) > 700, 'w19 past its eviction time');
    expect(await r.call('WORKER.COUNT')).to.equal(20);
    expect(await info(r, 'workers_online')).to.equal('0');
    const since = await info(r, 'expiry_guard_since_ms');
    expect(Number(since)).to.be.greaterThan(0);
    r.disconnect();
    expect(await first.stop('SIGTERM')).to.deep.equal({ code: 0, signal: null });
    const header = JSON.parse((await readFile(file, 'utf8')).split('\n')[0]!);
    expect(header.guard).to.deep.include({ mode: 'auto', active: true, since_ms: Number(since), baseline: 20 });

    const second = start(args);
    const r2 = await connect(await second.ready());
    expect(await r2.call('WORKER.COUNT')).to.equal(20);
    expect(await info(r2, 'expiry_guard')).to.equal('1');
    expect(await info(r2, 'expiry_guard_since_ms')).to.equal(since);
    expect(second.stdout).to.match(
      /Expiry guard holds evictions since .* \(auto, as saved\): 20 workers past their eviction time kept; 0 of 20 online/,
    );
    expect(await r2.call('WORKER.COUNT')).to.equal(20);
  });

  it('with --ignore-bad-snapshot a corrupt snapshot is reported and the server starts empty', async () => {
    await writeFile(file, '{"format":"rbee-registry-snapshot","version":99}\n{"end":true,"workers":0}\n');
    const p = start(['--snapshot', file, '--ignore-bad-snapshot']);
    const r = await connect(await p.ready());
    expect(p.stdout).to.include('unsupported version 99');
    expect(p.stdout).to.include('starting empty');
    // The bad file is kept aside for inspection, not overwritten by the next save.
    const aside = (await readdir(dir)).filter((f) => f.startsWith(path.basename(file) + '.corrupt-'));
    expect(aside).to.have.length(1);
    expect(await readFile(path.join(dir, aside[0]!), 'utf8')).to.include('"version":99');
    expect(await r.call('WORKER.COUNT')).to.equal(0);
    expect(record(await r.call('EVENTS.REV'))).to.include({ rev: 0 });
    expect(await r.call('HBEAT', 'w', 'h')).to.equal(1);
    expect(await r.call('SAVE')).to.equal('OK');
    r.disconnect();
    expect((await p.stop('SIGTERM')).code).to.equal(0);
    // What it saved is a good snapshot again.
    const again = start(['--snapshot', file]);
    const r2 = await connect(await again.ready());
    expect(await r2.call('WORKER.COUNT')).to.equal(1);
  });

  it('prints one ready line and exits 0 on SIGINT, even with a subscriber and a blocked reader; SAVE without --snapshot is an error', async () => {
    const p = start([]);
    const port = await p.ready();
    const r = await connect(port);
    expect((await rejection(r.call('SAVE'))).message).to.equal(
      'ERR no snapshot file is configured (start the server with --snapshot FILE)',
    );
    expect(infoField(await r.call('INFO', 'registry'), 'snapshot')).to.equal('');
    expect((await rejection(r.multi().call('SAVE').exec())).message).to.match(/EXECABORT|not allowed/);
    const subscriber = await connect(port);
    await subscriber.psubscribe('registry:*');
    const reader = await connect(port);
    const blocked = reader.call('EVENTS.READ', 'SINCE', '0', 'BLOCK', '0').then(
      () => 'answered',
      () => 'connection closed',
    );
    await until(async () => / cmd=events\.read /.test(String(await r.call('CLIENT', 'LIST'))), 'the reader to block');
    expect(await p.stop('SIGINT')).to.deep.equal({ code: 0, signal: null });
    expect(await blocked).to.equal('connection closed');
    const lines = p.stdout.trim().split('\n');
    expect(lines.filter((l) => l.includes(' ready on '))).to.have.length(1);
    expect(lines.filter((l) => l.startsWith('rbee-registry ')).join('\n')).to.match(
      /^rbee-registry \S+ ready on 127\.0\.0\.1:\d+ \(RESP2\/RESP3, pid \d+\)$/,
    );
    expect(
      logLines(p.stdout)
        .map((l) => l.mark + ' ' + l.message)
        .slice(-3),
    ).to.deep.equal([
      '# Received SIGINT scheduling shutdown...',
      '# User requested shutdown... (SIGINT)',
      '* rbee-registry is now ready to exit, bye bye...',
    ]);
    expect(p.stderr).to.equal('');
    expect(await readdir(dir)).to.deep.equal([]); // no snapshot written without --snapshot
  });
});

describe('saving while a save is under way', () => {
  it('a second SAVE waits for the first and then writes again, so it holds every change made before it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'registry-snapshot-'));
    const file = path.join(dir, 'registry.snapshot');
    const server = await startTestServer({ snapshotPath: file, saveIntervalMs: 0 });
    try {
      server.server.registry.heartbeat('w1', 'hive-a', {});
      const first = server.server.saveSnapshot();
      server.server.registry.heartbeat('w2', 'hive-a', {});
      const second = server.server.saveSnapshot();
      await Promise.all([first, second]);
      const saved: string[] = [];
      await readSnapshot(file, () => ({ add: (w) => void saved.push(w.worker_id) }));
      expect(saved.sort()).to.deep.equal(['w1', 'w2']);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
