// SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH and PUBSUB in-process, in both protocols: one
// confirmation per channel (a push in RESP3, an array in RESP2), messages delivered, the reserved registry channels,
// PUBSUB's introspection, and the documented errors.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';
import { encodeReply } from '../../src/resp/encoder.js';

describe('SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE / PUBLISH / PUBSUB (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('SUBSCRIBE confirms each channel with the running count: >3 in RESP3, *3 in RESP2', async () => {
    const r = await h.run(['SUBSCRIBE', 'a', 'b'], h.client(3));
    expect(r.resp3).to.equal('>3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n>3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n');
    expect(r.resp2).to.equal('*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n');
  });

  it('PUBLISH answers how many clients received it; subscribers get message and pmessage pushes', async () => {
    const sub = h.client(3);
    await h.run(['SUBSCRIBE', 'news'], sub);
    await h.run(['PSUBSCRIBE', 'ne*'], sub);
    const other = h.client(2);
    await h.run(['SUBSCRIBE', 'news'], other);
    const r = await h.run(['PUBLISH', 'news', 'hello']);
    expect([r.resp2, r.resp3]).to.deep.equal([':3\r\n', ':3\r\n']);
    expect(sub.pushed.map((p) => encodeReply(p, 3).toString())).to.deep.equal([
      '>3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n',
      '>4\r\n$8\r\npmessage\r\n$3\r\nne*\r\n$4\r\nnews\r\n$5\r\nhello\r\n',
    ]);
    expect(encodeReply(other.pushed[0]!, 2).toString()).to.equal('*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
    expect((await h.run(['PUBLISH', 'nobody', 'x'])).resp2).to.equal(':0\r\n');
  });

  it('UNSUBSCRIBE and PUNSUBSCRIBE without arguments leave everything; with nothing left, one reply with a nil', async () => {
    const c = h.client(3);
    await h.run(['SUBSCRIBE', 'a', 'b'], c);
    await h.run(['PSUBSCRIBE', 'p*'], c);
    const r = await h.run(['UNSUBSCRIBE'], c);
    expect(r.resp3).to.equal('>3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:2\r\n>3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:1\r\n');
    expect((await h.run(['PUNSUBSCRIBE'], c)).resp3).to.equal('>3\r\n$12\r\npunsubscribe\r\n$2\r\np*\r\n:0\r\n');
    const none = await h.run(['UNSUBSCRIBE'], c);
    expect([none.resp2, none.resp3]).to.deep.equal([
      '*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n',
      '>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n',
    ]);
  });

  it('PUBSUB CHANNELS, NUMSUB and NUMPAT answer what is subscribed', async () => {
    const c = h.client(3);
    await h.run(['SUBSCRIBE', 'b', 'a'], c);
    await h.run(['PSUBSCRIBE', 'x*', 'y*'], c);
    const channels = await h.run(['PUBSUB', 'CHANNELS'], h.client(3));
    expect([channels.resp2, channels.resp3]).to.deep.equal(['*2\r\n$1\r\na\r\n$1\r\nb\r\n', '*2\r\n$1\r\na\r\n$1\r\nb\r\n']);
    expect((await h.run(['PUBSUB', 'CHANNELS', 'b*'])).resp2).to.equal('*1\r\n$1\r\nb\r\n');
    const numsub = await h.run(['PUBSUB', 'NUMSUB', 'a', 'zz'], h.client(3));
    expect(numsub.resp3).to.equal('*4\r\n$1\r\na\r\n:1\r\n$2\r\nzz\r\n:0\r\n');
    expect((await h.run(['PUBSUB', 'NUMPAT'])).resp2).to.equal(':2\r\n');
    expect((await h.run(['PUBSUB', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+PUBSUB <subcommand>/);
  });

  it('refuses what is documented, in Redis words where Redis has them', async () => {
    await h.refuses(['PUBLISH', 'registry:worker.online', 'x'], "ERR channels starting with 'registry:' are reserved for registry events");
    await h.refuses(['PUBLISH', 'a'], "ERR wrong number of arguments for 'publish' command");
    await h.refuses(['SUBSCRIBE'], "ERR wrong number of arguments for 'subscribe' command");
    await h.refuses(['PUBSUB', 'CHANNELS', 'a', 'b'], 'ERR syntax error');
    await h.refuses(['PUBSUB', 'NOPE'], "ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.");
  });

  it('a RESP2 client in subscribe mode may run only the subscribe commands, PING, QUIT and RESET', async () => {
    const c = h.client(2);
    await h.run(['SUBSCRIBE', 'a'], c);
    const r = await h.run(['WORKER.COUNT'], c);
    expect(r.error).to.equal(
      "ERR Can't execute 'worker.count': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
    );
  });
});
