// ACL files and --user flags: Redis' file format, all-or-nothing loads whose errors name file:line, ACL SAVE
// and ACL LOAD at run time, and the server process refusing to start on a bad file.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AclFileError } from '../../src/server/server.js';
import { WireFixture, record, rejection } from './fixture.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** Runs the server process until it prints its ready line (then stops it) or exits; returns what it said. */
function runServer(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; port?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /ready on [^ ]+:(\d+)/.exec(stdout);
      if (m) resolve({ code: null, stdout, stderr, port: Number(m[1]) });
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    after(() => child.kill('SIGKILL'));
  });
}

describe('ACL files and --user', () => {
  let dir: string;
  let fx: WireFixture | null = null;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rbee-acl-'));
  });

  afterEach(async () => {
    await fx?.close();
    fx = null;
    await rm(dir, { recursive: true, force: true });
  });

  it('a bad line stops the start, naming file:line; nothing is half-loaded', async () => {
    const file = path.join(dir, 'users.acl');
    await writeFile(file, 'user gpu-a on >pw +hbeat ~worker:gpu-a-*\nuser gpu-b on >pw +hbeat +nosuch\n');
    let error: unknown;
    try {
      fx = await WireFixture.start({ aclFile: file });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(AclFileError);
    expect((error as Error).message).to.equal(
      `${file}:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. ` +
        'WARNING: ACL errors detected, no change to the previously active ACL rules was performed',
    );
    const run = await runServer(['--aclfile', file]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include(`${file}:2: Error in applying operation '+nosuch'`);
  });

  it('--user defines users at start; it cannot be combined with --aclfile', async () => {
    const run = await runServer(['--user', 'gpu-a on >pw -@all +@connection +hbeat ~worker:gpu-a-* ~hive:hive-a', '--user', 'default off']);
    expect(run.port).to.be.a('number');
    fx = null;
    const { Redis } = await import('ioredis');
    const anon = new Redis({
      port: run.port!,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      enableReadyCheck: false,
      protocol: 2,
    });
    anon.on('error', () => {});
    await anon.connect();
    expect((await rejection(anon.call('PING'))).message).to.equal('NOAUTH Authentication required.');
    expect(await anon.call('AUTH', 'gpu-a', 'pw')).to.equal('OK');
    expect(await anon.call('HBEAT', 'gpu-a-1', 'hive-a')).to.equal(1);
    expect((await rejection(anon.call('HBEAT', 'gpu-b-1', 'hive-a'))).message).to.equal('NOPERM No permissions to access a key');
    anon.disconnect();
    const both = await runServer(['--user', 'x on', '--aclfile', path.join(dir, 'none.acl')]);
    expect(both.code).to.equal(1);
    expect(both.stderr).to.include('--user cannot be combined with --aclfile');
    const bad = await runServer(['--user', 'x on +nosuch']);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.include("--user #1: Error in applying operation '+nosuch'");
  });

  it("ACL SAVE writes Redis' format; ACL LOAD replaces the users all or nothing and closes removed users' connections", async () => {
    const file = path.join(dir, 'users.acl');
    await writeFile(
      file,
      'user default on nopass ~* &* +@all\nuser gpu-a on >pw ~worker:gpu-a-* resetchannels -@all +@connection +hbeat\n',
    );
    fx = await WireFixture.start({ aclFile: file });
    const admin = await fx.ioredis();
    expect(await admin.call('ACL', 'USERS')).to.deep.equal(['default', 'gpu-a']);
    await admin.call('ACL', 'SETUSER', 'ops', 'on', '>ops-pw', 'allkeys', 'allchannels', 'allcommands');
    expect(await admin.call('ACL', 'SAVE')).to.equal('OK');
    const saved = await readFile(file, 'utf8');
    expect(saved.split('\n')).to.deep.equal([...((await admin.call('ACL', 'LIST')) as string[]), '']);
    expect(saved).not.to.include('ops-pw');

    const w = await fx.ioredis({ username: 'gpu-a', password: 'pw', enableReadyCheck: false });
    await writeFile(file, saved.replace(/^user ops .*$/m, 'user ops on bogus'));
    const err = (await rejection(admin.call('ACL', 'LOAD'))).message;
    expect(err).to.match(
      new RegExp(
        `^ERR ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: Error in applying operation 'bogus': Syntax error\\. WARNING: ACL errors detected`,
      ),
    );
    expect(await admin.call('ACL', 'USERS')).to.deep.equal(['default', 'gpu-a', 'ops']);

    const closed = new Promise<void>((resolve) => w.once('end', () => resolve()));
    await writeFile(file, 'user ops on >ops-pw ~* &* +@all\n');
    expect(await admin.call('ACL', 'LOAD')).to.equal('OK');
    await closed;
    expect(await admin.call('ACL', 'USERS')).to.deep.equal(['default', 'ops']);
    expect(record(await admin.call('ACL', 'GETUSER', 'default')).flags).to.deep.equal(['on', 'nopass', 'sanitize-payload']);
  });

  it('without an ACL file, SAVE and LOAD say so', async () => {
    fx = await WireFixture.start();
    const r = await fx.ioredis();
    expect((await rejection(r.call('ACL', 'SAVE'))).message).to.match(/^ERR This Redis instance is not configured to use an ACL file/);
    expect((await rejection(r.call('ACL', 'LOAD'))).message).to.match(/^ERR This Redis instance is not configured to use an ACL file/);
  });
});
