// Pub/sub over real sockets: registry events on `registry:<type>`, clients' own channels, PUBSUB introspection,
// Redis' RESP2 subscribe mode byte for byte, RESP3 push messages on a connection that keeps running commands,
// and a subscriber that stops reading being cut off at its output buffer limit while everyone else goes on.

import { Logger } from '../../src/server/log.js';
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { describeNeeding } from '../helpers/programs.js';
import { countResp2Replies, parseResp2 } from '../helpers/resp2.js';
import { RawClient } from '../helpers/server.js';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';
import { Inbox, infoField, until, type RegistryEventJson } from './inbox.js';

const SUBSCRIBE_MODE_ERROR = (cmd: string) =>
  `ERR Can't execute '${cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;

/** Reads a raw connection's RESP2 replies in order, through redis-parser. */
class Resp2Reader {
  private seen = 0;
  constructor(private readonly raw: RawClient) {}

  /** Sends `commands` (inline) and returns the next `n` replies. */
  async send(commands: string[], n: number): Promise<unknown[]> {
    this.raw.send(commands.map((c) => c + '\r\n').join(''));
    return this.next(n);
  }

  async next(n: number): Promise<unknown[]> {
    const want = this.seen + n;
    const bytes = await this.raw.readUntil((b) => countResp2Replies(b) >= want);
    const { replies } = parseResp2(bytes);
    expect(replies.length, `replies so far: ${JSON.stringify(replies)}`).to.be.at.least(want);
    const out = replies.slice(this.seen, want);
    this.seen = want;
    return out.map((r) => (r instanceof Error ? `ERROR ${r.message}` : r));
  }
}

describe('pub/sub: RESP2 subscribe mode on a raw socket, as Redis does it', () => {
  let fx: WireFixture;
  const raws: RawClient[] = [];

  async function raw(): Promise<RawClient> {
    const c = await RawClient.connect(fx.port);
    raws.push(c);
    return c;
  }

  beforeEach(async () => {
    fx = await WireFixture.start();
  });

  afterEach(async () => {
    for (const c of raws.splice(0)) c.close();
    await fx.close();
  });

  it('confirms each (P)SUBSCRIBE with [kind, channel, count], allows only the pub/sub commands, PING as [pong, msg]', async () => {
    const r = new Resp2Reader(await raw());
    expect(await r.send(['SUBSCRIBE a b'], 2)).to.deep.equal([
      ['subscribe', 'a', 1],
      ['subscribe', 'b', 2],
    ]);
    expect(await r.send(['PSUBSCRIBE registry:*'], 1)).to.deep.equal([['psubscribe', 'registry:*', 3]]);
    // Subscribing again to a channel it has does not count it twice.
    expect(await r.send(['SUBSCRIBE a'], 1)).to.deep.equal([['subscribe', 'a', 3]]);
    expect(await r.send(['HBEAT w h', 'EVENTS.READ SINCE 0', 'CLIENT ID', 'PUBLISH x y', 'MULTI'], 5)).to.deep.equal([
      `ERROR ${SUBSCRIBE_MODE_ERROR('hbeat')}`,
      `ERROR ${SUBSCRIBE_MODE_ERROR('events.read')}`,
      `ERROR ${SUBSCRIBE_MODE_ERROR('client|id')}`,
      `ERROR ${SUBSCRIBE_MODE_ERROR('publish')}`,
      `ERROR ${SUBSCRIBE_MODE_ERROR('multi')}`,
    ]);
    expect(await r.send(['PING', 'PING hello'], 2)).to.deep.equal([
      ['pong', ''],
      ['pong', 'hello'],
    ]);
    // The refused HBEAT changed nothing.
    expect(fx.server.server.registry.workerCount()).to.equal(0);

    const left = await r.send(['UNSUBSCRIBE'], 2);
    expect(left.map((x) => (x as unknown[])[0])).to.deep.equal(['unsubscribe', 'unsubscribe']);
    expect(left.map((x) => (x as unknown[])[1]).sort()).to.deep.equal(['a', 'b']);
    expect(left.map((x) => (x as unknown[])[2])).to.deep.equal([2, 1]);
    expect(await r.send(['PUNSUBSCRIBE'], 1)).to.deep.equal([['punsubscribe', 'registry:*', 0]]);
    // With nothing left: one reply with a nil channel and 0.
    expect(await r.send(['UNSUBSCRIBE', 'PUNSUBSCRIBE'], 2)).to.deep.equal([
      ['unsubscribe', null, 0],
      ['punsubscribe', null, 0],
    ]);
    // Out of subscribe mode: commands run again and PING is PONG.
    expect(await r.send(['HBEAT w h', 'PING'], 2)).to.deep.equal([1, 'PONG']);
  });

  it('UNSUBSCRIBE on a connection that never subscribed answers [unsubscribe, nil, 0] and stays in normal mode', async () => {
    const r = new Resp2Reader(await raw());
    expect(await r.send(['UNSUBSCRIBE', 'UNSUBSCRIBE nope', 'HBEAT w h'], 3)).to.deep.equal([
      ['unsubscribe', null, 0],
      ['unsubscribe', 'nope', 0],
      1,
    ]);
  });

  it('delivers registry events as message / pmessage arrays, in revision order', async () => {
    const sub = new Resp2Reader(await raw());
    await sub.send(['SUBSCRIBE registry:worker.online', 'PSUBSCRIBE registry:hive.*'], 2);
    const worker = new Resp2Reader(await raw());
    expect(await worker.send(['HBEAT gpu0 hive-a'], 1)).to.deep.equal([1]);
    const [online, hive] = (await sub.next(2)) as [string[], string[]];
    expect(online.slice(0, 2)).to.deep.equal(['message', 'registry:worker.online']);
    expect(hive.slice(0, 3)).to.deep.equal(['pmessage', 'registry:hive.*', 'registry:hive.online']);
    const e1 = JSON.parse(online[2]!) as RegistryEventJson;
    const e2 = JSON.parse(hive[3]!) as RegistryEventJson;
    expect(e1).to.include({ type: 'worker.online', rev: 1, worker_id: 'gpu0', hive_id: 'hive-a', at_ms: fx.clock.now() });
    expect(e2).to.deep.equal({ type: 'hive.online', rev: 2, at_ms: fx.clock.now(), hive_id: 'hive-a' });
  });

  it('RESET leaves subscribe mode (and drops the subscriptions); QUIT is allowed and closes', async () => {
    const c = await raw();
    const r = new Resp2Reader(c);
    await r.send(['SUBSCRIBE jobs'], 1);
    expect(await r.send(['RESET', 'HBEAT w h'], 2)).to.deep.equal(['RESET', 1]);
    expect(fx.server.server.pubsub.numsub('jobs')).to.equal(0);
    await r.send(['PSUBSCRIBE *'], 1);
    expect(await r.send(['QUIT'], 1)).to.deep.equal(['OK']);
    await c.closed;
    await until(() => fx.server.server.pubsub.numpat() === 0, 'the server to drop the closed subscriber');
  });
});

describe('pub/sub: RESP3 on a raw socket (HELLO 3)', () => {
  let fx: WireFixture;
  let c: RawClient;

  beforeEach(async () => {
    fx = await WireFixture.start();
    c = await RawClient.connect(fx.port);
  });

  afterEach(async () => {
    c.close();
    await fx.close();
  });

  it('confirmations and messages are pushes (>), and the connection keeps running commands in order', async () => {
    await c.request('HELLO 3\r\n', 'registry_version');
    const mark = c.received.length;
    c.send('SUBSCRIBE registry:worker.online\r\nHBEAT gpu0 hive-a\r\nPING\r\nEVENTS.REV\r\n');
    const text = (await c.readUntil((b) => b.subarray(mark).includes('capacity\r\n:100000\r\n'))).subarray(mark).toString('latin1');
    const json = JSON.stringify({ type: 'worker.online', rev: 1, at_ms: fx.clock.now(), worker_id: 'gpu0', hive_id: 'hive-a' }).slice(
      0,
      -1,
    );
    const push = `>3\r\n$7\r\nmessage\r\n$22\r\nregistry:worker.online\r\n$`;
    // The subscribe confirmation, then HBEAT's event push before HBEAT's own reply (:1), then PONG, then the map.
    expect(text.startsWith('>3\r\n$9\r\nsubscribe\r\n$22\r\nregistry:worker.online\r\n:1\r\n' + push)).to.equal(true, text);
    expect(text).to.include(json);
    const afterPush = text.indexOf(json);
    expect(text.indexOf('\r\n:1\r\n+PONG\r\n%4\r\n$3\r\nrev\r\n:2\r\n', afterPush)).to.be.greaterThan(afterPush);
    // In RESP3, UNSUBSCRIBE with nothing left answers a push with a null channel.
    const mark2 = c.received.length;
    c.send('UNSUBSCRIBE\r\nUNSUBSCRIBE\r\n');
    const bye = await c.readUntil((b) => b.subarray(mark2).toString('latin1').endsWith('_\r\n:0\r\n'));
    expect(bye.subarray(mark2).toString('latin1')).to.equal(
      '>3\r\n$11\r\nunsubscribe\r\n$22\r\nregistry:worker.online\r\n:0\r\n>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n',
    );
  });
});

for (const mode of MODES) {
  describe(`pub/sub through ioredis ${mode.name}`, () => {
    let fx: WireFixture;
    let r: Client;

    beforeEach(async () => {
      fx = await WireFixture.start();
      r = await fx.ioredis(mode.options);
    });

    afterEach(async () => {
      await fx.close();
    });

    it("PSUBSCRIBE registry:* receives a worker's whole life, payloads identical to EVENTS.READ", async () => {
      const sub = await fx.ioredis(mode.options);
      const inbox = Inbox.of(sub);
      expect(await sub.psubscribe('registry:*')).to.equal(1);
      await r.call('HBEAT', 'gpu0', 'hive-a', 'STATE', 'Idle', 'MODEL', 'llama');
      await r.call('HBEAT', 'gpu0', 'hive-a', 'STATE', 'Busy');
      await r.call('HBEAT', 'gpu0', 'hive-a', 'GPU', '50'); // no change of state: no event
      await r.call('HBEAT', 'gpu0', 'hive-b'); // moves: hive-a is left empty
      await r.call('WORKER.DEL', 'gpu0');
      const types = [
        'worker.online',
        'hive.online',
        'worker.state',
        'worker.state',
        'hive.online',
        'hive.removed',
        'worker.removed',
        'hive.removed',
      ];
      const messages = await inbox.count(types.length);
      expect(messages.every((m) => m.pattern === 'registry:*')).to.equal(true);
      const events = inbox.events;
      expect(events.map((e) => e.type)).to.deep.equal(types);
      expect(messages.map((m) => m.channel)).to.deep.equal(types.map((t) => `registry:${t}`));
      expect(events.map((e) => e.rev)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(events.every((e) => e.at_ms === fx.clock.now())).to.equal(true);
      expect(events[0]).to.include({ worker_id: 'gpu0', hive_id: 'hive-a', state: 'Idle', model_id: 'llama' });
      expect(events[2]).to.include({ worker_id: 'gpu0', state: 'Busy' });
      expect(events[3]).to.include({ worker_id: 'gpu0', hive_id: 'hive-b', moved_from: 'hive-a' });
      expect(events[5]).to.include({ hive_id: 'hive-a' });
      expect(events[7]).to.include({ hive_id: 'hive-b' });
      // The feed and the channel carry the same bytes.
      expect(await r.call('EVENTS.READ', 'SINCE', '0')).to.deep.equal(messages.map((m) => m.payload));
    });

    it('SUBSCRIBE registry:<type> gets only that type; after UNSUBSCRIBE, nothing', async () => {
      const sub = await fx.ioredis(mode.options);
      const inbox = Inbox.of(sub);
      await sub.subscribe('registry:worker.state');
      await r.call('HBEAT', 'w', 'h');
      await r.call('HBEAT', 'w', 'h', 'STATE', 'Loading');
      const e = await inbox.event('worker.state');
      expect(e).to.include({ rev: 3, worker_id: 'w', state: 'Loading' });
      expect(inbox.messages).to.have.length(1);
      await sub.unsubscribe('registry:worker.state');
      await r.call('HBEAT', 'w', 'h', 'STATE', 'Idle');
      // A marker on a channel it still has proves the state event would have arrived by now.
      await sub.subscribe('marker');
      expect(await r.call('PUBLISH', 'marker', 'done')).to.equal(1);
      await inbox.waitFor((m) => m.channel === 'marker', 'the marker');
      expect(inbox.messages.map((m) => m.channel)).to.deep.equal(['registry:worker.state', 'marker']);
    });

    it('PUBLISH on own channels counts receivers; registry: is reserved; PUBSUB CHANNELS / NUMSUB / NUMPAT', async () => {
      const s1 = await fx.ioredis(mode.options);
      const s2 = await fx.ioredis(mode.options);
      const s3 = await fx.ioredis(mode.options);
      const in1 = Inbox.of(s1);
      const in2 = Inbox.of(s2);
      await s1.subscribe('jobs', 'jobs:done');
      await s2.psubscribe('jobs*');
      await s3.psubscribe('jobs*', 'registry:*');
      expect(await r.call('PUBLISH', 'jobs', 'hello')).to.equal(3);
      expect(await r.call('PUBLISH', 'nobody', 'x')).to.equal(0);
      expect((await in1.waitFor((m) => m.channel === 'jobs', 'jobs')).payload).to.equal('hello');
      expect(await in2.waitFor((m) => m.channel === 'jobs', 'jobs')).to.include({ pattern: 'jobs*', payload: 'hello' });

      const reserved = await rejection(r.call('PUBLISH', 'registry:worker.online', '{"fake":true}'));
      expect(reserved.message).to.equal("ERR channels starting with 'registry:' are reserved for registry events");

      expect(await r.call('PUBSUB', 'CHANNELS')).to.deep.equal(['jobs', 'jobs:done']);
      expect(await r.call('PUBSUB', 'CHANNELS', '*:done')).to.deep.equal(['jobs:done']);
      expect(await r.call('PUBSUB', 'CHANNELS', 'registry:*')).to.deep.equal([]);
      // A flat array in RESP3 too, as Redis sends it.
      expect(await r.call('PUBSUB', 'NUMSUB', 'jobs', 'nope')).to.deep.equal(['jobs', 1, 'nope', 0]);
      expect(await r.call('PUBSUB', 'NUMSUB')).to.deep.equal([]);
      expect(await r.call('PUBSUB', 'NUMPAT')).to.equal(2); // unique patterns: jobs* and registry:*

      // A subscriber that goes away takes its subscriptions with it.
      s1.disconnect();
      s2.disconnect();
      s3.disconnect();
      await until(
        async () => (await r.call('PUBSUB', 'NUMPAT')) === 0 && ((await r.call('PUBSUB', 'CHANNELS')) as unknown[]).length === 0,
        'the subscriptions to go',
      );
      expect(await r.call('PUBLISH', 'jobs', 'again')).to.equal(0);
    });

    it('CLIENT LIST shows a subscriber as flags=P with its sub and psub counts', async () => {
      const sub = await fx.ioredis({ ...mode.options, connectionName: 'listener' });
      await sub.subscribe('a', 'b');
      await sub.psubscribe('registry:*');
      const line = String(await r.call('CLIENT', 'LIST'))
        .split('\n')
        .find((l) => l.includes(' name=listener '));
      expect(line).to.match(/ flags=P db=0 sub=2 psub=1 /);
      const mine = String(await r.call('CLIENT', 'INFO'));
      expect(mine).to.match(/ flags=N db=0 sub=0 psub=0 /);
    });

    if (mode.resp === 2) {
      it('a RESP2 subscriber: PING answers [pong, ""], and ioredis itself refuses other commands', async () => {
        const sub = await fx.ioredis(mode.options);
        await sub.subscribe('a');
        expect(await sub.ping()).to.deep.equal(['pong', '']);
        expect(await sub.ping('hi')).to.deep.equal(['pong', 'hi']);
        expect((await rejection(sub.call('HBEAT', 'w', 'h'))).message).to.match(/subscriber mode/);
        expect(await sub.unsubscribe()).to.equal(0);
        expect(await sub.call('HBEAT', 'w', 'h')).to.equal(1);
      });
    } else {
      it('a RESP3 subscriber keeps running registry commands on the same connection, messages interleaved', async () => {
        const sub = await fx.ioredis(mode.options);
        const inbox = Inbox.of(sub);
        await sub.psubscribe('registry:*');
        expect(await sub.call('HBEAT', 'gpu0', 'hive-a', 'STATE', 'Idle')).to.equal(1);
        expect(await sub.ping()).to.equal('PONG');
        expect(record(await sub.call('EVENTS.REV'))).to.include({ rev: 2 });
        await inbox.event('hive.online');
        expect(record(await sub.call('WORKER.GET', 'gpu0'))).to.include({ worker_id: 'gpu0', online: 1 });
        expect(String(await sub.call('CLIENT', 'INFO'))).to.include(' resp=3 ');
      });
    }
  });
}

describe('pub/sub through ioredis with its defaults', () => {
  let fx: WireFixture;

  beforeEach(async () => {
    fx = await WireFixture.start();
  });

  afterEach(async () => {
    await fx.close();
  });

  it('ioredis 6 negotiates RESP3 by default (HELLO 3), so a subscriber may go on sending commands', async () => {
    const sub = await fx.ioredis();
    const inbox = Inbox.of(sub);
    expect(String(await sub.call('CLIENT', 'INFO'))).to.include(' resp=3 ');
    await sub.subscribe('registry:worker.online');
    expect(await sub.call('HBEAT', 'w', 'h')).to.equal(1);
    expect(await inbox.event('worker.online')).to.include({ worker_id: 'w', rev: 1 });
  });
});

describe('pub/sub through node-redis (RESP3)', () => {
  let fx: WireFixture;
  type NodeRedis = ReturnType<typeof createClient>;
  let clients: NodeRedis[];

  async function connect(): Promise<NodeRedis> {
    const client: NodeRedis = createClient({ socket: { host: '127.0.0.1', port: fx.port, reconnectStrategy: false } });
    client.on('error', () => {});
    clients.push(client);
    await client.connect();
    return client;
  }

  beforeEach(async () => {
    fx = await WireFixture.start();
    clients = [];
  });

  afterEach(async () => {
    for (const c of clients) if (c.isOpen) c.destroy();
    await fx.close();
  });

  it('pSubscribe / subscribe listeners get registry events and published messages; the same client runs commands', async () => {
    const c = await connect();
    const inbox = new Inbox();
    await c.pSubscribe('registry:*', (payload, channel) => inbox.add({ channel, pattern: 'registry:*', payload }));
    await c.subscribe('jobs', (payload, channel) => inbox.add({ channel, pattern: null, payload }));
    // node-redis speaks RESP3, so the subscribed connection still serves commands.
    expect(await c.sendCommand(['HBEAT', 'gpu0', 'hive-a', 'STATE', 'Busy'])).to.equal(1);
    expect(await c.sendCommand(['PUBSUB', 'NUMPAT'])).to.equal(1);
    const publisher = await connect();
    // node-redis' own PUBSUB helpers read our replies.
    expect(await publisher.pubSubNumSub(['jobs', 'nope'])).to.deep.equal({ jobs: 1, nope: 0 });
    expect(await publisher.pubSubNumPat()).to.equal(1);
    expect(await publisher.pubSubChannels()).to.deep.equal(['jobs']);
    expect(await publisher.publish('jobs', 'run gpu0')).to.equal(1);
    const online = await inbox.event('worker.online');
    expect(online).to.include({ worker_id: 'gpu0', hive_id: 'hive-a', state: 'Busy', rev: 1 });
    expect(await inbox.waitFor((m) => m.channel === 'jobs', 'jobs')).to.include({ payload: 'run gpu0' });
    await c.pUnsubscribe('registry:*');
    await c.unsubscribe('jobs');
    expect(await publisher.sendCommand(['PUBSUB', 'NUMPAT'])).to.equal(0);
    expect(await publisher.publish('jobs', 'nobody')).to.equal(0);
  });
});

describeNeeding(['redis-cli'], 'pub/sub through redis-cli', () => {
  let fx: WireFixture;
  let cli: ChildProcess | null = null;

  beforeEach(async () => {
    fx = await WireFixture.start();
  });

  afterEach(async () => {
    if (cli !== null && cli.exitCode === null) {
      const exited = new Promise((resolve) => cli!.once('exit', resolve));
      cli.kill('SIGTERM');
      await exited;
    }
    cli = null;
    await fx.close();
  });

  it('redis-cli PSUBSCRIBE registry:* prints each event as it happens', async () => {
    cli = spawn('redis-cli', ['-p', String(fx.port), 'PSUBSCRIBE', 'registry:worker.*'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const waiters: Array<() => void> = [];
    cli.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      waiters.forEach((w) => w());
    });
    const seen = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-cli printed ${JSON.stringify(out)}`)), 5000);
        const check = () => {
          if (out.includes(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        waiters.push(check);
        check();
      });
    await seen('psubscribe\nregistry:worker.*\n1\n');
    const r = await fx.ioredis();
    await r.call('HBEAT', 'cli-worker', 'hive-a', 'STATE', 'Busy');
    await seen('"worker_id":"cli-worker"');
    const lines = out.trim().split('\n');
    expect(lines.slice(3, 6)).to.deep.equal(['pmessage', 'registry:worker.*', 'registry:worker.online']);
    expect(JSON.parse(lines[6]!)).to.include({ type: 'worker.online', rev: 1, worker_id: 'cli-worker', state: 'Busy' });
    // hive.online does not match registry:worker.*
    expect(out).to.not.include('hive.online');
  });
});

