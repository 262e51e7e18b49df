// Connection and server commands through ioredis over a real socket: the ready check, CLIENT, SELECT, HELLO,
// AUTH, CONFIG, COMMAND, INFO, TIME, PING/ECHO, QUIT, RESET, CLIENT KILL and maxclients.

import { expect } from 'chai';
import { RawClient } from '../helpers/server.js';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';
import { fitMaxClients, openFilesLimit } from '../../src/server/open-files.js';

/** One CLIENT LIST / CLIENT INFO line as fields. */
function clientFields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of line.trim().split(' ')) {
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function clientList(r: Client): Promise<Array<Record<string, string>>> {
  const text = String(await r.call('CLIENT', 'LIST'));
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map(clientFields);
}

/** `# Section` → { key: value } from an INFO reply. */
function infoSections(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | null = null;
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) sections.set(line.slice(2), (current = {}));
    else if (line.length > 0) {
      const colon = line.indexOf(':');
      expect(current, `line outside a section: ${line}`).to.not.equal(null);
      current![line.slice(0, colon)] = line.slice(colon + 1);
    }
  }
  return sections;
}

/**
 * Whether a connection leaves CLIENT LIST: the server forgets it once it has seen the socket close, which may
 * be a moment after the client saw it; each try is a real round trip, and the tries are bounded.
 */
async function goneFromList(r: Client, field: string, value: string): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (!(await clientList(r)).some((c) => c[field] === value)) return true;
  }
  return false;
}

/** Resolves when an ioredis client has seen its connection close. */
function ended(c: Client): Promise<void> {
  return new Promise((resolve) => (c.status === 'end' ? resolve() : c.once('end', () => resolve())));
}

