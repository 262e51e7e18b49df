// The hostile-client suite: inputs that once crashed or froze the whole server, sent over real sockets to a
// server that must live through them and keep serving everyone else.

import { expect } from 'chai';
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
    // 34 workers sharing one 16 MB URL made WORKER.LIST ~570 MB, past V8's ~512 MB string limit. Fields are
    // bounded now (URL: 2048 bytes), so no record can grow a reply that way; the writer still streams large
    // replies in parts (see the encoder's tests).
    const url = 'http://h/' + 'u'.repeat(16 * 1024 * 1024 - 64);
    const writer = await fx.ioredis();
    const other = await fx.ioredis();
    for (let i = 0; i < 34; i++) {
      await writer.call('HBEAT', `w${i}`, 'hive-a', 'URL', url).then(
        () => expect.fail('a 16 MB URL was accepted'),
        (e: Error) => expect(e.message).to.match(/^ERR invalid URL 'http:\/\/h\/u+…': longer than 2048 bytes$/),
      );
    }
    expect(await other.call('PING')).to.equal('PONG');
    expect(await other.call('WORKER.COUNT')).to.equal(0);
  });
});