describe('pub/sub: a subscriber that stops reading', () => {
  const HARD_LIMIT = 65536;
  let fx: WireFixture;
  let slow: RawClient | null = null;
  let warnings: string[];

  beforeEach(async () => {
    // The server tells the operator whom it cut off; keep that out of the test output, and check it.
    warnings = [];
    fx = await WireFixture.start({ logger: new Logger({ level: 'warning', write: (line) => void warnings.push(line) }) });
  });

  afterEach(async () => {
    slow?.close();
    slow = null;
    await fx.close();
  });

  it('is disconnected at the pubsub output buffer limit; other clients are unaffected and memory stays bounded', async function () {
    this.timeout(30_000);
    const admin = await fx.ioredis({ protocol: 2 });
    expect(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', `pubsub ${HARD_LIMIT} 0 0`)).to.equal('OK');
    expect(infoField(await admin.call('INFO', 'stats'), 'client_output_buffer_limit_disconnections')).to.equal('0');

    slow = await RawClient.connect(fx.port);
    await slow.request('PSUBSCRIBE registry:*\r\n', ':1\r\n');
    slow.socket.pause(); // never reads again: the kernel buffers fill, then the server's

    const reader = await fx.ioredis({ protocol: 2 });
    const inbox = Inbox.of(reader);
    await reader.psubscribe('registry:*');
    const worker = await fx.ioredis({ protocol: 2 });

    // Heartbeats of 100 workers that flip their state: one worker.state event each. Each round is one pipeline
    // whose events (~20 KB) stay well under the limit for a subscriber that reads.
    const WORKERS = 100;
    const connections = () => [...fx.server.server.clients()];
    let rounds = 0;
    let maxBuffered = 0;
    const disconnections = async () => Number(infoField(await admin.call('INFO', 'stats'), 'client_output_buffer_limit_disconnections'));
    while ((await disconnections()) === 0) {
      expect(rounds, 'rounds before the slow subscriber was cut off').to.be.below(2000);
      const pipeline = worker.pipeline();
      for (let i = 0; i < WORKERS; i++)
        pipeline.call(
          'HBEAT',
          `w${i}`,
          `hive-${i % 4}`,
          'STATE',
          rounds % 2 === 0 ? 'Busy' : 'Idle',
          'URL',
          `http://10.0.0.${i % 250}:8080/v1`,
        );
      const results = (await pipeline.exec())!;
      expect(results.every(([err]) => err === null)).to.equal(true);
      rounds++;
      for (const c of connections()) maxBuffered = Math.max(maxBuffered, c.outputBufferBytes());
    }
    // Never more than the limit plus one message was held for any client.
    expect(maxBuffered).to.be.at.most(HARD_LIMIT + 4096);
    expect(await disconnections()).to.equal(1);
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /^\d+:M .* # Closing client id=\d+ addr=127\.0\.0\.1:\d+: pubsub output buffer \d+ bytes over the hard limit\n$/,
    );
    expect(Number(await admin.call('PUBSUB', 'NUMPAT'))).to.equal(1); // the reader's registry:*

    // The slow client sees the end of its connection once it reads what was already in flight.
    slow.socket.resume();
    await slow.closed;

    // The reading subscriber got every event, in order, and the worker every reply.
    const rev = Number(record(await admin.call('EVENTS.REV')).rev);
    const all = await inbox.count(rev);
    expect(all).to.have.length(rev);
    expect(all.map((m) => (JSON.parse(m.payload) as RegistryEventJson).rev)).to.deep.equal(Array.from({ length: rev }, (_, i) => i + 1));
    expect(await worker.call('WORKER.COUNT')).to.equal(WORKERS);
    expect(connections()).to.have.length(3);
  });
});
