// Operator-facing details that Redis tools rely on: CLIENT LIST TYPE, CLIENT KILL filters and SKIPME, the
// blocked flag and blocked_clients, CONFIG SET duplicates, and errors that quote at most 128 characters.

import { expect } from 'chai';
import { rejection, WireFixture, type Client } from './fixture.js';
import { infoField, until } from './inbox.js';

describe('client administration', () => {
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    r = await fx.ioredis({ protocol: 2 });
  });

  afterEach(async () => {
    await fx.close();
  });

  const ids = (list: unknown) =>
    String(list)
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(/^id=(\d+)/.exec(line)![1]));

  it('CLIENT LIST TYPE pubsub lists subscribers, TYPE normal the others', async () => {
    const subscriber = await fx.ioredis({ protocol: 2 });
    const subscriberId = Number(await subscriber.call('CLIENT', 'ID'));
    await subscriber.subscribe('news');
    const myId = Number(await r.call('CLIENT', 'ID'));
    expect(ids(await r.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))).to.deep.equal([subscriberId]);
    expect(ids(await r.call('CLIENT', 'LIST', 'TYPE', 'normal'))).to.deep.equal([myId]);
    expect(ids(await r.call('CLIENT', 'LIST', 'TYPE', 'replica'))).to.deep.equal([]);
    expect(infoField(await r.call('INFO', 'clients'), 'pubsub_clients')).to.equal('1');
  });

  it('CLIENT KILL filters skip the caller unless SKIPME no; bad ids get Redis words', async () => {
    const myId = String(await r.call('CLIENT', 'ID'));
    expect(await r.call('CLIENT', 'KILL', 'ID', myId)).to.equal(0);
    expect(await r.call('PING')).to.equal('PONG');
    const other = await fx.ioredis({ protocol: 2 });
    const otherId = String(await other.call('CLIENT', 'ID'));
    expect(await r.call('CLIENT', 'KILL', 'ID', otherId, 'SKIPME', 'yes')).to.equal(1);
    expect((await rejection(r.call('CLIENT', 'KILL', 'ID', '0'))).message).to.equal('ERR client-id should be greater than 0');
    expect((await rejection(r.call('CLIENT', 'KILL', 'ID', 'abc'))).message).to.equal('ERR client-id should be greater than 0');
    expect((await rejection(r.call('CLIENT', 'KILL', 'SKIPME', 'maybe'))).message).to.equal('ERR syntax error');
  });

  it('a client blocked in EVENTS.READ shows flag b and counts in blocked_clients', async () => {
    const reader = await fx.ioredis({ protocol: 2 });
    const readerId = Number(await reader.call('CLIENT', 'ID'));
    const read = reader.call('EVENTS.READ', 'SINCE', '0', 'BLOCK', '0');
    await until(async () => infoField(await r.call('INFO', 'clients'), 'blocked_clients') === '1', 'the reader to block');
    const line = String(await r.call('CLIENT', 'LIST', 'ID', String(readerId)));
    expect(line).to.match(/ flags=b /);
    await r.call('HBEAT', 'w1', 'hive-a');
    expect(((await read) as string[]).length).to.be.greaterThan(0);
    expect(infoField(await r.call('INFO', 'clients'), 'blocked_clients')).to.equal('0');
  });

  it('CONFIG SET refuses a parameter given twice and changes nothing', async () => {
    const before = await r.call('CONFIG', 'GET', 'maxclients');
    expect((await rejection(r.call('CONFIG', 'SET', 'maxclients', '10', 'maxclients', '20'))).message).to.equal(
      "ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter",
    );
    expect(await r.call('CONFIG', 'GET', 'maxclients')).to.deep.equal(before);
  });

  it('errors quote at most 128 characters of a bad value', async () => {
    const long = 'x'.repeat(1000);
    const message = (await rejection(r.call('HBEAT', 'w', 'h', 'URL', long))).message;
    expect(message).to.equal(`ERR invalid URL '${'x'.repeat(128)}…': expected an absolute URL like http://10.0.0.5:8080`);
    const option = (await rejection(r.call('WORKER.LIST', long, 'x'))).message;
    expect(option).to.equal(`ERR syntax error, unknown option '${'x'.repeat(128)}…'`);
  });
});
