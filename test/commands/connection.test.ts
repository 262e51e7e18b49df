// The connection's small commands in-process, in both protocols: ECHO, PING (also in subscribe mode), TIME, QUIT
// and SELECT, with their documented replies and errors.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('ECHO / PING / TIME / QUIT / SELECT (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('ECHO answers its message as a bulk string, bytes as sent', async () => {
    const { resp2, resp3 } = await h.both(['ECHO', 'héllo']);
    expect([resp2.resp2, resp3.resp3]).to.deep.equal(['$6\r\nhéllo\r\n', '$6\r\nhéllo\r\n']);
    await h.refuses(['ECHO'], "ERR wrong number of arguments for 'echo' command");
    await h.refuses(['ECHO', 'a', 'b'], "ERR wrong number of arguments for 'echo' command");
  });

  it('PING answers +PONG, or its message as a bulk string; more arguments are refused', async () => {
    const pong = await h.run(['PING'], h.client(3));
    expect([pong.resp2, pong.resp3]).to.deep.equal(['+PONG\r\n', '+PONG\r\n']);
    expect((await h.run(['PING', 'hi'])).resp2).to.equal('$2\r\nhi\r\n');
    await h.refuses(['PING', 'a', 'b'], "ERR wrong number of arguments for 'ping' command");
  });

  it('PING from a RESP2 client in subscribe mode answers the array [pong, message]; RESP3 keeps +PONG', async () => {
    const c2 = h.client(2);
    await h.run(['SUBSCRIBE', 'ch'], c2);
    expect((await h.run(['PING'], c2)).resp2).to.equal('*2\r\n$4\r\npong\r\n$0\r\n\r\n');
    expect((await h.run(['PING', 'x'], c2)).resp2).to.equal('*2\r\n$4\r\npong\r\n$1\r\nx\r\n');
    const c3 = h.client(3);
    await h.run(['SUBSCRIBE', 'ch'], c3);
    expect((await h.run(['PING'], c3)).resp3).to.equal('+PONG\r\n');
  });

  it('TIME answers two bulk strings: Unix seconds and the microseconds within the second', async () => {
    const before = Date.now();
    const { resp2, resp3 } = await h.both(['TIME']);
    const [secs, micros] = resp2.reply as [string, string];
    expect(Number(secs)).to.be.within(Math.floor(before / 1000) - 1, Math.ceil(Date.now() / 1000) + 1);
    expect(Number(micros)).to.be.within(0, 999_999);
    expect(resp2.resp2).to.match(/^\*2\r\n\$10\r\n\d{10}\r\n\$\d\r\n\d{1,6}\r\n$/);
    expect(resp3.resp3).to.match(/^\*2\r\n\$10\r\n\d{10}\r\n/);
    await h.refuses(['TIME', 'x'], "ERR wrong number of arguments for 'time' command");
  });

  it('QUIT answers +OK and closes the connection after the reply', async () => {
    const c = h.client(3);
    const r = await h.run(['QUIT'], c);
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    expect(c.closed).to.equal(true);
  });

  it('SELECT 0 answers +OK; any other index or a non-integer is refused in Redis words', async () => {
    const r = await h.run(['SELECT', '0'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    await h.refuses(['SELECT', '1'], 'ERR DB index is out of range');
    await h.refuses(['SELECT', 'x'], 'ERR value is not an integer or out of range');
    await h.refuses(['SELECT'], "ERR wrong number of arguments for 'select' command");
  });
});
