// The log of the real process: the start line with the settings not at their defaults, the restore and save
// lines, --logfile and --loglevel as Redis, and SIGHUP (a closed terminal) leaving the server up.

import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { connectClient, logLines, ServerProcess } from '../helpers/process.js';

describe('the server log (process)', function () {
  this.timeout(20_000);
  let dir: string;
  let processes: ServerProcess[];
  let clients: Redis[];

  const start = (args: string[]) => {
    const p = ServerProcess.spawn(args, dir);
    processes.push(p);
    return p;
  };
  const connect = async (port: number) => {
    const c = await connectClient(port);
    clients.push(c);
    return c;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'registry-log-'));
    processes = [];
    clients = [];
  });

  afterEach(async () => {
    for (const c of clients) c.disconnect();
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await rm(dir, { recursive: true, force: true });
  });

  it('start, restore, save and shutdown lines; nothing per heartbeat at notice; SIGHUP is survived', async () => {
    const file = path.join(dir, 'registry.snapshot');
    const first = start(['--snapshot', file, '--save-interval', '0', '--offline-after', '60000']);
    const r = await connect(await first.ready());
    for (let i = 0; i < 50; i++) await r.call('HBEAT', `w${i}`, `hive-${i % 3}`, 'GPU', String(i));
    expect(await r.call('SAVE')).to.equal('OK');
    first.signal('SIGHUP');
    await first.output(/Received SIGHUP/);
    for (let i = 0; i < 50; i++) await r.call('HBEAT', `w${i}`, `hive-${i % 3}`, 'GPU', String(i + 1));
    expect(await r.call('WORKER.COUNT')).to.equal(50);
    expect((await first.stop('SIGTERM')).code).to.equal(0);
    const lines = logLines(first.stdout).map((l) => `${l.mark} ${l.message}`);
    expect(lines[0]).to.match(/^\* rbee-registry version=\S+, node=v\d+\S*, pid=\d+, just started$/);
    expect(lines[1]).to.equal(`* No snapshot at ${file} yet: starting empty`);
    expect(lines[2]).to.equal(
      `* Ready to accept connections tcp on 127.0.0.1:${first.port}, version ${lines[0]!.split(/[=,]/)[1]}; settings not at their defaults: ` +
        `offline-after=60000 snapshot=${file} save-interval=0`,
    );
    expect(lines[3]).to.match(/^\* Snapshot saved \(save\): 50 workers, revision \d+, \d+ bytes, \d+ ms$/);
    expect(lines[4]).to.equal('* Received SIGHUP: ignored (the log file is reopened at each line)');
    expect(lines.slice(5, 8)).to.deep.equal([
      '# Received SIGTERM scheduling shutdown...',
      '# User requested shutdown... (SIGTERM)',
      '* Saving the final snapshot before exiting.',
    ]);
    expect(lines[8]).to.match(/^\* Snapshot saved \(shutdown\): 50 workers, revision \d+, \d+ bytes, \d+ ms$/);
    expect(lines.slice(9)).to.deep.equal(['* DB saved on disk', '* rbee-registry is now ready to exit, bye bye...']);

    const second = start(['--snapshot', file, '--offline-after', '60000']);
    await second.ready();
    expect(logLines(second.stdout)[1]!.message).to.match(
      /^Snapshot restored from .*: 50 workers \(50 online\), 3 hives, revision \d+, \d+ ms$/,
    );
  });

  it('--logfile takes the log (the ready line stays on stdout); --loglevel warning keeps only warnings', async () => {
    const logfile = path.join(dir, 'registry.log');
    const p = start(['--logfile', logfile]);
    await p.ready();
    expect(p.stdout).to.match(/^rbee-registry \S+ ready on 127\.0\.0\.1:\d+ \(RESP2\/RESP3, pid \d+\)\n$/);
    expect(await p.stop('SIGINT'), p.stderr).to.deep.equal({ code: 0, signal: null });
    const inFile = logLines(await readFile(logfile, 'utf8')).map((l) => l.message);
    expect(inFile[0]).to.match(/just started$/);
    expect(inFile.at(-1)).to.equal('rbee-registry is now ready to exit, bye bye...');

    const quiet = start(['--loglevel', 'warning']);
    await quiet.ready();
    expect((await quiet.stop('SIGINT')).code).to.equal(0);
    expect(logLines(quiet.stdout).map((l) => `${l.mark} ${l.message}`)).to.deep.equal([
      '# Received SIGINT scheduling shutdown...',
      '# User requested shutdown... (SIGINT)',
    ]);
  });

  it('a bad --loglevel or an unwritable --logfile stops the start with exit 2', async () => {
    const bad = start(['--loglevel', 'loud']);
    expect((await bad.exited).code).to.equal(2);
    expect(bad.stderr).to.include('--loglevel loud: argument must be one of the following: debug, verbose, notice, warning');
    const unwritable = start(['--logfile', path.join(dir, 'missing', 'x.log')]);
    expect((await unwritable.exited).code).to.equal(2);
    expect(unwritable.stderr).to.match(/--logfile: cannot open .* for appending: ENOENT/);
  });
});
