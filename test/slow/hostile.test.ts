// The hostile-client suite: inputs that once crashed or froze the whole server, sent over real sockets to a
// server that must live through them and keep serving everyone else.

import { expect } from 'chai';
import { RawClient } from '../helpers/server.js';
import { WireFixture } from '../wire/fixture.js';

describe('hostile clients: crash inputs', function () {
  this.timeout(180_000);
  let fx: WireFixture;

  beforeEach(async () => {
    fx = await WireFixture.start();
  });

  afterEach(async () => {
    await fx.close();
  });

  it('the 16 MB URL that once made a reply past the string limit is refused at the heartbeat', async function () {
    const url = 'http://h/' + 'u'.repeat(16 * 1024 * 1024 - 64);
    const writer = await fx.ioredis();
    await writer.call('HBEAT', 'w-big', 'hive-a', 'URL', url).then(
      () => expect.fail('a 16 MB URL was accepted'),
      (e: Error) => expect(e.message).to.match(/^ERR invalid URL 'http:\/\/h\/u+…': longer than 2048 bytes$/),
    );
    expect(await writer.call('WORKER.GET', 'w-big')).to.equal(null);
  });

  it('a reply larger than the string limit is written in parts, as the client reads it', async function () {
    // 34 workers share one 16 MB URL: WORKER.LIST is ~570 MB, past V8's ~512 MB string limit.
    // URLs are now capped at 2 KB on input, so the records are made in process, past that check: what is
    // under test is the writing of a reply this large.
    const url = 'http://h/' + 'u'.repeat(16 * 1024 * 1024 - 64);
    const other = await fx.ioredis();
    for (let i = 0; i < 34; i++) fx.server.server.registry.heartbeat(`w${i}`, 'hive-a', { url });
    const reader = await RawClient.connect(fx.port);
    // Count bytes instead of keeping them: the test must not hold 570 MB either.
    let total = 0;
    let head = '';
    reader.socket.removeAllListeners('data');
    const done = new Promise<void>((resolve) => {
      reader.socket.on('data', (chunk: Buffer) => {
        if (head.length < 16) head += chunk.subarray(0, 16).toString('latin1');
        total += chunk.length;
        if (total >= 34 * url.length) resolve();
      });
    });
    reader.send('WORKER.LIST\r\n');
    // Served while the large reply is being written.
    expect(await other.call('PING')).to.equal('PONG');
    await done;
    expect(head.startsWith('*34\r\n')).to.equal(true);
    expect(total).to.be.above(34 * url.length);
    reader.close();
    expect(await other.call('WORKER.COUNT')).to.equal(34);
  });
});
