// Whole reply streams of real connections, read by the strict stream checker the hostile fuzz uses: protocol
// switches, transactions, subscriptions and published messages stay readable reply by reply, and the checker
// refuses streams that are not (so the fuzz's check can fail).

import { expect } from 'chai';
import { readReply, RespFormatError } from '../helpers/resp-reader.js';
import { checkReplyStream, checkTail } from '../helpers/reply-stream.js';
import { RawClient, startTestServer, type TestServer } from '../helpers/server.js';

const argv = (line: string) => line.split(' ').map((a) => Buffer.from(a));

function multibulk(args: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

describe('reply streams read whole, command by command', () => {
  let srv: TestServer;
  const raws: RawClient[] = [];

  beforeEach(async () => {
    srv = await startTestServer();
  });
  afterEach(async () => {
    for (const r of raws.splice(0)) r.close();
    await srv.close();
  });

  /** Sends the commands in one write, PINGs `marker` last (allowed when subscribed); returns every byte received so far once it is back. */
  async function run(raw: RawClient, lines: string[], marker = 'stream-end'): Promise<{ bytes: Buffer; commands: Buffer[][] }> {
    const commands = [...lines.map(argv), argv(`PING ${marker}`)];
    raw.send(Buffer.concat(commands.map(multibulk)));
    const bytes = await raw.readUntil((b) => b.includes(`${marker}\r\n`));
    return { bytes, commands };
  }

  it('HELLO both ways, MULTI with SUBSCRIBE and HELLO inside, messages while subscribed: every reply accounted for', async () => {
    const raw = await RawClient.connect(srv.port);
    const publisher = await RawClient.connect(srv.port);
    raws.push(raw, publisher);
    const first = await run(raw, ['PING', 'HELLO 3', 'WORKER.GET none', 'HELLO 2', 'WORKER.GET none', 'SUBSCRIBE a b', 'PING x']);
    const check = checkReplyStream(first.bytes, first.commands);
    expect(check).to.include({ replies: 8, end: first.bytes.length, protocol: 2 });
    // Two messages while subscribed (RESP2 arrays), then RESP3 pushes after HELLO 3 while still subscribed.
    publisher.send(Buffer.concat([multibulk(argv('PUBLISH a m1')), multibulk(argv('PUBLISH b m2'))]));
    expect((await publisher.readUntil((b) => b.length >= 8)).toString()).to.equal(':1\r\n:1\r\n');
    const more = ['UNSUBSCRIBE', 'MULTI', 'SUBSCRIBE c d', 'HELLO 3', 'PING', 'EXEC', 'UNSUBSCRIBE c', 'RESET'];
    const rest = await run(raw, more, 'second-end');
    const total = checkReplyStream(rest.bytes, [...first.commands, ...rest.commands]);
    expect(total).to.include({ messages: 2, end: rest.bytes.length, protocol: 2 });
    // One per command: the subscribe family's several confirmations and EXEC's array count once.
    expect(total.replies).to.equal(first.commands.length + rest.commands.length);
  });

  it("EXEC's array counts each confirmation of a queued SUBSCRIBE, so the stream stays readable", async () => {
    const raw = await RawClient.connect(srv.port);
    raws.push(raw);
    const { bytes, commands } = await run(raw, ['MULTI', 'SUBSCRIBE c1 c2 c3', 'PING', 'EXEC', 'RESET']);
    const check = checkReplyStream(bytes, commands);
    expect(check.end).to.equal(bytes.length);
    // The array itself: three confirmations and PING's reply (an array in subscribe mode).
    const exec = readReply(bytes, bytes.indexOf('*4\r\n'), 2);
    expect(exec?.value.items?.map((i) => i.items?.[0]?.text ?? i.text)).to.deep.equal(['subscribe', 'subscribe', 'subscribe', 'pong']);
  });

  it('refuses streams that are not the replies of the commands sent', () => {
    const ok = Buffer.from('+OK\r\n$3\r\nabc\r\n');
    const cmds = [argv('SET k v'), argv('ECHO abc')];
    expect(checkReplyStream(ok, cmds).replies).to.equal(2);
    // A reply missing; one too many (the commands' replies then end before the stream does); a length that lies.
    expect(() => checkReplyStream(Buffer.from('+OK\r\n'), cmds)).to.throw(/stream ended/);
    expect(checkReplyStream(Buffer.from('+OK\r\n+OK\r\n$3\r\nabc\r\n'), cmds).end).to.equal(10);
    expect(() => checkReplyStream(Buffer.from('$4\r\nabc\r\n'), [argv('ECHO abc')])).to.throw(/blob not followed by CRLF|stream ended/);
    // RESP3 types on a RESP2 connection, a RESP2 null on a RESP3 one, a confirmation count that is wrong.
    expect(() => checkReplyStream(Buffer.from('_\r\n'), [argv('GET k')])).to.throw(/not in RESP2/);
    expect(() => readReply(Buffer.from('$-1\r\n'), 0, 3)).to.throw(RespFormatError, /bad length/);
    const sub = Buffer.from('*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n');
    expect(() => checkReplyStream(sub, [argv('SUBSCRIBE a')])).to.throw(/says 2 subscriptions, the connection holds 1/);
    // A message for a channel the connection does not listen to.
    const stray = Buffer.from(
      '*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$1\r\nx\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n',
    );
    expect(() => checkReplyStream(stray, [argv('SUBSCRIBE a'), argv('PING')])).to.throw(/not subscribed/);
    // What follows the commands must end on a reply's last byte, with a protocol error last.
    expect(checkTail(Buffer.from('+OK\r\n-ERR Protocol error: x\r\n'), 0)).to.equal(2);
    expect(() => checkTail(Buffer.from('+OK\r\n$5\r\nab'), 0)).to.throw(/ends inside a reply/);
    expect(() => checkTail(Buffer.from('-ERR Protocol error: x\r\n+OK\r\n'), 0)).to.throw(/after a protocol error/);
  });
});
