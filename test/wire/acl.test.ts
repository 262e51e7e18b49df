// ACL users over the wire with ioredis: a worker limited to its own ids, exact NOPERM texts, ACL LOG and INFO
// counters, AUTH / HELLO AUTH, DELUSER closing connections, requirepass rotation, transactions, channels.

import { expect } from 'chai';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';

const WORKER_RULES = [
  'on',
  '>pw-a',
  'resetchannels',
  '-@all',
  '+@connection',
  '-@dangerous',
  '+info',
  '+hbeat',
  '~worker:gpu-a-*',
  '~hive:hive-a',
];

function infoField(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  if (m === null) throw new Error(`INFO has no ${name}`);
  return Number(m[1]);
}

for (const mode of MODES) {
  describe(`ACL over the wire (ioredis ${mode.name})`, () => {
    let fx: WireFixture;
    let admin: Client;

    beforeEach(async () => {
      fx = await WireFixture.start();
      admin = await fx.ioredis(mode.options);
      expect(await admin.call('ACL', 'SETUSER', 'gpu-a', ...WORKER_RULES)).to.equal('OK');
    });

    afterEach(() => fx.close());

    const worker = () => fx.ioredis({ ...mode.options, username: 'gpu-a', password: 'pw-a' });
    const whoami = async (c: Client) => /(?:^| )user=(\S*)/.exec(String(await c.call('CLIENT', 'INFO')))![1];
    /** AUTH on a fresh connection (ioredis gives up on a failed handshake without the server's words). */
    const authError = async (user: string, password: string) => {
      // RESP2: ioredis' RESP3 handshake (HELLO 3 without AUTH) would be refused before we get to speak.
      const c = await fx.ioredis({ protocol: 2, enableReadyCheck: false });
      // Lower case: ACL LOG names the command as the client typed it, as Redis does.
      return (await rejection(c.call('auth', user, password))).message;
    };

    it('a worker heartbeats its own ids and is refused FLUSHALL, HIVE.DEL and another worker, in Redis 7.2 words', async () => {
      const w = await worker();
      expect(await whoami(w)).to.equal('gpu-a');
      expect(await w.call('HBEAT', 'gpu-a-1', 'hive-a', 'STATE', 'Idle', 'MODEL', 'm')).to.equal(1);
      expect(await w.call('HBEAT', 'gpu-a-1', 'hive-a', 'GPU', '40')).to.equal(0);
      expect((await rejection(w.call('FLUSHALL'))).message).to.equal("NOPERM User gpu-a has no permissions to run the 'flushall' command");
      expect((await rejection(w.call('HIVE.DEL', 'hive-a'))).message).to.equal(
        "NOPERM User gpu-a has no permissions to run the 'hive.del' command",
      );
      expect((await rejection(w.call('HBEAT', 'gpu-b-1', 'hive-a', 'URL', 'http://evil.example:9999'))).message).to.equal(
        'NOPERM No permissions to access a key',
      );
      expect((await rejection(w.call('HBEAT', 'gpu-a-2', 'hive-b'))).message).to.equal('NOPERM No permissions to access a key');
      expect((await rejection(w.call('HBEAT', 'JSON', '{"worker_id":"gpu-b-1","hive_id":"hive-a"}'))).message).to.equal(
        'NOPERM No permissions to access a key',
      );
      expect((await rejection(w.call('CLIENT', 'KILL', 'ID', '1'))).message).to.equal(
        "NOPERM User gpu-a has no permissions to run the 'client|kill' command",
      );
      // Nothing the refused commands asked for happened.
      expect(await admin.call('WORKER.COUNT')).to.equal(1);
      expect(await admin.call('WORKER.GET', 'gpu-b-1')).to.equal(null);
    });

    it('every denial goes to ACL LOG and the INFO counters', async () => {
      const w = await worker();
      await rejection(w.call('FLUSHALL'));
      await rejection(w.call('FLUSHALL'));
      await rejection(w.call('HBEAT', 'gpu-b-1', 'hive-a'));
      expect(await authError('gpu-a', 'nope')).to.equal('WRONGPASS invalid username-password pair or user is disabled.');
      const [auth, key, cmd] = ((await admin.call('ACL', 'LOG')) as unknown[]).map(record);
      expect(cmd).to.include({ count: 2, reason: 'command', context: 'toplevel', object: 'flushall', username: 'gpu-a' });
      expect(key).to.include({ count: 1, reason: 'key', object: 'worker:gpu-b-1', username: 'gpu-a' });
      expect(auth).to.include({ count: 1, reason: 'auth', object: 'auth', username: 'gpu-a' });
      expect(Object.keys(cmd!)).to.deep.equal([
        'count',
        'reason',
        'context',
        'object',
        'username',
        'age-seconds',
        'client-info',
        'entry-id',
        'timestamp-created',
        'timestamp-last-updated',
      ]);
      expect(cmd!['client-info']).to.match(/^id=\d+ addr=127\.0\.0\.1:\d+ .* user=gpu-a /);
      expect(Number(cmd!['age-seconds'])).to.be.within(0, 60);
      expect([cmd, key, auth].map((e) => e!['entry-id'])).to.deep.equal([0, 1, 2]);
      expect(((await admin.call('ACL', 'LOG', '1')) as unknown[]).length).to.equal(1);
      const info = (await admin.call('INFO', 'stats')) as string;
      expect([
        infoField(info, 'acl_access_denied_auth'),
        infoField(info, 'acl_access_denied_cmd'),
        infoField(info, 'acl_access_denied_key'),
        infoField(info, 'acl_access_denied_channel'),
      ]).to.deep.equal([1, 2, 1, 0]);
      expect(await admin.call('ACL', 'LOG', 'RESET')).to.equal('OK');
      expect(await admin.call('ACL', 'LOG')).to.deep.equal([]);
      expect((await rejection(admin.call('ACL', 'LOG', '-1'))).message).to.equal('ERR value is out of range, must be positive');
    });

    it('HELLO 3 AUTH user pass SETNAME logs in and names the connection; CLIENT LIST shows the user', async () => {
      const raw = fx.ioredisLazy({ ...mode.options, enableReadyCheck: false });
      await raw.connect();
      const hello = record(await raw.call('HELLO', '3', 'AUTH', 'gpu-a', 'pw-a', 'SETNAME', 'agent-1'));
      expect(hello.proto).to.equal(3);
      expect(await whoami(raw)).to.equal('gpu-a');
      const list = (await admin.call('CLIENT', 'LIST')) as string;
      expect(list).to.match(/name=agent-1 .* user=gpu-a /);
      expect((await rejection(raw.call('HeLLo', '3', 'AUTH', 'gpu-a', 'wrong'))).message).to.equal(
        'WRONGPASS invalid username-password pair or user is disabled.',
      );
      expect(await whoami(raw)).to.equal('gpu-a');
      const [entry] = ((await admin.call('ACL', 'LOG', '1')) as unknown[]).map(record);
      expect(entry).to.include({ reason: 'auth', object: 'HeLLo', username: 'gpu-a' });
    });

    it('a disabled user cannot log in; ACL SETUSER changes apply to connections at once', async () => {
      const w = await worker();
      expect(await admin.call('ACL', 'SETUSER', 'gpu-a', '-hbeat')).to.equal('OK');
      expect((await rejection(w.call('HBEAT', 'gpu-a-1', 'hive-a'))).message).to.equal(
        "NOPERM User gpu-a has no permissions to run the 'hbeat' command",
      );
      await admin.call('ACL', 'SETUSER', 'gpu-a', 'off');
      expect(await authError('gpu-a', 'pw-a')).to.equal('WRONGPASS invalid username-password pair or user is disabled.');
    });

    it("ACL DELUSER closes that user's connections only", async () => {
      const w = await worker();
      const closed = new Promise<void>((resolve) => w.once('end', () => resolve()));
      expect(await admin.call('ACL', 'DELUSER', 'gpu-a', 'nobody')).to.equal(1);
      await closed;
      expect(await admin.call('PING')).to.equal('PONG');
      expect(await admin.call('ACL', 'USERS')).to.deep.equal(['default']);
      expect((await rejection(admin.call('ACL', 'DELUSER', 'default'))).message).to.equal("ERR The 'default' user cannot be removed");
    });

    it('CONFIG SET requirepass rotates the default password at run time', async () => {
      expect(await admin.call('CONFIG', 'SET', 'requirepass', 'first')).to.equal('OK');
      // The connection already logged in stays logged in, as in Redis.
      expect(await admin.call('PING')).to.equal('PONG');
      const anon = fx.ioredisLazy({ protocol: 2, enableReadyCheck: false });
      await anon.connect();
      expect((await rejection(anon.call('WORKER.COUNT'))).message).to.equal('NOAUTH Authentication required.');
      expect(await anon.call('AUTH', 'first')).to.equal('OK');
      await admin.call('CONFIG', 'SET', 'requirepass', 'second');
      expect(await authError('default', 'first')).to.equal('WRONGPASS invalid username-password pair or user is disabled.');
      const rotated = await fx.ioredis({ ...mode.options, password: 'second' });
      expect(await rotated.call('ACL', 'WHOAMI')).to.equal('default');
      expect(await admin.call('CONFIG', 'GET', 'requirepass')).to.deep.equal(
        mode.resp === 3 ? { requirepass: '(set)' } : ['requirepass', '(set)'],
      );
      expect(await admin.call('CONFIG', 'SET', 'requirepass', '')).to.equal('OK');
      expect(await fx.ioredis(mode.options).then((c) => c.call('PING'))).to.equal('PONG');
    });

    it('in MULTI a denied command fails to queue (EXECABORT); rights lost before EXEC fail that command only', async () => {
      await admin.call('ACL', 'SETUSER', 'gpu-a', '+@transaction');
      const w = await worker();
      await w.call('MULTI');
      expect((await rejection(w.call('FLUSHALL'))).message).to.equal("NOPERM User gpu-a has no permissions to run the 'flushall' command");
      expect((await rejection(w.call('EXEC'))).message).to.equal('EXECABORT Transaction discarded because of previous errors.');
      // ioredis' multi() would queue through its own pipeline; speak MULTI by hand to control the timing.
      expect(await w.call('MULTI')).to.equal('OK');
      expect(await w.call('HBEAT', 'gpu-a-1', 'hive-a')).to.equal('QUEUED');
      expect(await w.call('PING')).to.equal('QUEUED');
      await admin.call('ACL', 'SETUSER', 'gpu-a', '-hbeat');
      const replies = (await w.call('EXEC')) as unknown[];
      expect(replies).to.have.length(2);
      expect(String(replies[0])).to.match(/NOPERM User gpu-a has no permissions to run the 'hbeat' command/);
      expect(replies[1]).to.equal('PONG');
      const [entry] = ((await admin.call('ACL', 'LOG', '1')) as unknown[]).map(record);
      expect(entry).to.include({ reason: 'command', context: 'multi', object: 'hbeat' });
      expect(await admin.call('WORKER.COUNT')).to.equal(0);
    });

    it('channels: SUBSCRIBE, PSUBSCRIBE (literal cover) and PUBLISH follow the & rules', async () => {
      await admin.call(
        'ACL',
        'SETUSER',
        'watcher',
        'on',
        '>pw',
        'resetchannels',
        '&registry:*',
        '-@all',
        '+@connection',
        '-@dangerous',
        '+info',
        '+@pubsub',
      );
      const s = await fx.ioredis({ ...mode.options, username: 'watcher', password: 'pw' });
      expect((await rejection(s.call('PSUBSCRIBE', 'registry:worker.*'))).message).to.equal('NOPERM No permissions to access a channel');
      expect((await rejection(s.call('PUBLISH', 'elsewhere', 'x'))).message).to.equal('NOPERM No permissions to access a channel');
      await admin.call('ACL', 'SETUSER', 'watcher', '&own');
      expect(await s.call('PUBLISH', 'own', 'x')).to.equal(0);
      const got = new Promise<string>((resolve) => s.once('pmessage', (_p: string, channel: string) => resolve(channel)));
      await s.psubscribe('registry:*');
      await admin.call('HBEAT', 'w1', 'h1');
      expect(await got).to.match(/^registry:worker\./);
      const info = (await admin.call('INFO', 'stats')) as string;
      expect(infoField(info, 'acl_access_denied_channel')).to.equal(2);
      expect(record(await admin.call('ACL', 'GETUSER', 'watcher')).channels).to.equal('&registry:* &own');
    });

    it('GETUSER, LIST, USERS, CAT, GENPASS, DRYRUN', async () => {
      const u = record(await admin.call('ACL', 'GETUSER', 'gpu-a'));
      expect(u.flags).to.deep.equal(['on', 'sanitize-payload']);
      expect(u.passwords).to.have.length(1);
      expect(u.passwords).to.deep.equal(['' + (u.passwords as string[])[0]]);
      expect((u.passwords as string[])[0]).to.match(/^[0-9a-f]{64}$/);
      expect(u.commands).to.equal('-@all +@connection -@dangerous +info +hbeat');
      expect(u.keys).to.equal('~worker:gpu-a-* ~hive:hive-a');
      expect(u.channels).to.equal('');
      expect(u.selectors).to.deep.equal([]);
      expect(await admin.call('ACL', 'GETUSER', 'nobody')).to.equal(null);
      expect(await admin.call('ACL', 'LIST')).to.deep.equal([
        'user default on nopass sanitize-payload ~* &* +@all',
        `user gpu-a on sanitize-payload #${(u.passwords as string[])[0]} ~worker:gpu-a-* ~hive:hive-a resetchannels -@all +@connection -@dangerous +info +hbeat`,
      ]);
      expect(await admin.call('ACL', 'USERS')).to.deep.equal(['default', 'gpu-a']);
      expect(await admin.call('ACL', 'CAT')).to.include.members([
        'read',
        'write',
        'admin',
        'dangerous',
        'connection',
        'registry',
        'heartbeat',
      ]);
      expect(await admin.call('ACL', 'CAT', 'heartbeat')).to.deep.equal(['hbeat']);
      expect(await admin.call('ACL', 'CAT', 'dangerous')).to.include.members([
        'flushall',
        'hive.del',
        'worker.del',
        'registry.guard',
        'config|set',
        'client|kill',
        'save',
      ]);
      expect((await rejection(admin.call('ACL', 'CAT', 'nope'))).message).to.equal("ERR Unknown category 'nope'");
      expect(await admin.call('ACL', 'GENPASS')).to.match(/^[0-9a-f]{64}$/);
      expect(await admin.call('ACL', 'GENPASS', '5')).to.match(/^[0-9a-f]{2}$/);
      expect(await admin.call('ACL', 'DRYRUN', 'gpu-a', 'HBEAT', 'gpu-a-9', 'hive-a')).to.equal('OK');
      expect(await admin.call('ACL', 'DRYRUN', 'gpu-a', 'HBEAT', 'gpu-b-1', 'hive-a')).to.equal(
        "User gpu-a has no permissions to access the 'worker:gpu-b-1' key",
      );
      expect(await admin.call('ACL', 'DRYRUN', 'gpu-a', 'FLUSHALL')).to.equal(
        "User gpu-a has no permissions to run the 'flushall' command",
      );
      expect((await rejection(admin.call('ACL', 'DRYRUN', 'nobody', 'PING'))).message).to.equal("ERR User 'nobody' not found");
      expect((await rejection(admin.call('ACL', 'DRYRUN', 'gpu-a', 'NOPE'))).message).to.equal("ERR Command 'NOPE' not found");
      expect((await rejection(admin.call('ACL', 'SETUSER', 'gpu-a', '+hbeat', '+nosuch'))).message).to.equal(
        "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
      );
      expect((await rejection(admin.call('ACL', 'SETUSER', 'x', 'bogus'))).message).to.equal(
        "ERR Error in ACL SETUSER modifier 'bogus': Syntax error",
      );
      expect(await admin.call('ACL', 'USERS')).to.deep.equal(['default', 'gpu-a']);
    });
  });
}
