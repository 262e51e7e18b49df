// Ids are text: an argument that is not valid UTF-8 is refused, naming it, on every path (the HBEAT fast path
// over bytes, the argument path, MULTI's queue, the JSON form, keyspace commands, channels, passwords), so
// `bin-\xff` and `bin-\xfe` can never become one worker. Payloads (ECHO, PING, PUBLISH's message) stay
// byte-exact. Raw bytes over real sockets.

import { expect } from 'chai';
import { RawClient } from '../helpers/server.js';
import { WireFixture, rejection, type Client } from './fixture.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');
const BIN_FF = bytes('bin-\xff');
const BIN_FE = bytes('bin-\xfe');
const refusal = (n: number, shown: string, command: string) =>
  `ERR invalid argument #${n} ${shown} for '${command}': not valid UTF-8 ` +
  '(ids, names and options are text; only the message of ECHO, PING and PUBLISH may hold any bytes)';

describe('ids that are not valid UTF-8', () => {
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    r = await fx.ioredis();
  });
  afterEach(() => fx.close());

  it('two ids that differ only in an invalid byte are both refused, never merged (fast path and argument path)', async () => {
    expect((await rejection(r.call('HBEAT', BIN_FF, 'hive-a'))).message).to.equal(refusal(1, '"bin-\\xff"', 'hbeat'));
    expect((await rejection(r.call('HBEAT', BIN_FE, 'hive-a'))).message).to.equal(refusal(1, '"bin-\\xfe"', 'hbeat'));
    // Lower-case options take the argument path; the hive and an option's value are checked as well.
    expect((await rejection(r.call('HBEAT', 'w1', bytes('h\xc3'), 'state', 'Idle'))).message).to.equal(refusal(2, '"h\\xc3"', 'hbeat'));
    expect((await rejection(r.call('HBEAT', 'w1', 'h', 'MODEL', bytes('m\x80')))).message).to.equal(refusal(4, '"m\\x80"', 'hbeat'));
    expect(await r.call('WORKER.COUNT')).to.equal(0);
    expect(await r.call('HIVE.COUNT')).to.equal(0);
  });

  it('valid UTF-8 ids that differ stay two workers, byte-exact', async () => {
    const a = Buffer.from('bin-ÿ', 'utf8');
    const b = Buffer.from('bin-þ', 'utf8');
    expect(await r.call('HBEAT', a, 'hive-a')).to.equal(1);
    expect(await r.call('HBEAT', b, 'hive-a')).to.equal(1);
    expect(await r.call('WORKER.COUNT')).to.equal(2);
    const keys = (await r.callBuffer('KEYS', 'worker:*')) as Buffer[];
    const hex = (id: Buffer) => Buffer.concat([bytes('worker:'), id]).toString('hex');
    expect(keys.map((k) => k.toString('hex')).sort()).to.deep.equal([hex(a), hex(b)].sort());
  });

  it('the inline form, MULTI and the JSON form refuse the same way', async () => {
    const raw = await RawClient.connect(fx.port);
    try {
      const reply = await raw.request(Buffer.concat([bytes('HBEAT '), BIN_FF, bytes(' hive-a\r\n')]), '\r\n');
      expect(reply).to.equal('-' + refusal(1, '"bin-\\xff"', 'hbeat') + '\r\n');
    } finally {
      raw.close();
    }

    const multi = await fx.ioredis();
    expect(await multi.call('MULTI')).to.equal('OK');
    expect((await rejection(multi.call('HBEAT', BIN_FE, 'hive-a'))).message).to.equal(refusal(1, '"bin-\\xfe"', 'hbeat'));
    expect((await rejection(multi.call('EXEC'))).message).to.equal('EXECABORT Transaction discarded because of previous errors.');

    // Invalid bytes inside the payload, and a JSON escape for a lone surrogate, which has no UTF-8 form either.
    const payload = Buffer.concat([bytes('{"worker_id":"'), BIN_FF, bytes('","hive_id":"hive-a"}')]);
    expect((await rejection(r.call('HBEAT', 'JSON', payload))).message).to.equal(
      refusal(2, '"{\\"worker_id\\":\\"bin-\\xff\\",\\"hive_id\\":\\"hive-a\\"}"', 'hbeat'),
    );
    for (const [field, json] of [
      ['worker_id', '{"worker_id":"bin-\\udcff","hive_id":"hive-a"}'],
      ['hive_id', '{"worker_id":"w","hive_id":"hive-\\ud800"}'],
    ] as const) {
      const shown = field === 'worker_id' ? 'bin-\\udcff' : 'hive-\\ud800';
      expect((await rejection(r.call('HBEAT', 'JSON', json))).message).to.equal(
        `ERR invalid ${field} '${shown}': not valid UTF-8 (a lone surrogate)`,
      );
    }
    expect(await r.call('WORKER.COUNT')).to.equal(0);
  });

  it('keys, channels, names and passwords are refused too; the secret is not echoed', async () => {
    expect(await r.call('HBEAT', 'bin-1', 'hive-a')).to.equal(1);
    expect((await rejection(r.call('HGETALL', bytes('worker:bin-\xff')))).message).to.equal(refusal(1, '"worker:bin-\\xff"', 'hgetall'));
    expect((await rejection(r.call('WORKER.GET', BIN_FF))).message).to.equal(refusal(1, '"bin-\\xff"', 'worker.get'));
    expect((await rejection(r.call('PUBLISH', bytes('chan-\xff'), 'hello'))).message).to.equal(refusal(1, '"chan-\\xff"', 'publish'));
    expect((await rejection(r.call('CLIENT', 'SETNAME', bytes('n\xff')))).message).to.equal(refusal(2, '"n\\xff"', 'client'));
    // Two passwords differing in an invalid byte would be one password.
    expect((await rejection(r.call('AUTH', 'default', bytes('secret\xff')))).message).to.equal(refusal(2, '"(redacted)"', 'auth'));
    expect(await r.call('WORKER.COUNT')).to.equal(1);
  });

  it("payloads stay byte-exact: ECHO, PING and PUBLISH's message", async () => {
    const payload = bytes('\xff\xfe\x00\x80');
    expect(((await r.callBuffer('ECHO', payload)) as Buffer).equals(payload)).to.equal(true);
    expect(((await r.callBuffer('PING', payload)) as Buffer).equals(payload)).to.equal(true);
    const sub = await fx.ioredis();
    const got = new Promise<Buffer>((resolve) => sub.on('messageBuffer', (_c: Buffer, m: Buffer) => resolve(m)));
    await sub.subscribe('chan');
    expect(await r.call('PUBLISH', 'chan', payload)).to.equal(1);
    expect((await got).equals(payload)).to.equal(true);
  });
});
