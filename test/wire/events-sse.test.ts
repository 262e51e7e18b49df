// /events: the event feed as Server-Sent Events, read with a real HTTP client and an EventSource-style parser.
// Ids are revisions (the same events EVENTS.READ returns), Last-Event-ID resumes from the log, a compacted range
// or an unknown revision gets `event: compacted`, comments keep the stream alive, credentials are asked for, and
// a stream that stops reading is bounded and closed like a pub/sub client without holding up anyone else.

import { expect } from 'chai';
import { RawClient } from '../helpers/server.js';
import { SseReader } from '../helpers/sse.js';
import { WireFixture } from './fixture.js';

const basic = (user: string, pass: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') });

describe('HTTP /events (Server-Sent Events)', () => {
  let fx: WireFixture;
  const readers: SseReader[] = [];
  const url = (query = '') => `http://127.0.0.1:${fx.server.server.httpPort}/events${query}`;
  const open = async (query = '', headers: Record<string, string> = {}) => {
    const r = await SseReader.open(url(query), headers);
    readers.push(r);
    return r;
  };

  afterEach(async () => {
    for (const r of readers.splice(0)) r.close();
    await fx.close();
  });

  it('streams each event with its revision as the id and the same JSON as EVENTS.READ', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const r = await fx.ioredis();
    const sse = await open();
    expect(sse.status).to.equal(200);
    expect(sse.headers['content-type']).to.equal('text/event-stream; charset=utf-8');
    expect(sse.headers['cache-control']).to.equal('no-store');
    await sse.until((s) => s.messages.some((m) => m.event === 'hello'));
    await r.call('HBEAT', 'w1', 'hive-a', 'STATE', 'Idle');
    await r.call('HBEAT', 'w1', 'hive-a', 'STATE', 'Busy');
    const read = (await r.call('EVENTS.READ', 'SINCE', '0')) as string[];
    expect(read.length).to.equal(3); // worker.online, hive.online, worker.state
    await sse.until((s) => s.events().length === 3);
    const got = sse.messages.filter((m) => m.event === 'message');
    expect(got.map((m) => m.data)).to.deep.equal(read);
    expect(got.map((m) => m.id)).to.deep.equal(read.map((j) => String((JSON.parse(j) as { rev: number }).rev)));
    expect(sse.lastEventId).to.equal('3');
  });

  it('resumes after Last-Event-ID from the event log: nothing missed, nothing twice', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const r = await fx.ioredis();
    const first = await open();
    for (let i = 0; i < 5; i++) await r.call('HBEAT', `w${i}`, 'hive-a');
    await first.until((s) => s.events().length === 6);
    const last = first.lastEventId;
    first.close();
    for (let i = 5; i < 10; i++) await r.call('HBEAT', `w${i}`, 'hive-a');
    await r.call('WORKER.DEL', 'w0');
    const resumed = await open('', { 'last-event-id': last });
    await resumed.until((s) => s.events().length === 6);
    const events = resumed.events();
    expect(events.map((e) => e.rev)).to.deep.equal([7, 8, 9, 10, 11, 12]);
    expect(events.map((e) => e.type)).to.deep.equal([...Array(5).fill('worker.online'), 'worker.removed']);
    // Live events follow the replayed ones on the same stream.
    await r.call('HBEAT', 'w0', 'hive-a');
    await resumed.until((s) => s.events().length === 7);
    expect(resumed.events()[6]).to.include({ rev: 13, type: 'worker.online', worker_id: 'w0' });
    // A page's first connection names the revision of its full read with ?since=; Last-Event-ID wins over it.
    const since = await open('?since=11');
    await since.until((s) => s.events().length === 2);
    expect(since.events().map((e) => e.rev)).to.deep.equal([12, 13]);
    const both = await open('?since=1', { 'last-event-id': '12' });
    await both.until((s) => s.events().length === 1);
    expect(both.events()[0]!.rev).to.equal(13);
  });

  it('sends `event: compacted` when the range asked for has left the log, then carries on from the newest revision', async () => {
    fx = await WireFixture.start({ eventLogSize: 4, settings: { 'http-port': 0 } });
    const r = await fx.ioredis();
    for (let i = 0; i < 6; i++) await r.call('HBEAT', `w${i}`, 'hive-a'); // revisions 1..7; the log keeps 4..7
    const sse = await open('', { 'last-event-id': '2' });
    await sse.until((s) => s.messages.some((m) => m.event === 'compacted'));
    const compacted = sse.messages.find((m) => m.event === 'compacted')!;
    expect(compacted.id).to.equal('7');
    const data = JSON.parse(compacted.data);
    expect(data).to.include({ rev: 7, oldest_rev: 4 });
    expect(data.message).to.match(/^COMPACTED revisions up to 3 are gone/);
    expect(sse.events()).to.deep.equal([]);
    await r.call('HBEAT', 'w9', 'hive-a');
    await sse.until((s) => s.events().length === 1);
    expect(sse.events()[0]).to.include({ rev: 8, worker_id: 'w9' });
    // The log now holds 5..8: a stream whose last id is 4 resumes without a reload.
    const ok = await open('', { 'last-event-id': '4' });
    await ok.until((s) => s.events().length === 4);
    expect(ok.messages.some((m) => m.event === 'compacted')).to.equal(false);
  });

  it('sends `event: compacted` for a revision the registry never gave out (restarted without its snapshot)', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const r = await fx.ioredis();
    await r.call('HBEAT', 'w1', 'hive-a');
    const sse = await open('', { 'last-event-id': '500' });
    await sse.until((s) => s.messages.some((m) => m.event === 'compacted'));
    const m = sse.messages.find((x) => x.event === 'compacted')!;
    expect(m.id).to.equal('2');
    expect(JSON.parse(m.data).message).to.match(/^COMPACTED revision 500 is ahead of the newest revision 2/);
  });

  it('refuses a Last-Event-ID or since that is not a revision, naming it', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const bad = await open('', { 'last-event-id': 'abc' });
    await bad.until((s) => s.closed);
    expect(bad.status).to.equal(400);
    expect(bad.body).to.equal("invalid revision 'abc': expected a non-negative integer\n");
    const neg = await open('?since=-1');
    await neg.until((s) => s.closed);
    expect(neg.status).to.equal(400);
  });

  it('writes a comment line every http-events-ping ms so proxies keep the stream open', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0, 'http-events-ping': 50 } });
    const sse = await open();
    await sse.until((s) => s.comments.filter((c) => c.startsWith('ping')).length >= 2);
    expect(sse.comments[0]).to.equal('ping 0');
  });

  it('asks for credentials when users have passwords; a user needs EVENTS.READ', async () => {
    fx = await WireFixture.start({ requirePass: 'sesame', settings: { 'http-port': 0 } });
    const r = await fx.ioredis({ password: 'sesame' });
    await r.call('ACL', 'SETUSER', 'watcher', 'on', '>look', '+events.read');
    await r.call('ACL', 'SETUSER', 'worker', 'on', '>beat', '+hbeat');
    const anonymous = await open();
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers['www-authenticate']).to.match(/^Basic realm="rbee-registry"/);
    const denied = await open('', basic('worker', 'beat'));
    expect(denied.status).to.equal(403);
    await denied.until((s) => s.closed);
    expect(denied.body).to.include("user 'worker' may not run EVENTS.READ");
    const allowed = await open('', basic('watcher', 'look'));
    expect(allowed.status).to.equal(200);
    await r.call('HBEAT', 'w1', 'hive-a');
    await allowed.until((s) => s.events().length === 2);
  });

  it('bounds a stream that stops reading, keeps the others live, and closes it after the pubsub soft seconds', async function () {
    this.timeout(60_000);
    // Workers stay online across the clock's jump past the soft seconds below.
    fx = await WireFixture.start({ offlineAfterMs: 600_000, settings: { 'http-port': 0 } });
    const server = fx.server.server;
    const registry = server.registry;
    const stalled = await RawClient.connect(server.httpPort);
    stalled.socket.pause(); // never reads: the kernel's buffers fill, then the server's
    stalled.send('GET /events HTTP/1.1\r\nHost: registry\r\nAccept: text/event-stream\r\n\r\n');
    const live = await open();
    const r = await fx.ioredis();
    await live.until((s) => s.messages.some((m) => m.event === 'hello'));
    // 60k registrations: 60k worker.online events, about 9 MB of stream, more than loopback's socket buffers hold.
    const N = 60_000;
    let maxPending = 0;
    for (let i = 0; i < N; i += 1000) {
      for (let j = i; j < i + 1000; j++) registry.heartbeat(`worker-${String(j).padStart(6, '0')}`, `hive-${j % 50}`, {});
      await new Promise((resolve) => setImmediate(resolve));
      maxPending = Math.max(maxPending, server.httpSide!.streams.pendingBytes);
      // The Redis side answers throughout.
      if (i % 10_000 === 0) expect(await r.call('PING')).to.equal('PONG');
    }
    const total = registry.events.lastRev;
    await live.until((s) => s.lastEventId === String(total), 'the live stream got every event');
    expect(live.events().length).to.equal(total);
    // Without the pull from the log every event would sit in the stalled stream's buffer (megabytes).
    expect(maxPending).to.be.below(1024 * 1024);
    expect(server.httpSide!.streams.size).to.equal(2);
    const drops = server.stats.outputLimitDisconnections;
    fx.clock.advance(61_000); // past the pubsub class's 60 soft seconds
    registry.heartbeat('late', 'hive-0', {});
    await live.until((s) => s.lastEventId === String(total + 1), 'the event after the jump');
    stalled.socket.resume(); // read what the kernel holds, up to the server's close
    await stalled.closed;
    expect(server.stats.outputLimitDisconnections).to.equal(drops + 1);
    expect(server.httpSide!.streams.size).to.equal(1);
  });
});
