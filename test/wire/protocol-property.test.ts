// Properties of the wire protocol over raw sockets: how a pipeline is cut into writes never changes a byte
// of the replies, and no garbage a client sends can crash the server, corrupt its own reply stream, or touch
// another connection or the registry.

import { expect } from 'chai';
import fc from 'fast-check';
import { ManualClock } from '../helpers/clock.js';
import { countResp2Replies, parseResp2 } from '../helpers/resp2.js';
import { RawClient, startTestServer, type TestServer } from '../helpers/server.js';

function multibulk(args: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) parts.push(Buffer.from(`$${arg.length}\r\n`), arg, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** An inline request where every byte of every argument is a `\xHH` escape inside double quotes. */
function inline(args: Buffer[]): Buffer {
  const words = args.map((a) => `"${[...a].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}"`);
  return Buffer.from(`${words.join(' ')}\r\n`, 'latin1');
}

/**
 * Writes the pieces one after another. After each, one turn of the event loop lets the in-process server
 * read it, so pieces mostly arrive as separate chunks instead of being coalesced by TCP.
 */
async function writePieces(client: RawClient, pieces: Buffer[]): Promise<void> {
  for (const piece of pieces) {
    if (client.socket.destroyed) return;
    // A write error means the server closed on us; what it sent before is what the test reads.
    await new Promise<void>((resolve) => client.socket.write(piece, () => resolve()));
    if (pieces.length > 1) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function cut(data: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets.map((o) => 1 + (o % Math.max(1, data.length - 1))))]
    .filter((o) => o < data.length)
    .sort((a, b) => a - b);
  const bounds = [0, ...cuts, data.length];
  return bounds.slice(1).map((end, i) => data.subarray(bounds[i], end));
}

const chunking: fc.Arbitrary<(data: Buffer) => Buffer[]> = fc.oneof(
  fc.array(fc.nat(), { minLength: 1, maxLength: 12 }).map((offsets) => (data: Buffer) => cut(data, offsets)),
  fc.constant((data: Buffer) => [...data].map((b) => Buffer.from([b]))),
);

/** Reads until `n` complete RESP2 replies have arrived, and returns the bytes. */
async function readReplies(client: RawClient, n: number): Promise<Buffer> {
  return client.readUntil((b) => countResp2Replies(b) >= n);
}

describe('wire protocol properties', () => {
  describe('a valid pipeline gives the same reply bytes however it is cut into writes', () => {
    const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
    const worker = fc.constantFrom('w1', 'w2', 'w3');
    const hive = fc.constantFrom('hive-a', 'hive-b');
    const option = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const heartbeat = fc
      .record({
        worker,
        hive,
        state: option(fc.constantFrom('Idle', 'Busy', 'Loading', 'sleeping')),
        vram: option(fc.nat({ max: 16_000_000_000 })),
        gpu: option(fc.integer({ min: 0, max: 100 })),
        model: option(fc.constantFrom('llama-3-8b', 'mistral-7b')),
      })
      .map(({ worker, hive, state, vram, gpu, model }) => {
        const args = ['HBEAT', worker, hive];
        if (state !== undefined) args.push('STATE', state);
        if (vram !== undefined) args.push('VRAM', String(vram));
        if (gpu !== undefined) args.push('GPU', String(gpu));
        if (model !== undefined) args.push('MODEL', model);
        return args.map((a) => Buffer.from(a));
      });
    const words = (...args: string[]) => args.map((a) => Buffer.from(a));
    const command: fc.Arbitrary<Buffer[]> = fc.oneof(
      fc.constant(words('PING')),
      bytes.map((b) => [Buffer.from('PING'), b]),
      bytes.map((b) => [Buffer.from('ECHO'), b]),
      heartbeat,
      heartbeat,
      fc.constant(words('WORKER.COUNT')),
      fc.constant(words('HIVE.COUNT')),
      fc.constant(words('DBSIZE')),
      worker.map((w) => words('WORKER.URL', w)),
      worker.map((w) => words('WORKER.GET', w)),
      worker.map((w) => words('WORKER.DEL', w)),
      hive.map((h) => words('HIVE.RES', h)),
      hive.map((h) => words('HIVE.WORKERS', h)),
      bytes.map((b) => [Buffer.from('NO.SUCH.COMMAND'), b]),
      fc.constant(words('ECHO')),
    );
    // Requests that get no reply: blank lines and empty multibulks.
    const filler = fc.constantFrom('', '', '', '\r\n', '  \t\n', '*0\r\n', '*-1\r\n');
    const request = fc
      .record({ args: command, asInline: fc.boolean(), before: filler })
      .map(({ args, asInline, before }) => Buffer.concat([Buffer.from(before), asInline ? inline(args) : multibulk(args)]));
    const pipeline = fc.array(request, { minLength: 1, maxLength: 25 });

    /** A fresh server with the same clock for every run, so replies depend on the requests only. */
    async function repliesFrom(requests: Buffer[], pieces: (data: Buffer) => Buffer[]): Promise<Buffer> {
      const server: TestServer = await startTestServer({ clock: new ManualClock() });
      const client = await RawClient.connect(server.port);
      try {
        client.socket.setNoDelay(true);
        await writePieces(client, pieces(Buffer.concat(requests)));
        const out = await readReplies(client, requests.length);
        const { replies, complete } = parseResp2(out);
        expect(complete, 'no bytes beyond the replies').to.equal(true);
        expect(replies).to.have.length(requests.length);
        return out;
      } finally {
        client.close();
        await server.close();
      }
    }

    it('one write vs random writes: byte-identical replies', async () => {
      await fc.assert(
        fc.asyncProperty(pipeline, chunking, async (requests, pieces) => {
          const whole = await repliesFrom(requests, (data) => [data]);
          const chunked = await repliesFrom(requests, pieces);
          expect(chunked.toString('latin1')).to.equal(whole.toString('latin1'));
        }),
        { numRuns: 50 },
      );
    });
  });

  describe('garbage never crashes the server or affects anyone else', () => {
    let server: TestServer;
    let healthy: RawClient;
    const opened: RawClient[] = [];
    const connect = async () => {
      const c = await RawClient.connect(server.port);
      opened.push(c);
      return c;
    };

    before(async () => {
      server = await startTestServer({ clock: new ManualClock() });
      healthy = await connect();
      healthy.send('HBEAT healthy-w healthy-hive URL http://10.0.0.9:8080\r\n');
      await readReplies(healthy, 1);
    });
    after(async () => {
      for (const c of opened) c.close();
      await server.close();
    });

    // prettier-ignore
    const token = fc.constantFrom(
      '*', '$', '\r\n', '\r', '\n', ' ', '\t', '-1', '-0', '0', '1', '2', '3', '10', '00', '99999999999', '-', '+', ':',
      '"', "'", '\\', '\\x', '4f', 'zz', 'PING', 'ECHO', 'ping', '\x00', '\xff',
    );
    const garbage: fc.Arbitrary<Buffer> = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)),
      fc
        .array(fc.oneof(token, token, token, fc.integer({ min: -3, max: 70_000 }).map(String), fc.string({ maxLength: 5 })), {
          minLength: 1,
          maxLength: 60,
        })
        .map((parts) => Buffer.from(parts.join(''), 'latin1')),
    );

    /** Sends the garbage, half-closes, and returns everything the server sent before closing. */
    async function answerTo(data: Buffer, pieces: (data: Buffer) => Buffer[]): Promise<Buffer> {
      const c = await connect();
      await writePieces(c, pieces(data));
      c.socket.end();
      await c.closed;
      return c.received;
    }

    let run = 0;
    it('the garbage connection gets well-formed replies at most up to a protocol error; the rest is untouched', async () => {
      await fc.assert(
        fc.asyncProperty(garbage, chunking, async (data, pieces) => {
          run++;
          const whole = await answerTo(data, (d) => [d]);
          const chunked = await answerTo(data, pieces);

          // The reply stream is well-formed RESP2 whatever came in, and the same however it came in.
          const { replies, complete } = parseResp2(whole);
          expect(complete, 'the reply stream ends on a reply boundary').to.equal(true);
          expect(chunked.toString('latin1'), 'same replies however the garbage was cut').to.equal(whole.toString('latin1'));
          replies.forEach((r, i) => {
            if (!(r instanceof Error)) return;
            expect(r.message).not.to.match(/internal error/);
            if (r.message.startsWith('ERR Protocol error: ')) expect(i, 'a protocol error is the last reply').to.equal(replies.length - 1);
          });

          // Another connection, and the registry, did not notice.
          healthy.received = Buffer.alloc(0);
          healthy.send(`ECHO run-${run}\r\nWORKER.COUNT\r\nHIVE.COUNT\r\nWORKER.URL healthy-w\r\n`);
          const out = parseResp2(await readReplies(healthy, 4));
          expect(out.replies).to.deep.equal([`run-${run}`, 1, 1, 'http://10.0.0.9:8080']);

          // And the server still accepts connections.
          const fresh = await connect();
          fresh.send('PING\r\n');
          expect((await fresh.readUntil((b) => b.length >= 7)).toString('latin1')).to.equal('+PONG\r\n');
          fresh.close();
        }),
        { numRuns: 100 },
      );
    });
  });
});
