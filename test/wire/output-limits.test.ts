// Redis' client-output-buffer-limit for normal clients (hard, and soft after its seconds) and the soft-limit
// timer (clientsCron) that drops a client over its soft limit even when no new output arrives to trigger the
// check. A client that stops reading its replies is a real socket, paused; time is the server's injected clock
// and timers, so the seconds pass without waiting for them.

import { expect } from 'chai';
import { Logger } from '../../src/server/log.js';
import { ManualClock } from '../helpers/clock.js';
import { RawClient } from '../helpers/server.js';
import { ManualTimers } from '../helpers/timers.js';
import { infoField } from './inbox.js';
import { WireFixture, type Client } from './fixture.js';

const MB = 1024 * 1024;
/** Far above what the kernel takes from a socket whose reader stopped (a few MB on loopback). */
const BIG = 8 * MB;

function bulkRequest(command: string, ...args: Array<string | Buffer>): Buffer {
  const parts = [command, ...args].map((a) => (typeof a === 'string' ? Buffer.from(a) : a));
  return Buffer.concat([
    Buffer.from(`*${parts.length}\r\n`),
    ...parts.flatMap((p) => [Buffer.from(`$${p.length}\r\n`), p, Buffer.from('\r\n')]),
  ]);
}

describe('client-output-buffer-limit: normal clients and the soft-limit timer', function () {
  this.timeout(60_000);
  let fx: WireFixture;
  let timers: ManualTimers;
  let admin: Client;
  let log: string[];
  const raws: RawClient[] = [];

  beforeEach(async () => {
    const clock = new ManualClock();
    timers = new ManualTimers(clock);
    log = [];
    fx = await WireFixture.start({ clock, timers, logger: new Logger({ level: 'warning', write: (l) => void log.push(l) }) });
    admin = await fx.ioredis();
  });
  afterEach(async () => {
    for (const c of raws.splice(0)) c.socket.destroy();
    await fx.close();
  });

  /** The named client's CLIENT LIST fields, or null when it is gone. */
  async function clientInfo(name: string): Promise<Record<string, string> | null> {
    const line = String(await admin.call('CLIENT', 'LIST'))
      .split('\n')
      .find((l) => l.includes(` name=${name} `));
    if (line === undefined) return null;
    return Object.fromEntries(
      line
        .trim()
        .split(' ')
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
  }

  /** Polls (one request per round) until `done` holds for the client's fields; bounded, no sleeps. */
  async function waitFor(name: string, done: (c: Record<string, string> | null) => boolean): Promise<Record<string, string> | null> {
    for (let i = 0; i < 2000; i++) {
      const c = await clientInfo(name);
      if (done(c)) return c;
      await new Promise((r) => setImmediate(r));
    }
    throw new Error(`client ${name} never reached the expected state; now ${JSON.stringify(await clientInfo(name))}`);
  }

  /** A client named `name` that sends `request` and then stops reading. */
  async function stalled(name: string, setup: Buffer | null, request: Buffer | null): Promise<RawClient> {
    const c = await RawClient.connect(fx.port);
    raws.push(c);
    expect(await c.request(bulkRequest('CLIENT', 'SETNAME', name), '\r\n')).to.equal('+OK\r\n');
    if (setup !== null) await c.request(setup, '\r\n');
    c.socket.pause();
    if (request !== null) c.send(request);
    return c;
  }

  const disconnections = async () => Number(infoField(await admin.call('INFO', 'stats'), 'client_output_buffer_limit_disconnections'));

  it('a normal client that does not read is closed at the hard limit; the others go on', async () => {
    expect(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0')).to.equal('OK');
    const slow = await stalled('slow', null, bulkRequest('ECHO', Buffer.alloc(BIG, 'x')));
    // Either it is gone, or (before the fix) it holds megabytes of replies and stays.
    const seen = await waitFor('slow', (c) => c === null || (c.cmd === 'echo' && Number(c.omem) > MB));
    expect(seen, 'CLIENT LIST still shows the client over its hard limit').to.equal(null);
    expect(await disconnections()).to.equal(1);
    expect(log.join('')).to.match(/ # Closing client id=\d+ addr=127\.0\.0\.1:\d+: normal output buffer \d+ bytes over the hard limit\n/);
    expect(await admin.call('PING')).to.equal('PONG');
    // Its socket was closed with the reply cut short.
    slow.socket.resume();
    await slow.closed;
    expect(slow.received.length).to.be.lessThan(BIG);
  });

  it('over the soft limit it is closed once the seconds pass, by the timer, with no new output', async () => {
    expect(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 1mb 10')).to.equal('OK');
    await stalled('slow', null, bulkRequest('ECHO', Buffer.alloc(BIG, 'x')));
    const over = (await waitFor('slow', (c) => c !== null && c.cmd === 'echo' && Number(c.omem) >= MB))!;
    // CLIENT LIST's figures are the real ones: the unsent reply, and the total with it.
    expect(Number(over.omem))
      .to.be.greaterThan(MB)
      .and.at.most(BIG + 100);
    expect(Number(over['tot-mem'])).to.be.at.least(Number(over.omem));
    const info = await admin.call('INFO', 'clients');
    expect(Number(infoField(info, 'client_recent_max_output_buffer'))).to.be.at.least(MB);
    timers.advance(9_900);
    expect(await clientInfo('slow'), 'dropped before its 10 s').to.not.equal(null);
    expect(await disconnections()).to.equal(0);
    timers.advance(200);
    expect(await clientInfo('slow')).to.equal(null);
    expect(await disconnections()).to.equal(1);
    expect(log.join('')).to.match(/: normal output buffer \d+ bytes over the soft limit\n/);
  });

  it('a client that drains below the soft limit in time is kept', async () => {
    expect(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 1mb 10')).to.equal('OK');
    const slow = await stalled('slow', null, bulkRequest('ECHO', Buffer.alloc(BIG, 'x')));
    await waitFor('slow', (c) => c !== null && c.cmd === 'echo' && Number(c.omem) >= MB);
    timers.advance(5_000);
    slow.socket.resume();
    await slow.readUntil((b) => b.length >= BIG + 13, 30_000);
    await waitFor('slow', (c) => c !== null && c.omem === '0');
    timers.advance(20_000);
    expect(await slow.request('PING\r\n', '+PONG\r\n')).to.match(/\+PONG\r\n$/);
    expect(await disconnections()).to.equal(0);
  });

  it('a subscriber over its pubsub soft limit is dropped by the timer though no message follows', async () => {
    expect(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 1mb 10')).to.equal('OK');
    await stalled('sub', bulkRequest('SUBSCRIBE', 'news'), null);
    expect(await admin.call('PUBLISH', 'news', Buffer.alloc(BIG, 'm'))).to.equal(1);
    const over = (await waitFor('sub', (c) => c !== null && Number(c.omem) >= MB))!;
    expect(over.sub).to.equal('1');
    timers.advance(9_900);
    expect(await clientInfo('sub')).to.not.equal(null);
    // Before the timer, only a new message checked the soft limit: with none, the subscriber stayed for good.
    timers.advance(200);
    expect(await clientInfo('sub')).to.equal(null);
    expect(await disconnections()).to.equal(1);
    expect(log.join('')).to.match(/: pubsub output buffer \d+ bytes over the soft limit\n/);
  });
});