for (const mode of MODES) {
  describe(`ioredis ${mode.name}: connection and server commands`, () => {
    let fx: WireFixture;
    let r: Client;

    beforeEach(async () => {
      fx = await WireFixture.start();
      r = await fx.ioredis(mode.options);
    });

    afterEach(async () => {
      await fx.close();
    });

    it("passes ioredis' ready check: it sent INFO after its handshake and read loading:0", async () => {
      const checked = await fx.ioredis({ ...mode.options, connectionName: 'ready-checked', enableReadyCheck: true });
      expect(checked.status).to.equal('ready');
      const line = (await clientList(r)).find((c) => c.name === 'ready-checked');
      expect(line, 'the ready-checked client in CLIENT LIST').to.not.equal(undefined);
      expect(line!.cmd).to.equal('info');
      expect(line!.resp).to.equal(String(mode.resp));
      expect(infoSections(String(await checked.call('INFO'))).get('Persistence')).to.include({ loading: '0' });
    });

    describe('CLIENT', () => {
      it('ID, INFO and LIST agree on the connection; ioredis set its library with CLIENT SETINFO', async () => {
        const id = await r.call('CLIENT', 'ID');
        expect(id).to.be.a('number');
        const info = clientFields(String(await r.call('CLIENT', 'INFO')));
        expect(info).to.include({
          id: String(id),
          db: '0',
          resp: String(mode.resp),
          'lib-name': 'ioredis',
          cmd: 'client|info',
          multi: '-1',
        });
        expect(info['lib-ver']).to.match(/^\d+\.\d+\.\d+/);
        const other = await fx.ioredis(mode.options);
        const otherId = await other.call('CLIENT', 'ID');
        expect(otherId).to.not.equal(id);
        const list = await clientList(r);
        expect(list.map((c) => Number(c.id)).sort()).to.deep.equal([id, otherId].sort());
        const only = String(await r.call('CLIENT', 'LIST', 'ID', String(otherId)));
        expect(only.trim().split('\n')).to.have.length(1);
        expect(clientFields(only).id).to.equal(String(otherId));
        expect((await rejection(r.call('CLIENT', 'LIST', 'ID', 'abc'))).message).to.equal('ERR Invalid client ID');
      });

      it('SETNAME / GETNAME, and the connectionName option', async () => {
        expect(await r.call('CLIENT', 'GETNAME')).to.equal(null);
        expect(await r.call('CLIENT', 'SETNAME', 'orchestrator-1')).to.equal('OK');
        expect(await r.call('CLIENT', 'GETNAME')).to.equal('orchestrator-1');
        expect((await rejection(r.call('CLIENT', 'SETNAME', 'bad name'))).message).to.equal(
          'ERR Client names cannot contain spaces, newlines or special characters.',
        );
        expect(await r.call('CLIENT', 'GETNAME')).to.equal('orchestrator-1');
        expect(clientFields(String(await r.call('CLIENT', 'INFO'))).name).to.equal('orchestrator-1');
        expect(await r.call('CLIENT', 'SETNAME', '')).to.equal('OK');
        expect(await r.call('CLIENT', 'GETNAME')).to.equal(null);
        const named = await fx.ioredis({ ...mode.options, connectionName: 'worker-agent' });
        expect(await named.call('CLIENT', 'GETNAME')).to.equal('worker-agent');
      });

      it('SETINFO sets the library name and version; bad attributes are refused', async () => {
        expect(await r.call('CLIENT', 'SETINFO', 'LIB-NAME', 'rbee-agent')).to.equal('OK');
        expect(await r.call('CLIENT', 'SETINFO', 'lib-ver', '1.2.3')).to.equal('OK');
        expect(clientFields(String(await r.call('CLIENT', 'INFO')))).to.include({ 'lib-name': 'rbee-agent', 'lib-ver': '1.2.3' });
        expect((await rejection(r.call('CLIENT', 'SETINFO', 'COLOR', 'red'))).message).to.equal("ERR Unrecognized option 'COLOR'");
        expect((await rejection(r.call('CLIENT', 'SETINFO', 'LIB-NAME', 'a b'))).message).to.equal(
          'ERR lib-name cannot contain spaces, newlines or special characters.',
        );
        expect(clientFields(String(await r.call('CLIENT', 'INFO')))['lib-name']).to.equal('rbee-agent');
      });

      it('KILL ID closes the other connection at once, even while it is idle', async () => {
        const victim = await fx.ioredis(mode.options);
        const victimId = await victim.call('CLIENT', 'ID');
        const gone = ended(victim);
        expect(await r.call('CLIENT', 'KILL', 'ID', String(victimId))).to.equal(1);
        await gone;
        expect(await goneFromList(r, 'id', String(victimId))).to.equal(true);
        expect(await r.call('CLIENT', 'KILL', 'ID', String(victimId))).to.equal(0);
      });
    });

    it('SELECT 0 is accepted; any other database is out of range', async () => {
      expect(await r.call('SELECT', '0')).to.equal('OK');
      expect((await rejection(r.call('SELECT', '1'))).message).to.equal('ERR DB index is out of range');
      expect((await rejection(r.call('SELECT', 'one'))).message).to.equal('ERR value is not an integer or out of range');
      const db0 = await fx.ioredis({ ...mode.options, db: 0 });
      expect(await db0.call('PING')).to.equal('PONG');
    });

    describe('HELLO', () => {
      it('without a version reports the current protocol; 2 and 3 switch it; 4 is NOPROTO and changes nothing', async () => {
        const hello = record(await r.call('HELLO'));
        expect(hello).to.include({ server: 'rbee-registry', version: '7.2.0', proto: mode.resp, mode: 'standalone', role: 'master' });
        expect(hello.id).to.equal(await r.call('CLIENT', 'ID'));
        expect(hello.modules).to.deep.equal([]);

        const other = mode.resp === 2 ? 3 : 2;
        expect(record(await r.call('HELLO', String(other))).proto).to.equal(other);
        expect(clientFields(String(await r.call('CLIENT', 'INFO'))).resp).to.equal(String(other));
        expect((await rejection(r.call('HELLO', '4'))).message).to.equal('NOPROTO unsupported protocol version');
        expect((await rejection(r.call('HELLO', '1'))).message).to.equal('NOPROTO unsupported protocol version');
        expect((await rejection(r.call('HELLO', 'three'))).message).to.equal('ERR Protocol version is not an integer or out of range');
        expect(clientFields(String(await r.call('CLIENT', 'INFO'))).resp).to.equal(String(other));
        expect(record(await r.call('HELLO', String(mode.resp))).proto).to.equal(mode.resp);
      });

      it('SETNAME names the connection; a bad option is a syntax error', async () => {
        expect(record(await r.call('HELLO', String(mode.resp), 'SETNAME', 'via-hello')).proto).to.equal(mode.resp);
        expect(await r.call('CLIENT', 'GETNAME')).to.equal('via-hello');
        expect((await rejection(r.call('HELLO', '3', 'COLOR', 'red'))).message).to.equal("ERR Syntax error in HELLO option 'COLOR'");
        expect((await rejection(r.call('HELLO', '3', 'AUTH', 'alice', 'pw'))).message).to.equal(
          'WRONGPASS invalid username-password pair or user is disabled.',
        );
        expect(clientFields(String(await r.call('CLIENT', 'INFO'))).resp).to.equal(String(mode.resp));
      });
    });

    it('AUTH without a configured password is refused in Redis words', async () => {
      expect((await rejection(r.call('AUTH', 'secret'))).message).to.equal(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    });

    it('CONFIG GET answers save and appendonly, and matches globs', async () => {
      expect(record(await r.call('CONFIG', 'GET', 'save'))).to.deep.equal({ save: '' });
      expect(record(await r.call('CONFIG', 'GET', 'appendonly'))).to.deep.equal({ appendonly: 'no' });
      expect(record(await r.call('CONFIG', 'GET', 'DATABASES'))).to.deep.equal({ databases: '1' });
      const proto = record(await r.call('CONFIG', 'GET', 'proto-*'));
      expect(Object.keys(proto).sort()).to.deep.equal(['proto-inline-max-size', 'proto-max-bulk-len', 'proto-max-multibulk-len']);
      expect(proto['proto-max-bulk-len']).to.equal('16777216');
      expect(record(await r.call('CONFIG', 'GET', 'port', 'p?rt', 'offline-after'))).to.deep.equal({
        port: String(fx.port),
        'offline-after': '30000',
      });
      const all = record(await r.call('CONFIG', 'GET', '*'));
      // maxclients: 10000 unless this machine's open-file limit lowered it at start.
      const maxclients = String(fitMaxClients(10_000, openFilesLimit()).maxclients);
      expect(all).to.include({ save: '', appendonly: 'no', maxclients, timeout: '0', bind: '127.0.0.1' });
      expect(record(await r.call('CONFIG', 'GET', 'no-such-*'))).to.deep.equal({});
      expect((await rejection(r.call('CONFIG', 'GET'))).message).to.equal("ERR wrong number of arguments for 'config|get' command");
    });

    it('CONFIG SET changes a settable parameter and refuses immutable or invalid ones', async () => {
      expect(await r.call('CONFIG', 'SET', 'maxclients', '500')).to.equal('OK');
      expect(record(await r.call('CONFIG', 'GET', 'maxclients'))).to.deep.equal({ maxclients: '500' });
      expect((await rejection(r.call('CONFIG', 'SET', 'port', '1'))).message).to.equal(
        "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config",
      );
      expect((await rejection(r.call('CONFIG', 'SET', 'maxclients', '7', 'proto-max-bulk-len', 'huge'))).message).to.match(
        /^ERR CONFIG SET failed \(possibly related to argument 'proto-max-bulk-len'\) - /,
      );
      expect(record(await r.call('CONFIG', 'GET', 'maxclients', 'proto-max-bulk-len'))).to.deep.equal({
        maxclients: '500',
        'proto-max-bulk-len': '16777216',
      });
      expect((await rejection(r.call('CONFIG', 'SET', 'nope', '1'))).message).to.equal(
        "ERR Unknown option or number of arguments for CONFIG SET - 'nope'",
      );
    });

    describe('COMMAND', () => {
      it('COUNT, LIST and the bare COMMAND agree with the command table', async () => {
        const count = await r.call('COMMAND', 'COUNT');
        expect(count).to.equal(fx.server.server.commands.size);
        const names = (await r.call('COMMAND', 'LIST')) as string[];
        expect(names.filter((n) => !n.includes('|'))).to.have.length(count as number);
        expect(names).to.include.members(['hbeat', 'hive.get', 'worker.best', 'client|setinfo', 'command|docs', 'config|get']);
        expect(((await r.call('COMMAND')) as unknown[]).length).to.equal(count);
        const hive = (await r.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'hive.*')) as string[];
        expect([...hive].sort()).to.deep.equal([
          'hive.active',
          'hive.count',
          'hive.del',
          'hive.get',
          'hive.list',
          'hive.online',
          'hive.res',
          'hive.workers',
        ]);
        const registry = (await r.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'registry')) as string[];
        expect(registry.filter((n) => n.startsWith('worker.')).sort()).to.deep.equal([
          'worker.best',
          'worker.claim',
          'worker.count',
          'worker.del',
          'worker.get',
          'worker.list',
          'worker.release',
          'worker.url',
        ]);
        expect(registry).to.include.members(hive);
      });

      it("INFO gives Redis' entry shape; nil for an unknown command", async () => {
        const [hbeat, unknown, sub] = (await r.call('COMMAND', 'INFO', 'HBEAT', 'nope', 'client|id')) as unknown[][];
        expect(hbeat!.slice(0, 8)).to.deep.equal([
          'hbeat',
          -3,
          ['write', 'fast', 'movablekeys'],
          1,
          2,
          1,
          ['@registry', '@heartbeat', '@write', '@fast'],
          [],
        ]);
        const specs = (hbeat![8] as unknown[]).map(record);
        expect(specs.map((s) => s.flags)).to.deep.equal([
          ['RW', 'INSERT', 'UPDATE'],
          ['RW', 'INSERT'],
        ]);
        expect(record(specs[1]!.begin_search)).to.deep.include({ type: 'index' });
        expect(record(record(specs[1]!.begin_search).spec)).to.deep.equal({ index: 2 });
        expect(record(record(specs[0]!.find_keys).spec)).to.deep.equal({ lastkey: 0, keystep: 1, limit: 0 });
        expect(hbeat![9]).to.deep.equal([]);
        expect(unknown).to.equal(null);
        expect(sub!.slice(0, 2)).to.deep.equal(['client|id', 2]);
        const [client] = (await r.call('COMMAND', 'INFO', 'client')) as unknown[][];
        expect(client![0]).to.equal('client');
        expect((client![9] as unknown[][]).map((s) => s[0])).to.include.members(['client|id', 'client|setname', 'client|list']);
      });

      it('DOCS describes the arguments (redis-cli builds its hints from them)', async () => {
        const docs = record(await r.call('COMMAND', 'DOCS', 'hbeat', 'nope', 'worker.url'));
        expect(Object.keys(docs)).to.deep.equal(['hbeat', 'worker.url']);
        const hbeat = record(docs.hbeat);
        expect(hbeat).to.include({ since: '0.1.0', group: 'registry' });
        expect(hbeat.summary)
          .to.be.a('string')
          .and.match(/heartbeat/i);
        const [oneof] = hbeat.arguments as unknown[];
        const heartbeat = record(oneof);
        expect(heartbeat).to.include({ name: 'heartbeat', type: 'oneof' });
        const [fields, json] = (heartbeat.arguments as unknown[]).map(record);
        expect(fields).to.include({ name: 'fields', type: 'block' });
        expect(json).to.include({ name: 'payload', type: 'string', token: 'JSON' });
        const state = (fields!.arguments as unknown[]).map(record).find((a) => a.token === 'STATE');
        expect(state).to.include({ name: 'state', type: 'string' });
        expect(state!.flags).to.deep.equal(['optional']);
        const url = record(docs['worker.url']);
        expect((url.arguments as unknown[]).map(record)).to.deep.equal([{ name: 'worker_id', type: 'string' }]);
        expect(Object.keys(record(await r.call('COMMAND', 'DOCS', 'nope')))).to.deep.equal([]);
      });

      it("GETKEYS: worker:<id> and hive:<id>, also from the JSON form; errors in Redis' words", async () => {
        expect(await r.call('COMMAND', 'GETKEYS', 'HBEAT', 'w', 'h', 'STATE', 'Idle')).to.deep.equal(['worker:w', 'hive:h']);
        expect(await r.call('COMMAND', 'GETKEYS', 'HBEAT', 'JSON', '{"worker_id":"w1","hive_id":"h1"}')).to.deep.equal([
          'worker:w1',
          'hive:h1',
        ]);
        expect(await r.call('COMMAND', 'GETKEYS', 'HIVE.DEL', 'h')).to.deep.equal(['hive:h']);
        expect(await r.call('COMMAND', 'GETKEYS', 'worker.url', 'w')).to.deep.equal(['worker:w']);
        expect((await rejection(r.call('COMMAND', 'GETKEYS', 'WORKER.BEST', 'm'))).message).to.equal(
          'ERR The command has no key arguments',
        );
        expect((await rejection(r.call('COMMAND', 'GETKEYS', 'WORKER.GET'))).message).to.equal(
          'ERR Invalid number of arguments specified for command',
        );
        expect((await rejection(r.call('COMMAND', 'GETKEYS', 'nope', 'x'))).message).to.equal('ERR Invalid command specified');
      });
    });

    it('INFO has every section by default, single sections on request, and the registry counts', async () => {
      await r.call('HBEAT', 'w1', 'h1');
      await r.call('HBEAT', 'w2', 'h1');
      fx.clock.advance(30_000);
      await r.call('HBEAT', 'w3', 'h2');
      const all = infoSections(String(await r.call('INFO')));
      expect([...all.keys()]).to.include.members([
        'Server',
        'Clients',
        'Memory',
        'Persistence',
        'Stats',
        'Replication',
        'CPU',
        'Registry',
        'Keyspace',
      ]);
      expect(all.get('Server')).to.include({ redis_version: '7.2.0', redis_mode: 'standalone', tcp_port: String(fx.port) });
      expect(all.get('Registry')).to.include({
        workers: '3',
        workers_online: '1',
        hives: '2',
        hives_online: '1',
        offline_after_ms: '30000',
      });
      expect(all.get('Keyspace')).to.deep.equal({ db0: 'keys=5,expires=0,avg_ttl=0' }); // 3 workers + 2 hives
      const registry = infoSections(String(await r.call('INFO', 'REGISTRY')));
      expect([...registry.keys()]).to.deep.equal(['Registry']);
      const two = infoSections(String(await r.call('INFO', 'clients', 'server')));
      expect([...two.keys()]).to.deep.equal(['Server', 'Clients']);
      expect(two.get('Clients')!.connected_clients).to.equal('1');
      expect(await r.call('INFO', 'no-such-section')).to.equal('');
    });

    it('TIME is the wall clock as [seconds, microseconds]', async () => {
      const before = Date.now();
      const [seconds, micros] = (await r.call('TIME')) as [string, string];
      const after = Date.now();
      expect(seconds).to.match(/^\d+$/);
      expect(micros).to.match(/^\d+$/);
      expect(Number(micros)).to.be.below(1_000_000);
      // The server reads a monotonic clock anchored at process start, which may sit a little off Date.now().
      const ms = Number(seconds) * 1000 + Number(micros) / 1000;
      expect(ms).to.be.within(before - 1000, after + 1000);
    });

    it('PING, PING message, ECHO (binary-safe)', async () => {
      expect(await r.call('PING')).to.equal('PONG');
      expect(await r.call('PING', 'hello there')).to.equal('hello there');
      expect(await r.call('ECHO', 'grüße ✓')).to.equal('grüße ✓');
      const binary = Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x24, 0x2d, 0x31, 0x0d, 0x0a, 0x80]);
      expect(Buffer.compare(await r.echoBuffer(binary), binary)).to.equal(0);
      expect(Buffer.compare((await r.callBuffer('PING', binary)) as Buffer, binary)).to.equal(0);
    });

    it('QUIT replies OK and the server closes the connection', async () => {
      const leaving = await fx.ioredis({ ...mode.options, connectionName: 'leaving' });
      const gone = ended(leaving);
      expect(await leaving.quit()).to.equal('OK');
      await gone;
      expect(await goneFromList(r, 'name', 'leaving')).to.equal(true);
    });

    it('RESET ends a transaction, forgets the name and goes back to RESP2', async () => {
      await r.call('CLIENT', 'SETNAME', 'to-forget');
      await r.call('HBEAT', 'w', 'h', 'GPU', '12.5');
      expect(await r.call('MULTI')).to.equal('OK');
      expect(await r.call('HBEAT', 'w2', 'h')).to.equal('QUEUED');
      expect(await r.call('RESET')).to.equal('RESET');
      expect((await rejection(r.call('EXEC'))).message).to.equal('ERR EXEC without MULTI');
      expect(await r.call('WORKER.COUNT')).to.equal(1);
      expect(await r.call('CLIENT', 'GETNAME')).to.equal(null);
      expect(clientFields(String(await r.call('CLIENT', 'INFO')))).to.include({ resp: '2', name: '' });
      // Whatever the client asked for, the server now sends RESP2: a flat array with the double as a string.
      const res = await r.call('WORKER.GET', 'w');
      expect(res).to.be.an('array');
      expect(record(res).gpu_percent).to.equal('12.5');
    });
  });
}

