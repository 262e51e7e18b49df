// The README's three roles, run as written: its ACL file block is loaded as the server's --aclfile, then each
// role connects through the clients the README names (ioredis, node-redis, redis-py, redis-cli) and does its job.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from 'redis';
import { needProgram } from '../helpers/programs.js';
import { WireFixture, rejection } from './fixture.js';

const run = promisify(execFile);
const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

async function readmeAclFile(): Promise<string> {
  const m = /```acl\n([\s\S]*?)```/.exec(await readFile(README, 'utf8'));
  if (m === null) throw new Error('README has no ```acl block');
  return m[1]!;
}

const NOPERM_CMD = (user: string, cmd: string) => `NOPERM User ${user} has no permissions to run the '${cmd}' command`;

describe('README roles, as written', () => {
  let dir: string;
  let fx: WireFixture;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rbee-roles-'));
    const file = path.join(dir, 'users.acl');
    await writeFile(file, await readmeAclFile());
    fx = await WireFixture.start({ aclFile: file });
  });

  afterEach(async () => {
    await fx.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('default is off: a connection without credentials can do nothing', async () => {
    const anon = await fx.ioredis({ protocol: 2, enableReadyCheck: false });
    expect((await rejection(anon.call('PING'))).message).to.equal('NOAUTH Authentication required.');
    expect((await rejection(anon.call('AUTH', 'default', ''))).message).to.equal(
      'WRONGPASS invalid username-password pair or user is disabled.',
    );
  });

  for (const protocol of [2, 3] as const) {
    it(`worker with ioredis (RESP${protocol}, ready check, connection name): its own ids only`, async () => {
      const w = await fx.ioredis({ protocol, username: 'gpu-a', password: 'gpu-a-secret', connectionName: 'gpu-a-agent', db: 0 });
      expect(await w.call('HBEAT', 'gpu-a-1', 'hive-a', 'STATE', 'Idle', 'MODEL', 'llama')).to.equal(1);
      expect(await w.call('HBEAT', 'JSON', '{"worker_id":"gpu-a-2","hive_id":"hive-a"}')).to.equal(1);
      expect((await rejection(w.call('HBEAT', 'gpu-b-1', 'hive-a', 'URL', 'http://evil.example:9999'))).message).to.equal(
        'NOPERM No permissions to access a key',
      );
      expect((await rejection(w.call('FLUSHALL'))).message).to.equal(NOPERM_CMD('gpu-a', 'flushall'));
      expect((await rejection(w.call('HIVE.DEL', 'hive-a'))).message).to.equal(NOPERM_CMD('gpu-a', 'hive.del'));
      expect((await rejection(w.call('WORKER.DEL', 'gpu-a-1'))).message).to.equal(NOPERM_CMD('gpu-a', 'worker.del'));
      expect((await rejection(w.call('REGISTRY.GUARD', 'OFF'))).message).to.equal(NOPERM_CMD('gpu-a', 'registry.guard'));
      expect((await rejection(w.call('CLIENT', 'KILL', 'ID', '1'))).message).to.equal(NOPERM_CMD('gpu-a', 'client|kill'));
      expect((await rejection(w.call('CONFIG', 'SET', 'protected-mode', 'no'))).message).to.equal(NOPERM_CMD('gpu-a', 'config|set'));
      expect((await rejection(w.call('WORKER.BEST', 'llama'))).message).to.equal(NOPERM_CMD('gpu-a', 'worker.best'));
      expect(await w.call('PING')).to.equal('PONG');
    });
  }

  it('worker with node-redis (RESP2 and RESP3 handshakes, CLIENT SETINFO, SELECT 0)', async () => {
    for (const RESP of [2, 3] as const) {
      const c = createClient({
        socket: { host: '127.0.0.1', port: fx.port, reconnectStrategy: false },
        username: 'gpu-a',
        password: 'gpu-a-secret',
        database: 0,
        name: 'agent',
        RESP,
      });
      c.on('error', () => {});
      await c.connect();
      try {
        expect(await c.sendCommand(['HBEAT', `gpu-a-${RESP}`, 'hive-a'])).to.equal(1);
        expect(await c.sendCommand(['HBEAT', 'gpu-b-9', 'hive-a']).then(String, (e: Error) => e.message)).to.equal(
          'NOPERM No permissions to access a key',
        );
      } finally {
        c.destroy();
      }
    }
  });

  it('worker with redis-py', async function () {
    const python = needProgram(this, 'python3-redis');
    const script = [
      'import sys, redis',
      'r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), username="gpu-a", password="gpu-a-secret", client_name="py-agent", decode_responses=True)',
      'print(r.ping(), r.execute_command("HBEAT", "gpu-a-py", "hive-a"))',
      'try:',
      '    r.execute_command("HBEAT", "gpu-b-py", "hive-a")',
      'except redis.exceptions.NoPermissionError as e:',
      '    print("refused:", e)',
    ].join('\n');
    const out = await run(python, ['-c', script, String(fx.port)], { timeout: 30_000 });
    expect(out.stdout).to.equal('True 1\nrefused: No permissions to access a key\n');
  });

  it('worker with redis-cli --user --pass', async function () {
    const cli = needProgram(this, 'redis-cli');
    const as = ['-h', '127.0.0.1', '-p', String(fx.port), '--user', 'gpu-a', '--pass', 'gpu-a-secret', '--no-auth-warning'];
    expect((await run(cli, [...as, 'HBEAT', 'gpu-a-cli', 'hive-a'], { timeout: 20_000 })).stdout).to.equal('1\n');
    const refused = await run(cli, [...as, 'FLUSHALL'], { timeout: 20_000 });
    expect(refused.stdout.trim()).to.equal("NOPERM User gpu-a has no permissions to run the 'flushall' command");
  });

  it('orchestrator: reads, claims, registry:* events and EVENTS.READ; no heartbeats, no deletes', async () => {
    const ops = await fx.ioredis({ username: 'ops', password: 'ops-secret' });
    await ops.call('HBEAT', 'gpu-a-1', 'hive-a', 'STATE', 'Idle', 'MODEL', 'llama', 'URL', 'http://10.0.0.5:8081');
    const o = await fx.ioredis({ protocol: 3, username: 'orchestrator', password: 'orchestrator-secret' });
    const best = (await o.call('WORKER.BEST', 'llama')) as unknown[];
    expect(best).to.include('gpu-a-1');
    expect(await o.call('HIVE.ACTIVE')).to.deep.equal(['hive-a']);
    expect(await o.call('WORKER.URL', 'gpu-a-1')).to.equal('http://10.0.0.5:8081');
    expect(await o.call('HGET', 'worker:gpu-a-1', 'state')).to.equal('Idle');
    const claim = (await o.call('WORKER.CLAIM', 'llama')) as unknown[];
    expect(claim).to.include('gpu-a-1');
    const events = (await o.call('EVENTS.READ', 'SINCE', '0')) as string[];
    expect(events.length).to.be.greaterThan(0);
    const s = await fx.ioredis({ protocol: 2, username: 'orchestrator', password: 'orchestrator-secret' });
    const got = new Promise<string>((resolve) => s.once('pmessage', (_p: string, channel: string) => resolve(channel)));
    await s.psubscribe('registry:*');
    await ops.call('HBEAT', 'gpu-a-2', 'hive-a');
    expect(await got).to.match(/^registry:/);
    expect((await rejection(o.call('HBEAT', 'gpu-a-1', 'hive-a'))).message).to.equal(NOPERM_CMD('orchestrator', 'hbeat'));
    expect((await rejection(o.call('WORKER.DEL', 'gpu-a-1'))).message).to.equal(NOPERM_CMD('orchestrator', 'worker.del'));
    expect((await rejection(o.call('FLUSHALL'))).message).to.equal(NOPERM_CMD('orchestrator', 'flushall'));
    expect((await rejection(o.call('KEYS', '*'))).message).to.equal(NOPERM_CMD('orchestrator', 'keys'));
    expect((await rejection(o.call('SUBSCRIBE', 'elsewhere'))).message).to.equal('NOPERM No permissions to access a channel');
  });

  it('ops: everything, including ACL and the dangerous commands', async () => {
    const ops = await fx.ioredis({ username: 'ops', password: 'ops-secret' });
    expect(await ops.call('ACL', 'USERS')).to.deep.equal(['default', 'gpu-a', 'ops', 'orchestrator']);
    await ops.call('HBEAT', 'w', 'h');
    expect(await ops.call('HIVE.DEL', 'h')).to.equal(1);
    expect(await ops.call('REGISTRY.GUARD', 'AUTO')).to.equal('OK');
    expect(await ops.call('FLUSHALL')).to.equal('OK');
    expect(await ops.call('CONFIG', 'SET', 'protected-mode', 'yes')).to.equal('OK');
  });
});
