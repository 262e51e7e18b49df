// The wire protocol over raw sockets against a real server: inline requests as typed in telnet, pipelining,
// requests split across writes, HELLO switching the encoding, and every protocol error: `-ERR Protocol
// error: …`, then that connection (and only that one) is closed, and nothing it sent after is run.

import { expect } from 'chai';
import { DEFAULT_LIMITS } from '../../src/resp/decoder.js';
import type { ServerOptions } from '../../src/server/server.js';
import { ManualClock } from '../helpers/clock.js';
import { countResp2Replies, parseResp2 } from '../helpers/resp2.js';
import { RawClient, startTestServer, type TestServer } from '../helpers/server.js';

/** A multibulk request, the way every client library sends one. */
function multibulk(...args: Array<string | Buffer>): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const b = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : arg;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

const pipeline = (...requests: Array<string | Buffer>): Buffer =>
  Buffer.concat(requests.map((r) => (typeof r === 'string' ? Buffer.from(r, 'latin1') : r)));

/** A server with raw clients that are all closed after each test. */
class RawFixture {
  private readonly clients: RawClient[] = [];
  private constructor(readonly server: TestServer) {}

  static async start(options: ServerOptions = {}): Promise<RawFixture> {
    return new RawFixture(await startTestServer({ clock: new ManualClock(), ...options }));
  }

  async connect(): Promise<RawClient> {
    const client = await RawClient.connect(this.server.port);
    client.socket.setNoDelay(true);
    this.clients.push(client);
    return client;
  }

  closeClients(): void {
    for (const c of this.clients.splice(0)) c.close();
  }

  async close(): Promise<void> {
    this.closeClients();
    await this.server.close();
  }
}

/** Sends `data` and resolves with the bytes of the next `n` complete RESP2 replies (and anything after). */
async function exchange(client: RawClient, data: Buffer | string, n: number): Promise<Buffer> {
  const start = client.received.length;
  client.send(data);
  const received = await client.readUntil((b) => countResp2Replies(b.subarray(start)) >= n);
  return received.subarray(start);
}

/** Sends and waits until exactly `expected` has come back; fails on anything else or anything more. */
async function expectReply(client: RawClient, data: Buffer | string, expected: string): Promise<void> {
  const start = client.received.length;
  client.send(data);
  const received = await client.readUntil((b) => b.length - start >= Buffer.byteLength(expected, 'latin1'));
  expect(received.subarray(start).toString('latin1')).to.equal(expected);
}

/** Resolves with everything received once the server has closed the connection. */
async function untilClosed(client: RawClient): Promise<string> {
  await client.closed;
  return client.received.toString('latin1');
}

async function writeInPieces(client: RawClient, data: Buffer, pieceLength: number): Promise<void> {
  for (let i = 0; i < data.length; i += pieceLength) {
    await new Promise<void>((resolve, reject) =>
      client.socket.write(data.subarray(i, i + pieceLength), (e) => (e ? reject(e) : resolve())),
    );
  }
}