describe('ioredis against a server with a password', () => {
  const PASSWORD = 's3cret';
  const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
  let fx: WireFixture;

  beforeEach(async () => {
    fx = await WireFixture.start({ requirePass: PASSWORD });
  });

  afterEach(async () => {
    await fx.close();
  });

  it('refuses commands with NOAUTH until AUTH; a wrong password is WRONGPASS; nothing runs before', async () => {
    const r = await fx.ioredis({ protocol: 2, enableReadyCheck: false });
    expect((await rejection(r.call('HBEAT', 'w', 'h'))).message).to.equal('NOAUTH Authentication required.');
    expect((await rejection(r.call('PING'))).message).to.equal('NOAUTH Authentication required.');
    expect((await rejection(r.call('CLIENT', 'ID'))).message).to.equal('NOAUTH Authentication required.');
    expect((await rejection(r.call('AUTH', 'wrong'))).message).to.equal(WRONGPASS);
    expect((await rejection(r.call('AUTH', 'default', 'wrong'))).message).to.equal(WRONGPASS);
    expect((await rejection(r.call('AUTH', 'alice', PASSWORD))).message).to.equal(WRONGPASS);
    expect((await rejection(r.call('WORKER.COUNT'))).message).to.equal('NOAUTH Authentication required.');
    expect(await r.call('AUTH', PASSWORD)).to.equal('OK');
    expect(await r.call('WORKER.COUNT')).to.equal(0);
    expect(await r.call('HBEAT', 'w', 'h')).to.equal(1);
    expect(await r.call('AUTH', 'default', PASSWORD)).to.equal('OK');
  });

  it('HELLO needs AUTH when not authenticated; HELLO 3 AUTH authenticates and switches protocol at once', async () => {
    const r = await fx.ioredis({ protocol: 2, enableReadyCheck: false });
    expect((await rejection(r.call('HELLO', '3'))).message).to.match(/^NOAUTH HELLO must be called with the client already authenticated/);
    expect((await rejection(r.call('HELLO', '3', 'AUTH', 'default', 'wrong'))).message).to.equal(WRONGPASS);
    expect((await rejection(r.call('PING'))).message).to.equal('NOAUTH Authentication required.');
    const hello = record(await r.call('HELLO', '3', 'AUTH', 'default', PASSWORD, 'SETNAME', 'authed'));
    expect(hello).to.include({ proto: 3, server: 'rbee-registry' });
    expect(await r.call('CLIENT', 'GETNAME')).to.equal('authed');
    expect(await r.call('PING')).to.equal('PONG');
  });

  for (const protocol of [2, 3] as const) {
    it(`ioredis with the password option connects (RESP${protocol}: ${protocol === 3 ? 'HELLO 3 AUTH' : 'AUTH'})`, async () => {
      const r = await fx.ioredis({ protocol, password: PASSWORD });
      expect(r.status).to.equal('ready');
      expect(await r.call('HBEAT', 'w', 'h')).to.equal(1);
      expect(clientFields(String(await r.call('CLIENT', 'INFO')))).to.include({ resp: String(protocol), 'lib-name': 'ioredis' });
    });

    it(`ioredis with a wrong password fails to connect with WRONGPASS (RESP${protocol})`, async () => {
      const r = fx.ioredisLazy({ protocol, password: 'wrong' });
      const errors: string[] = [];
      r.on('error', (e: Error) => errors.push(e.message));
      await rejection(r.connect());
      expect(errors).to.include(WRONGPASS);
      const check = await fx.ioredis({ protocol, password: PASSWORD });
      expect(await check.call('WORKER.COUNT')).to.equal(0);
    });
  }

  it('ioredis with RESP3 and no password is refused at HELLO', async () => {
    const r = fx.ioredisLazy({ protocol: 3 });
    const errors: string[] = [];
    r.on('error', (e: Error) => errors.push(e.message));
    await rejection(r.connect());
    expect(errors.some((m) => m.startsWith('NOAUTH HELLO must be called'))).to.equal(true);
  });

  it('QUIT needs no authentication; RESET forgets it', async () => {
    const r = await fx.ioredis({ protocol: 2, password: PASSWORD });
    expect(await r.call('PING')).to.equal('PONG');
    expect(await r.call('RESET')).to.equal('RESET');
    expect((await rejection(r.call('PING'))).message).to.equal('NOAUTH Authentication required.');
    const q = await fx.ioredis({ protocol: 2, enableReadyCheck: false });
    const gone = ended(q);
    expect(await q.call('QUIT')).to.equal('OK');
    await gone;
  });
});

