// What one client can do to the server, and must not: settings past what the code can honour, replies past
// V8's string limit, an exception inside a connection, and connections left half-open after the server
// decided to close them. Each is tried over real sockets; the server must live and serve everyone else.

import { Logger } from '../../src/server/log.js';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { ServerProcess } from '../helpers/process.js';
import { RawClient } from '../helpers/server.js';
import { infoField } from './inbox.js';
import { WireFixture, rejection, record } from './fixture.js';

/**
 * Writes until the socket reports an error: once the server has closed its descriptor, the peer's kernel
 * answers with a reset and the next write fails (EPIPE / ECONNRESET). A bounded number of tries, no sleeps.
 */
async function writeUntilRefused(c: RawClient): Promise<string | null> {
  for (let i = 0; i < 200 && c.errorCode === null; i++) {
    if (!c.socket.destroyed) c.socket.write('PING\r\n', () => {});
    await new Promise((r) => setImmediate(r));
  }
  return c.errorCode;
}

describe('connection boundary: settings, large replies, exceptions', function () {
  this.timeout(30_000);

  describe('the server process', () => {
    let server: ServerProcess;
    let admin: Redis;

    beforeEach(async () => {
      server = ServerProcess.start();
      const port = await server.ready();
      admin = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
      admin.on('error', () => {});
    });

    afterEach(async () => {
      admin.disconnect();
      await server.stop();
    });

    it('refuses proto-max-bulk-len past what a string can hold, and a 5 GB bulk header is a protocol error, not a crash', async () => {
      const err = await rejection(admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '10000000000'));
      expect(err.message).to.match(
        /^ERR CONFIG SET failed \(possibly related to argument 'proto-max-bulk-len'\) - argument must be between 1 and \d+ inclusive$/,
      );
      expect(record(await admin.call('CONFIG', 'GET', 'proto-max-bulk-len'))).to.deep.equal({ 'proto-max-bulk-len': '16777216' });
      // Its highest value is accepted, and still a 5 GB header is refused, not allocated.
      const max = /and (\d+) inclusive/.exec(err.message)![1]!;
      expect(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', max)).to.equal('OK');
      const hostile = await RawClient.connect(server.port);
      hostile.send('*2\r\n$4\r\nECHO\r\n$5000000000\r\nsome bytes');
      await hostile.closed;
      expect(hostile.received.toString()).to.equal('-ERR Protocol error: invalid bulk length\r\n');
      expect(await admin.call('PING')).to.equal('PONG');
      expect(server.alive).to.equal(true);
    });

    it('bounds the other protocol limits too, with Redis wording', async () => {
      const set = (name: string, value: string) => rejection(admin.call('CONFIG', 'SET', name, value));
      expect((await set('client-query-buffer-limit', '99999999999999')).message).to.match(/argument must be between 1 and \d+ inclusive$/);
      expect((await set('proto-max-multibulk-len', '4294967296')).message).to.match(/argument must be between 1 and \d+ inclusive$/);
      expect((await set('proto-inline-max-size', '0')).message).to.match(/argument must be between 1 and 8388608 inclusive$/);
      expect((await set('proto-max-bulk-len', 'lots')).message).to.match(/argument must be a memory value$/);
    });
  });

  describe('in process', () => {
    let fx: WireFixture;
    let logged: string[];

    beforeEach(async () => {
      logged = [];
      fx = await WireFixture.start({ logger: new Logger({ level: 'warning', write: (line) => void logged.push(line) }) });
    });

    afterEach(async () => {
      await fx.close();
    });

    it('an exception while encoding a reply closes that client with an error and is logged; the server and other clients carry on', async () => {
      const other = await fx.ioredis();
      const echo = fx.server.server.commands.lookup('echo')!.spec;
      const original = echo.handler;
      // A handler bug: a value the encoder cannot write. It used to be thrown out of the socket's data event.
      (echo as { handler: unknown }).handler = () => ({ not: 'a reply' });
      try {
        const victim = await RawClient.connect(fx.port);
        victim.send('*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n');
        await victim.closed;
        expect(victim.received.toString()).to.equal('-ERR internal error: unencodable reply value\r\n');
      } finally {
        (echo as { handler: unknown }).handler = original;
      }
      expect(logged).to.have.length(1);
      expect(logged[0]).to.match(
        /^\d+:M .* # Closing client id=\d+ addr=127\.0\.0\.1:\d+ after an internal error: TypeError: unencodable reply value/,
      );
      expect(await other.call('PING')).to.equal('PONG');
      expect(await other.call('ECHO', 'again')).to.equal('again');
    });
  });
});

describe('closing a connection closes its descriptor (no half-open sockets)', function () {
  this.timeout(20_000);
  let fx: WireFixture;

  afterEach(async () => {
    await fx.close();
  });

  it('after QUIT the reply is flushed, the connection ends, and a later write is refused', async () => {
    fx = await WireFixture.start();
    const admin = await fx.ioredis();
    const c = await RawClient.connect(fx.port, { allowHalfOpen: true });
    c.send('QUIT\r\n');
    await c.ended;
    expect(c.received.toString()).to.equal('+OK\r\n');
    expect(await writeUntilRefused(c)).to.be.oneOf(['EPIPE', 'ECONNRESET']);
    expect(infoField(await admin.call('INFO', 'clients'), 'connected_clients')).to.equal('1');
    c.close();
  });

  it('with maxclients 2, a client that got a protocol error but never closes does not block a third', async () => {
    fx = await WireFixture.start({ maxClients: 2 });
    const first = await RawClient.connect(fx.port);
    expect(await first.request('PING\r\n', '+PONG\r\n')).to.equal('+PONG\r\n');
    const errored = await RawClient.connect(fx.port, { allowHalfOpen: true });
    errored.send('*1\r\n$x\r\n');
    await errored.ended;
    expect(errored.received.toString()).to.equal('-ERR Protocol error: invalid bulk length\r\n');
    expect(await writeUntilRefused(errored)).to.be.oneOf(['EPIPE', 'ECONNRESET']);
    const third = await RawClient.connect(fx.port);
    expect(await third.request('PING\r\n', '\r\n')).to.equal('+PONG\r\n');
    for (const c of [first, errored, third]) c.close();
  });

  it('CLIENT KILL SKIPME yes: the killed clients leave CLIENT LIST and connected_clients at once, and their sockets close', async () => {
    fx = await WireFixture.start();
    const admin = await RawClient.connect(fx.port);
    const victims = await Promise.all([0, 1].map(() => RawClient.connect(fx.port, { allowHalfOpen: true })));
    for (const v of victims) expect(await v.request('CLIENT SETNAME victim\r\n', '\r\n')).to.equal('+OK\r\n');
    // One pipeline: the kill, then the list and the count in the same breath.
    admin.send('CLIENT KILL SKIPME yes\r\nCLIENT LIST\r\nINFO clients\r\n');
    const text = (await admin.readUntil((b) => b.toString().includes('connected_clients'))).toString();
    expect(text.startsWith(':2\r\n')).to.equal(true);
    expect(text).to.not.include('name=victim');
    expect(/connected_clients:(\d+)/.exec(text)![1]).to.equal('1');
    for (const v of victims) {
      await v.ended;
      expect(await writeUntilRefused(v)).to.be.oneOf(['EPIPE', 'ECONNRESET']);
      v.close();
    }
    admin.close();
  });
});