describe('wire protocol (raw sockets)', () => {
  let fx: RawFixture;
  before(async () => {
    fx = await RawFixture.start();
  });
  after(async () => {
    await fx.close();
  });
  afterEach(() => fx.closeClients());

  describe('inline requests', () => {
    it('`PING\\r\\n` from telnet gets +PONG', async () => {
      const telnet = await fx.connect();
      await expectReply(telnet, 'PING\r\n', '+PONG\r\n');
    });

    it('a bare \\n ends the line; command names are case-insensitive', async () => {
      const c = await fx.connect();
      await expectReply(c, 'ping\npInG\r\n', '+PONG\r\n+PONG\r\n');
    });

    it('quotes and escapes are decoded like redis-cli input', async () => {
      const c = await fx.connect();
      await expectReply(
        c,
        'ECHO "hello world"\r\nECHO \'it\\\'s\'\r\nECHO "\\x41\\x42\\r\\n"\r\n',
        "$11\r\nhello world\r\n$4\r\nit's\r\n$4\r\nAB\r\n\r\n",
      );
    });

    it('blank lines, `*0` and `*-1` get no reply at all', async () => {
      const c = await fx.connect();
      // Were any of them answered, the first reply would not be the ECHO's.
      await expectReply(c, '\r\n\n   \r\n*0\r\n*-1\r\n\r\nECHO first\r\n', '$5\r\nfirst\r\n');
    });

    it('an unknown inline command gets the Redis error and the connection stays open', async () => {
      const c = await fx.connect();
      await expectReply(c, 'NOPE a b\r\nPING\r\n', "-ERR unknown command 'NOPE', with args beginning with: 'a' 'b' \r\n+PONG\r\n");
    });
  });

  describe('pipelining', () => {
    it('1000 requests in one write get 1000 replies, in order', async () => {
      const c = await fx.connect();
      const requests: Buffer[] = [];
      for (let i = 0; i < 1000; i++) {
        if (i % 3 === 0) requests.push(multibulk('ECHO', `m${i}`));
        else if (i % 3 === 1) requests.push(Buffer.from(`ECHO i${i}\r\n`));
        else requests.push(multibulk('PING', `p${i}`));
      }
      const out = await exchange(c, Buffer.concat(requests), 1000);
      const { replies, complete } = parseResp2(out);
      expect(complete).to.equal(true);
      expect(replies).to.deep.equal(Array.from({ length: 1000 }, (_, i) => `${['m', 'i', 'p'][i % 3]}${i}`));
    });

    it('replies of a mixed pipeline come back in order, errors in their place (read by redis-parser)', async () => {
      const c = await fx.connect();
      const out = await exchange(
        c,
        pipeline(
          multibulk(
            'HBEAT',
            'pipe-w1',
            'pipe-hive-a',
            'STATE',
            'Idle',
            'MODEL',
            'llama-3-8b',
            'VRAM',
            '8000000000',
            'GPU',
            '12',
            'URL',
            'http://10.0.0.5:8081',
          ),
          multibulk('HBEAT', 'pipe-w1', 'pipe-hive-a', 'GPU', '40'),
          'HBEAT pipe-w2 pipe-hive-b VRAM 100\r\n',
          multibulk('HBEAT', 'pipe-w3', 'pipe-hive-b', 'STATE', 'sleeping'),
          multibulk('WORKER.URL', 'pipe-w1'),
          multibulk('WORKER.URL', 'pipe-nobody'),
          multibulk('NOPE'),
          'PING\r\n',
          multibulk('PING', 'héllo ☃'),
          multibulk('ECHO', ''),
          multibulk('WORKER.GET', 'pipe-w1'),
          multibulk('HIVE.RES', 'pipe-hive-a'),
          multibulk('HIVE.ONLINE', 'pipe-hive-b'),
          multibulk('WORKER.DEL', 'pipe-w2'),
          multibulk('WORKER.DEL', 'pipe-w2'),
          multibulk('WORKER.GET', 'pipe-w2'),
        ),
        16,
      );
      const { replies, complete } = parseResp2(out);
      expect(complete).to.equal(true);
      const summary = replies.map((r) => (r instanceof Error ? `error: ${r.message}` : Array.isArray(r) ? 'array' : r));
      expect(summary).to.deep.equal([
        1,
        0,
        1,
        "error: ERR invalid STATE 'sleeping': expected Idle, Busy or Loading",
        'http://10.0.0.5:8081',
        null,
        "error: ERR unknown command 'NOPE', with args beginning with: ",
        'PONG',
        'héllo ☃',
        '',
        'array',
        'array',
        1,
        1,
        0,
        null,
      ]);
      const fields = (flat: unknown) => {
        const list = flat as unknown[];
        const out: Record<string, unknown> = {};
        for (let i = 0; i < list.length; i += 2) out[String(list[i])] = list[i + 1];
        return out;
      };
      // RESP2 records are flat field/value arrays; doubles are bulk strings.
      expect(fields(replies[10])).to.include({
        worker_id: 'pipe-w1',
        hive_id: 'pipe-hive-a',
        state: 'Idle',
        url: 'http://10.0.0.5:8081',
        model_id: 'llama-3-8b',
        vram_bytes: 8000000000,
        gpu_percent: '40',
        online: 1,
      });
      expect(fields(replies[11])).to.include({ hive_id: 'pipe-hive-a', worker_count: 1, vram_used_bytes: 8000000000, vram_used_gb: '8' });
    });
  });

  describe('requests split across writes', () => {
    it('a request written one byte at a time', async () => {
      const c = await fx.connect();
      const start = c.received.length;
      await writeInPieces(c, pipeline(multibulk('ECHO', 'split\r\nme'), 'ECHO "inline one"\r\n'), 1);
      await c.readUntil((b) => countResp2Replies(b.subarray(start)) >= 2);
      expect(c.received.subarray(start).toString('latin1')).to.equal('$9\r\nsplit\r\nme\r\n$10\r\ninline one\r\n');
    });

    it('a 200 KB argument written in pieces of 1000 bytes comes back byte for byte', async () => {
      const c = await fx.connect();
      const payload = Buffer.alloc(200 * 1024);
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + 3) & 0xff;
      const start = c.received.length;
      await writeInPieces(c, pipeline(multibulk('ECHO', payload), multibulk('PING')), 1000);
      await c.readUntil((b) => countResp2Replies(b.subarray(start)) >= 2);
      const { replies } = parseResp2(c.received.subarray(start), { returnBuffers: true });
      expect(replies).to.have.length(2);
      expect((replies[0] as Buffer).equals(payload)).to.equal(true);
      expect(String(replies[1])).to.equal('PONG');
    });
  });

  describe('HELLO switches the encoding mid-connection', () => {
    it('RESP2 → RESP3 → RESP2 on one connection, each reply in the protocol current when it runs', async () => {
      const c = await fx.connect();
      await exchange(c, multibulk('HBEAT', 'hello-w', 'hello-hive', 'VRAM', '1500000000'), 1);

      let start = c.received.length;
      // One write: the null before HELLO 3 is RESP2's, the null after it RESP3's.
      c.send(
        pipeline(
          multibulk('WORKER.URL', 'nobody'),
          'HELLO 3\r\n',
          multibulk('WORKER.URL', 'nobody'),
          multibulk('HIVE.RES', 'hello-hive'),
          multibulk('ECHO', 'sentinel-3'),
        ),
      );
      await c.readUntil((b) => b.subarray(start).toString('latin1').endsWith('$10\r\nsentinel-3\r\n'));
      const resp3 = c.received.subarray(start).toString('latin1');
      expect(resp3.startsWith('$-1\r\n%')).to.equal(true, resp3);
      expect(resp3).to.include('$6\r\nserver\r\n$13\r\nrbee-registry\r\n');
      expect(resp3).to.include('$5\r\nproto\r\n:3\r\n');
      const afterHello = resp3.slice(resp3.indexOf('_\r\n'));
      expect(afterHello.startsWith('_\r\n%')).to.equal(true, afterHello); // null, then HIVE.RES as a map
      expect(afterHello).to.match(/\r\n,1\.5\r\n/); // vram_used_gb as a RESP3 double

      start = c.received.length;
      const resp2 = await exchange(c, pipeline('HELLO 2\r\n', multibulk('WORKER.URL', 'nobody'), multibulk('HIVE.RES', 'hello-hive')), 3);
      const { replies, complete } = parseResp2(resp2);
      expect(complete).to.equal(true);
      const hello = replies[0] as unknown[];
      expect(hello.slice(0, 2)).to.deep.equal(['server', 'rbee-registry']);
      expect(hello[hello.indexOf('proto') + 1]).to.equal(2);
      expect(replies[1]).to.equal(null);
      const res = replies[2] as unknown[];
      expect(res[res.indexOf('vram_used_gb') + 1]).to.equal('1.5');
    });

    it('HELLO 4 is refused and the encoding stays as it was', async () => {
      const c = await fx.connect();
      await expectReply(c, 'HELLO 4\r\nWORKER.URL nobody\r\n', '-NOPROTO unsupported protocol version\r\n$-1\r\n');
    });
  });

  describe('protocol errors', () => {
    const tooLong = 'x'.repeat(64 * 1024 + 1);
    const cases: Array<[string, string, string]> = [
      ['a count that is not a number', '*abc\r\n', 'invalid multibulk length'],
      ['a count above the limit', '*99999999999\r\n', 'invalid multibulk length'],
      ['a count of minus zero', '*-0\r\n', 'invalid multibulk length'],
      ['a negative bulk length', '*1\r\n$-5\r\n', 'invalid bulk length'],
      ['a bulk length above the limit', `*1\r\n$${DEFAULT_LIMITS.maxBulkLength + 1}\r\n`, 'invalid bulk length'],
      ['something else than a bulk', '*2\r\n$4\r\nECHO\r\nx\r\n', "expected '$', got 'x'"],
      ['an inline request over 64 KB', tooLong, 'too big inline request'],
      ['a count line over 64 KB', `*${tooLong}`, 'too big mbulk count string'],
      ['a bulk length line over 64 KB', `*1\r\n$${tooLong}`, 'too big bulk count string'],
      ['unbalanced quotes', 'ECHO "abc\r\n', 'unbalanced quotes in request'],
    ];

    let bystander: RawClient;
    beforeEach(async () => {
      bystander = await fx.connect();
      await exchange(bystander, multibulk('HBEAT', 'bystander-w', 'bystander-hive'), 1);
    });

    for (const [what, bad, message] of cases) {
      it(`${what}: -ERR Protocol error: ${message}, then that connection is closed`, async () => {
        const victim = await fx.connect();
        const registry = fx.server.server.registry;
        const workersBefore = registry.workerCount();
        const errorsBefore = fx.server.server.stats.protocolErrors;

        // A good request before the bad bytes is answered; a heartbeat after them is never run.
        victim.send(pipeline('PING\r\n', bad, multibulk('HBEAT', 'evil-w', 'evil-hive')));
        expect(await untilClosed(victim)).to.equal(`+PONG\r\n-ERR Protocol error: ${message}\r\n`);

        expect(fx.server.server.stats.protocolErrors).to.equal(errorsBefore + 1);
        expect(registry.workerCount()).to.equal(workersBefore);
        const out = parseResp2(
          await exchange(
            bystander,
            pipeline(multibulk('ECHO', 'still here'), multibulk('WORKER.GET', 'evil-w'), 'WORKER.URL bystander-w\r\n'),
            3,
          ),
        );
        expect(out.replies).to.deep.equal(['still here', null, null]);
        expect(bystander.socket.destroyed).to.equal(false);
      });
    }

    it('a protocol error in a later write closes the connection after earlier replies were sent', async () => {
      const victim = await fx.connect();
      await expectReply(victim, 'ECHO one\r\n', '$3\r\none\r\n');
      victim.send('*2\r\n$4\r\nECHO\r\n$1\r\n');
      victim.send('x\r\n*1\r\n:1\r\n');
      expect(await untilClosed(victim)).to.equal("$3\r\none\r\n$1\r\nx\r\n-ERR Protocol error: expected '$', got ':'\r\n");
    });

    it('a bulk length line split across writes is still a protocol error', async () => {
      const victim = await fx.connect();
      await writeInPieces(victim, Buffer.from('*1\r\n$-5\r\n'), 1);
      expect(await untilClosed(victim)).to.equal('-ERR Protocol error: invalid bulk length\r\n');
    });
  });

  describe('configured limits', () => {
    let limited: RawFixture;
    before(async () => {
      limited = await RawFixture.start({
        limits: { maxBulkLength: 100, maxMultibulkLength: 5, maxInlineLength: 200, maxQueryBuffer: 4096 },
      });
    });
    after(async () => {
      await limited.close();
    });
    afterEach(() => limited.closeClients());

    it('proto-max-bulk-len', async () => {
      const ok = await limited.connect();
      await expectReply(ok, multibulk('ECHO', 'x'.repeat(100)), `$100\r\n${'x'.repeat(100)}\r\n`);
      const bad = await limited.connect();
      bad.send(multibulk('ECHO', 'x'.repeat(101)));
      expect(await untilClosed(bad)).to.equal('-ERR Protocol error: invalid bulk length\r\n');
    });

    it('proto-max-multibulk-len', async () => {
      const ok = await limited.connect();
      await expectReply(ok, multibulk('PING', 'a', 'b', 'c', 'd'), "-ERR wrong number of arguments for 'ping' command\r\n");
      const bad = await limited.connect();
      bad.send(multibulk('PING', 'a', 'b', 'c', 'd', 'e'));
      expect(await untilClosed(bad)).to.equal('-ERR Protocol error: invalid multibulk length\r\n');
    });

    it('proto-inline-max-size', async () => {
      const ok = await limited.connect();
      await expectReply(ok, `ECHO ${'y'.repeat(190)}\r\n`, `$190\r\n${'y'.repeat(190)}\r\n`);
      const bad = await limited.connect();
      bad.send(`ECHO ${'y'.repeat(200)}\r\n`);
      expect(await untilClosed(bad)).to.equal('-ERR Protocol error: too big inline request\r\n');
    });

    it('client-query-buffer-limit: a request that cannot fit is refused and closed', async () => {
      const small = await RawFixture.start({ limits: { maxQueryBuffer: 4096 } });
      try {
        const ok = await small.connect();
        const fits = 'f'.repeat(4000);
        await expectReply(ok, multibulk('ECHO', fits), `$4000\r\n${fits}\r\n`);
        const bad = await small.connect();
        bad.send(multibulk('ECHO', 'z'.repeat(5000)));
        expect(await untilClosed(bad)).to.match(
          /^-ERR Protocol error: client query buffer of \d+ bytes exceeds the limit of 4096 bytes\r\n$/,
        );
        await expectReply(ok, 'PING\r\n', '+PONG\r\n');
      } finally {
        await small.close();
      }
    });

    it('CONFIG SET proto-max-bulk-len applies to open connections at once', async () => {
      const c = await limited.connect();
      // Redis' floor is 1 MB; the fixture's 100 bytes was set in code.
      const mb = 1024 * 1024;
      await expectReply(c, multibulk('CONFIG', 'SET', 'proto-max-bulk-len', String(mb)), '+OK\r\n');
      try {
        await expectReply(c, multibulk('ECHO', '0123456789'), '$10\r\n0123456789\r\n');
        c.send(`*2\r\n$4\r\nECHO\r\n$${mb + 1}\r\n`);
        expect(await untilClosed(c)).to.match(/-ERR Protocol error: invalid bulk length\r\n$/);
      } finally {
        limited.server.server.limits.maxBulkLength = 100;
      }
    });
  });

  describe('before authentication (requirepass)', () => {
    let guarded: RawFixture;
    before(async () => {
      guarded = await RawFixture.start({ requirePass: 's3cret' });
    });
    after(async () => {
      await guarded.close();
    });
    afterEach(() => guarded.closeClients());

    it('more than 10 arguments: -ERR Protocol error: unauthenticated multibulk length', async () => {
      const c = await guarded.connect();
      c.send(multibulk('AUTH', ...Array.from({ length: 10 }, () => 'x')));
      expect(await untilClosed(c)).to.equal('-ERR Protocol error: unauthenticated multibulk length\r\n');
    });

    it('a bulk over 16 KB: -ERR Protocol error: unauthenticated bulk length', async () => {
      const c = await guarded.connect();
      c.send('*2\r\n$4\r\nAUTH\r\n$16385\r\n');
      expect(await untilClosed(c)).to.equal('-ERR Protocol error: unauthenticated bulk length\r\n');
    });

    it('after AUTH the same requests are served', async () => {
      const c = await guarded.connect();
      await expectReply(c, multibulk('AUTH', 's3cret'), '+OK\r\n');
      const big = 'b'.repeat(20_000);
      await expectReply(c, multibulk('ECHO', big), `$20000\r\n${big}\r\n`);
      await expectReply(
        c,
        multibulk('PING', ...Array.from({ length: 10 }, () => 'x')),
        "-ERR wrong number of arguments for 'ping' command\r\n",
      );
    });
  });
});