describe('maxclients', () => {
  let fx: WireFixture;
  const raws: RawClient[] = [];

  afterEach(async () => {
    for (const c of raws.splice(0)) c.close();
    await fx.close();
  });

  it('a connection over the limit gets the Redis error and is closed; the others keep working', async () => {
    fx = await WireFixture.start({ maxClients: 2 });
    const r = await fx.ioredis({ protocol: 2 });
    const second = await RawClient.connect(fx.port);
    raws.push(second);
    expect(await second.request('PING\r\n', '\r\n')).to.equal('+PONG\r\n');
    // Like any client, it sends its first command at once; the server must still close it (and later shut down).
    const third = await RawClient.connect(fx.port);
    raws.push(third);
    third.send('PING\r\n');
    await third.closed;
    expect(third.received.toString('latin1')).to.equal('-ERR max number of clients reached\r\n');
    expect(await r.call('PING')).to.equal('PONG');
    // Counted as Redis counts it (acceptCommonHandler): a rejected connection, never a received one.
    const stats = String(await r.call('INFO', 'stats'));
    expect(/\r\ntotal_connections_received:(\d+)\r\n/.exec(stats)?.[1]).to.equal('2');
    expect(/\r\nrejected_connections:(\d+)\r\n/.exec(stats)?.[1]).to.equal('1');
    second.close();
    await second.closed;
    // Once the server has seen the second one go, a new connection is accepted again.
    let accepted = false;
    for (let attempt = 0; attempt < 50 && !accepted; attempt++) {
      const next = await RawClient.connect(fx.port);
      raws.push(next);
      const reply = (await next.request('PING\r\n', '\r\n')).toString();
      accepted = reply === '+PONG\r\n';
    }
    expect(accepted).to.equal(true);
    for (const c of raws.splice(0)) c.close();
    await fx.close(); // would wait forever for a rejected socket that was never read
  });
});
