// Glob patterns over real sockets: the patterns that froze the server (exponential backtracking, the class of
// Redis' CVE-2022-36021) answer at once through every command that matches patterns, while another client
// keeps heartbeating; too-long patterns are refused with a clear error.

import { expect } from 'chai';
import { Redis } from 'ioredis';
import { ServerProcess } from '../helpers/process.js';
// The documented limit (COMMANDS.md); written here, not imported, so the test also runs against older code.
const GLOB_MAX_LENGTH = 1024;
import { WireFixture, record, rejection, type Client } from './fixture.js';

const STARS_14 = '*a'.repeat(14) + 'b';
const SIXTY_A = 'a'.repeat(60);
// Redis' keyspace.tcl "Regression for pattern matching long nested loops".
const CVE_PATTERN = 'a*'.repeat(20) + 'b';

describe('glob patterns: bounded cost through every command that matches them', function () {
  this.timeout(20_000);
  let fx: WireFixture;
  let r: Client;
  let side: Client;
  let beats = 0;
  let beating: Promise<void>;
  let stop = false;

  beforeEach(async () => {
    fx = await WireFixture.start();
    r = await fx.ioredis();
    side = await fx.ioredis();
    stop = false;
    beats = 0;
    // A worker heartbeating throughout: every beat must be answered while the patterns are matched.
    beating = (async () => {
      while (!stop) {
        expect(await side.call('HBEAT', 'side-worker', 'hive-side', 'GPU', String(beats % 100))).to.be.oneOf([0, 1]);
        beats++;
      }
    })();
  });

  afterEach(async () => {
    stop = true;
    await beating;
    await fx.close();
  });

  it('PSUBSCRIBE (*a)x14 b, then PUBLISH to 60 a: no match, at once; the heartbeats go on', async () => {
    // A server process: a matcher that hangs would freeze an in-process server and this test's timers with it.
    const server = ServerProcess.start();
    const options = {
      port: await server.ready(),
      host: '127.0.0.1',
      commandTimeout: 5000,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    };
    const clients = [new Redis(options), new Redis(options), new Redis(options)];
    for (const c of clients) c.on('error', () => {});
    const [sub, pub, worker] = clients as [Redis, Redis, Redis];
    try {
      await sub.psubscribe(STARS_14, CVE_PATTERN, 'a*');
      const beat = () => worker.call('HBEAT', 'side-worker', 'hive-side');
      const beatsDuring = [
        beat(),
        pub.publish(SIXTY_A, 'x'),
        beat(),
        pub.publish('a'.repeat(40), 'y'),
        beat(),
        pub.publish(SIXTY_A + 'b', 'z'),
        beat(),
      ];
      const [, only, , alsoOnly, , all] = await Promise.all(beatsDuring);
      expect(only).to.equal(1); // `a*` alone
      expect(alsoOnly).to.equal(1);
      expect(all).to.equal(3); // all three match
      expect(server.alive).to.equal(true);
    } finally {
      for (const c of clients) c.disconnect();
      await server.stop();
    }
  });

  it('PUBSUB CHANNELS, KEYS, SCAN MATCH, CONFIG GET and COMMAND LIST with the same patterns', async () => {
    const sub = await fx.ioredis();
    await sub.subscribe(SIXTY_A);
    expect(await r.call('PUBSUB', 'CHANNELS', STARS_14)).to.deep.equal([]);
    expect(await r.call('PUBSUB', 'CHANNELS', 'a*a*a?')).to.deep.equal([SIXTY_A]);
    await r.call('HBEAT', 'a'.repeat(40), 'hive-a');
    expect(await r.call('KEYS', 'worker:' + CVE_PATTERN)).to.deep.equal([]);
    expect(await r.call('KEYS', 'worker:' + 'a*'.repeat(20))).to.deep.equal(['worker:' + 'a'.repeat(40)]);
    const [cursor, keys] = (await r.call('SCAN', '0', 'MATCH', 'worker:' + STARS_14, 'COUNT', '1000')) as [string, string[]];
    expect(cursor).to.equal('0');
    expect(keys).to.deep.equal([]);
    expect(record(await r.call('CONFIG', 'GET', '*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-x'))).to.deep.equal({});
    expect(Object.keys(record(await r.call('CONFIG', 'GET', 'PROTO-*-BULK-*')))).to.deep.equal(['proto-max-bulk-len']);
    expect(await r.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', STARS_14)).to.deep.equal([]);
  });

  it(`refuses patterns longer than ${GLOB_MAX_LENGTH} bytes, naming both lengths, and subscribes to none of them`, async () => {
    // Redis' "very long nested loops" pattern: 100,000 bytes of `*?`.
    const huge = '*?'.repeat(50_000);
    const message = `ERR glob-style pattern too long: 100000 bytes, at most ${GLOB_MAX_LENGTH}`;
    for (const call of [
      () => r.call('KEYS', huge),
      () => r.call('SCAN', '0', 'MATCH', huge),
      () => r.call('PUBSUB', 'CHANNELS', huge),
      () => r.call('CONFIG', 'GET', huge),
      () => r.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', huge),
    ]) {
      expect((await rejection(call())).message).to.equal(message);
    }
    const raw = await fx.ioredis({ protocol: 3 });
    expect((await rejection(raw.call('PSUBSCRIBE', 'ok:*', huge))).message).to.equal(message);
    expect(await r.call('PUBSUB', 'NUMPAT')).to.equal(0);
    // At the limit it is accepted.
    expect(await r.call('PUBSUB', 'CHANNELS', '*'.repeat(GLOB_MAX_LENGTH))).to.deep.equal([]);
  });
});
