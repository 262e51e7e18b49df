// Smaller places where the registry must behave as Redis does, over real sockets: COMMAND INFO of a name
// three levels deep, ASCII-only case folding of command and option names, CLIENT LIST's real figures, blank
// ids refused, and passwords compared in constant time.

import { expect } from 'chai';
import { RawClient } from '../helpers/server.js';
import { WireFixture, rejection, type Client } from './fixture.js';

/** One CLIENT LIST line as fields. */
function fields(line: string): Record<string, string> {
  return Object.fromEntries(
    line
      .trim()
      .split(' ')
      .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
  );
}

async function clientList(r: Client): Promise<Array<Record<string, string>>> {
  return String(await r.call('CLIENT', 'LIST'))
    .split('\n')
    .filter((l) => l.length > 0)
    .map(fields);
}

describe('Redis details', function () {
  this.timeout(20_000);
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    r = await fx.ioredis();
  });

  afterEach(async () => {
    await fx.close();
  });

  it('COMMAND INFO / DOCS of a name three levels deep is unknown (nil / left out), as in Redis', async () => {
    const [deep, sub] = (await r.call('COMMAND', 'INFO', 'config|get|key', 'config|get')) as unknown[];
    expect(deep).to.equal(null);
    expect((sub as unknown[])[0]).to.equal('config|get');
    expect(await r.call('COMMAND', 'DOCS', 'config|get|key')).to.deep.equal([]);
  });

  describe('command names and options are folded as ASCII only', () => {
    // 'ſ' (long s) upper-cases to 'S', the Kelvin sign 'K' lower-cases to 'k': Redis takes neither as a letter.
    const KELVIN = '\u212a';
    const LONG_S = '\u017f';

    it('command and subcommand names', async () => {
      expect((await rejection(r.call(`${KELVIN}EYS`, '*'))).message).to.match(/^ERR unknown command '\u212aEYS'/);
      expect((await rejection(r.call('CLIENT', `${KELVIN}ILL`, 'ID', '99'))).message).to.match(/^ERR unknown subcommand '\u212aILL'/);
      expect((await rejection(r.call('COMMAND', 'LI\u017fT'))).message).to.match(/^ERR unknown subcommand/);
      expect(await r.call('ping')).to.equal('PONG');
    });

    it('option tokens', async () => {
      expect((await rejection(r.call('FLUSHALL', `${LONG_S}YNC`))).message).to.equal('ERR syntax error');
      expect((await rejection(r.call('HELLO', '3', `${LONG_S}ETNAME`, 'x'))).message).to.equal(
        `ERR Syntax error in HELLO option '${LONG_S}ETNAME'`,
      );
      expect((await rejection(r.call('CLIENT', 'KILL', `${LONG_S}KIPME`, 'yes'))).message).to.equal('ERR syntax error');
      expect((await rejection(r.call('CLIENT', 'LIST', 'TYPE', `pub${LONG_S}ub`))).message).to.match(/^ERR Unknown client type/);
      expect((await rejection(r.call('CONFIG', 'SET', `proto-max-bul${KELVIN}-len`, '1mb'))).message).to.match(/^ERR Unknown option/);
      expect(await r.call('CONFIG', 'GET', `proto-max-bul${KELVIN}-len`)).to.deep.equal([]);
      expect(await r.call('CONFIG', 'GET', 'PROTO-MAX-BULK-LEN')).to.deep.equal(['proto-max-bulk-len', '16777216']);
      expect((await rejection(r.call('SCAN', '0', `${LONG_S}CAN`))).message).to.equal('ERR syntax error');
      expect((await rejection(r.call('REGISTRY.GUARD', `o${KELVIN}`))).message).to.match(/^ERR/);
    });
  });

  it("CLIENT LIST shows each socket's descriptor, its pending request and reply bytes, and queued MULTI bytes", async () => {
    const partial = await RawClient.connect(fx.port);
    partial.send('*2\r\n$4\r\nECHO\r\n$100\r\nhalf of it');
    const multi = await RawClient.connect(fx.port);
    await multi.request('CLIENT SETNAME queued\r\nMULTI\r\nECHO hello-there\r\n', 'QUEUED');
    const partialName = await RawClient.connect(fx.port);
    void partialName;
    // Wait until the server has read the partial request (a real round trip per try, bounded).
    let list: Array<Record<string, string>> = [];
    for (let i = 0; i < 200; i++) {
      list = await clientList(r);
      if (list.some((c) => Number(c['qbuf']) > 0)) break;
    }
    const fds = list.map((c) => Number(c['fd']));
    expect(
      fds.every((fd) => Number.isInteger(fd) && fd > 2),
      `fds ${fds.join(',')}`,
    ).to.equal(true);
    expect(new Set(fds).size).to.equal(fds.length);
    const pending = list.find((c) => Number(c['qbuf']) > 0)!;
    // The header and the 10 bytes of the unfinished argument, at least; never more than was sent.
    expect(Number(pending['qbuf'])).to.be.within(10, '*2\r\n$4\r\nECHO\r\n$100\r\nhalf of it'.length);
    expect(Number(pending['tot-mem'])).to.be.at.least(Number(pending['qbuf']));
    const queued = list.find((c) => c['name'] === 'queued')!;
    expect(Number(queued['multi-mem'])).to.equal('ECHO'.length + 'hello-there'.length);
    expect(queued['multi']).to.equal('1');

    // A client that does not read a large reply: its unsent bytes show as omem.
    for (let i = 0; i < 200; i++) await r.call('HBEAT', `w${i}`, 'hive-a', 'URL', `http://10.0.0.1:8080/${'p'.repeat(1500)}`);
    const slow = await RawClient.connect(fx.port);
    slow.socket.pause();
    slow.send('CLIENT SETNAME slow\r\n' + 'WORKER.LIST\r\n'.repeat(20));
    let omem = 0;
    for (let i = 0; i < 200 && omem === 0; i++) {
      const s = (await clientList(r)).find((c) => c['name'] === 'slow');
      omem = Number(s?.['omem'] ?? 0);
      if (omem > 0) expect(Number(s!['tot-mem'])).to.be.at.least(omem);
    }
    expect(omem).to.be.above(0);
    for (const c of [partial, multi, partialName, slow]) c.close();
  });

  it('refuses ids that are empty or only whitespace, and WORKER.BEST with an empty or blank model', async () => {
    for (const [args, message] of [
      [['HBEAT', ' ', 'hive-a'], "ERR invalid worker_id ' ': expected a string that is not only whitespace"],
      [['HBEAT', 'w1', '\t\n'], "ERR invalid hive_id '\t ': expected a string that is not only whitespace"], // CR/LF shown as spaces, as Redis does
      [['HBEAT', 'w1', '\u00a0'], "ERR invalid hive_id '\u00a0': expected a string that is not only whitespace"],
      [
        ['HBEAT', 'JSON', JSON.stringify({ worker_id: '  ', hive_id: 'h' })],
        "ERR invalid worker_id '  ': expected a string that is not only whitespace",
      ],
      [
        ['HBEAT', 'w1', 'h', 'STATE', 'Idle', 'GPU', '3'].map((a) => (a === 'w1' ? '   ' : a)),
        "ERR invalid worker_id '   ': expected a string that is not only whitespace",
      ],
      [['WORKER.BEST', ''], "ERR invalid model_id '': expected a non-empty string"],
      [['WORKER.BEST', '  '], "ERR invalid model_id '  ': expected a string that is not only whitespace"],
    ] as Array<[string[], string]>) {
      expect((await rejection(r.call(args[0]!, ...args.slice(1)))).message, args.join(' ')).to.equal(message);
    }
    expect(await r.call('DBSIZE')).to.equal(0);
  });

  it('passwords: the right one authenticates, wrong ones of any length or prefix do not', async () => {
    const guarded = await WireFixture.start({ requirePass: 'correct horse' });
    try {
      const raw = await RawClient.connect(guarded.port);
      const wrongs = ['c', 'correct hors', 'correct horse ', 'correct horsf', 'x'.repeat(10_000)];
      for (const wrong of wrongs) raw.send(`*2\r\n$4\r\nAUTH\r\n$${wrong.length}\r\n${wrong}\r\n`);
      const text = (await raw.readUntil((b) => (b.toString().match(/WRONGPASS/g) ?? []).length === wrongs.length)).toString();
      expect(text.split('\r\n').filter(Boolean)).to.deep.equal(
        wrongs.map(() => '-WRONGPASS invalid username-password pair or user is disabled.'),
      );
      raw.close();
      const ok = await guarded.ioredis({ password: 'correct horse' });
      expect(await ok.call('PING')).to.equal('PONG');
    } finally {
      await guarded.close();
    }
  });
});
