// The resumable event feed over real sockets: EVENTS.READ SINCE / COUNT / BLOCK and EVENTS.REV through ioredis
// (RESP2 and RESP3) and a raw socket: oldest first, blocking until the next event (woken by another client's
// heartbeat, never by a sleep), timeouts, COMPACTED, MULTI, and pipelined commands behind a blocked read.

import { expect } from 'chai';
import { countResp2Replies, parseResp2 } from '../helpers/resp2.js';
import { RawClient } from '../helpers/server.js';
import type { Connection } from '../../src/server/connection.js';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';
import { until, type RegistryEventJson } from './inbox.js';

const parse = (reply: unknown) => (reply as string[]).map((json) => JSON.parse(json) as RegistryEventJson);

for (const mode of MODES) {
  describe(`EVENTS.READ / EVENTS.REV through ioredis ${mode.name}`, () => {
    let fx: WireFixture;
    let r: Client;
    const waiting = () => fx.server.server.registry.events.waiting;

    beforeEach(async () => {
      fx = await WireFixture.start();
      r = await fx.ioredis(mode.options);
    });

    afterEach(async () => {
      await fx.close();
    });

    it('EVENTS.REV before any event; then events oldest first, COUNT and SINCE pages, nothing past the end', async () => {
      expect(record(await r.call('EVENTS.REV'))).to.deep.equal({ rev: 0, oldest_rev: 1, length: 0, capacity: 100_000 });
      expect(await r.call('EVENTS.READ', 'SINCE', '0')).to.deep.equal([]);
      await r.call('HBEAT', 'w1', 'hive-a');
      await r.call('HBEAT', 'w2', 'hive-a');
      await r.call('HBEAT', 'w1', 'hive-a', 'STATE', 'Busy');
      const all = parse(await r.call('EVENTS.READ', 'SINCE', '0'));
      expect(all.map((e) => [e.rev, e.type, e.worker_id ?? e.hive_id])).to.deep.equal([
        [1, 'worker.online', 'w1'],
        [2, 'hive.online', 'hive-a'],
        [3, 'worker.online', 'w2'],
        [4, 'worker.state', 'w1'],
      ]);
      expect(all.every((e) => e.at_ms === fx.clock.now())).to.equal(true);
      expect(all[3]).to.include({ hive_id: 'hive-a', state: 'Busy', health: 'healthy' });
      expect(parse(await r.call('EVENTS.READ', 'SINCE', '0', 'COUNT', '2')).map((e) => e.rev)).to.deep.equal([1, 2]);
      expect(parse(await r.call('events.read', 'since', '2', 'count', '1')).map((e) => e.rev)).to.deep.equal([3]);
      expect(parse(await r.call('EVENTS.READ', 'SINCE', '2')).map((e) => e.rev)).to.deep.equal([3, 4]);
      expect(await r.call('EVENTS.READ', 'SINCE', '4')).to.deep.equal([]);
      // A revision never given out (the client saw a registry that restarted without its snapshot): resync.
      expect((await rejection(r.call('EVENTS.READ', 'SINCE', '99'))).message).to.match(
        /^COMPACTED revision 99 is ahead of the newest revision 4 \(the registry restarted without its snapshot\); the oldest revision kept is 1: /,
      );
      expect(record(await r.call('EVENTS.REV'))).to.deep.equal({ rev: 4, oldest_rev: 1, length: 4, capacity: 100_000 });
    });

    it('refuses bad arguments in its own words', async () => {
      const error = async (...args: string[]) => (await rejection(r.call('EVENTS.READ', ...args))).message;
      expect(await error('COUNT', '1')).to.equal('ERR syntax error, SINCE is required');
      expect(await error('SINCE', '-1')).to.equal("ERR invalid SINCE '-1': expected a non-negative integer");
      expect(await error('SINCE', '0', 'COUNT', '0')).to.match(/^ERR invalid COUNT '0'/);
      expect(await error('SINCE', '0', 'BLOCK', 'soon')).to.match(/^ERR invalid BLOCK 'soon'/);
      expect(await error('SINCE', '0', 'FROM', '1')).to.match(/^ERR syntax error/);
      expect((await rejection(r.call('EVENTS.READ', 'SINCE'))).message).to.match(/^ERR (wrong number of arguments|syntax error)/);
      expect((await rejection(r.call('EVENTS.REV', 'x'))).message).to.equal("ERR wrong number of arguments for 'events.rev' command");
    });

    it('BLOCK waits for the next event and returns the whole batch it came in', async () => {
      await r.call('HBEAT', 'w1', 'hive-a');
      const reader = await fx.ioredis(mode.options);
      let settled = false;
      const read = reader.call('EVENTS.READ', 'SINCE', '2', 'BLOCK', '0').finally(() => (settled = true));
      await until(() => waiting() === 1, 'the reader to block');
      // Other clients are served meanwhile, and an unrelated refresh wakes nobody.
      expect(await r.call('HBEAT', 'w1', 'hive-a')).to.equal(0);
      expect(await r.call('WORKER.COUNT')).to.equal(1);
      expect(settled).to.equal(false);
      // A new worker on a new hive: two events, both in the one reply.
      expect(await r.call('HBEAT', 'w2', 'hive-b')).to.equal(1);
      expect(parse(await read).map((e) => [e.rev, e.type])).to.deep.equal([
        [3, 'worker.online'],
        [4, 'hive.online'],
      ]);
      expect(waiting()).to.equal(0);
    });

    it('BLOCK with a timeout answers an empty array when nothing happens', async () => {
      const started = performance.now();
      expect(await r.call('EVENTS.READ', 'SINCE', '0', 'BLOCK', '60')).to.deep.equal([]);
      expect(performance.now() - started).to.be.at.least(55);
      expect(waiting()).to.equal(0);
      // The connection is usable at once.
      expect(await r.call('WORKER.COUNT')).to.equal(0);
    });

    it('BLOCK returns at once when events are already there', async () => {
      await r.call('HBEAT', 'w1', 'hive-a');
      expect(parse(await r.call('EVENTS.READ', 'SINCE', '1', 'BLOCK', '0')).map((e) => e.type)).to.deep.equal(['hive.online']);
    });

    it('inside MULTI, BLOCK does not wait; MULTI with EVENTS.REV is the resync point', async () => {
      await r.call('HBEAT', 'w1', 'hive-a');
      const results = await r.multi().call('WORKER.LIST').call('EVENTS.REV').call('EVENTS.READ', 'SINCE', '2', 'BLOCK', '0').exec();
      expect(results).to.have.length(3);
      const [list, rev, read] = results!.map(([err, value]) => {
        expect(err).to.equal(null);
        return value;
      });
      expect(list).to.have.length(1);
      expect(record(rev)).to.include({ rev: 2 });
      expect(read).to.deep.equal([]);
      expect(waiting()).to.equal(0);
    });

    it('a blocked reader that disconnects stops waiting', async () => {
      const reader = await fx.ioredis(mode.options);
      void reader.call('EVENTS.READ', 'SINCE', '0', 'BLOCK', '0').catch(() => {});
      await until(() => waiting() === 1, 'the reader to block');
      reader.disconnect();
      await until(() => waiting() === 0, 'the wait to be cancelled');
      expect(await r.call('HBEAT', 'w', 'h')).to.equal(1);
    });
  });
}

describe('EVENTS.READ: a short log (--event-log 5)', () => {
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start({ eventLogSize: 5 });
    r = await fx.ioredis({ protocol: 2 });
    await r.call('HBEAT', 'w1', 'h'); // 1 worker.online, 2 hive.online
    await r.call('HBEAT', 'w2', 'h'); // 3
    await r.call('HBEAT', 'w3', 'h'); // 4
    for (const w of ['w1', 'w2', 'w3']) await r.call('HBEAT', w, 'h', 'STATE', 'Busy'); // 5, 6, 7
  });

  afterEach(async () => {
    await fx.close();
  });

  it('keeps the newest 5; a reader behind them gets COMPACTED, even with BLOCK', async () => {
    expect(record(await r.call('EVENTS.REV'))).to.deep.equal({ rev: 7, oldest_rev: 3, length: 5, capacity: 5 });
    expect(parse(await r.call('EVENTS.READ', 'SINCE', '2')).map((e) => e.rev)).to.deep.equal([3, 4, 5, 6, 7]);
    const compacted = 'COMPACTED revisions up to 2 are gone; the oldest revision kept is 3: resync with a full read';
    expect((await rejection(r.call('EVENTS.READ', 'SINCE', '1'))).message).to.equal(compacted);
    expect((await rejection(r.call('EVENTS.READ', 'SINCE', '0'))).message).to.equal(compacted);
    expect((await rejection(r.call('EVENTS.READ', 'SINCE', '1', 'BLOCK', '0'))).message).to.equal(compacted);
    expect(fx.server.server.registry.events.waiting).to.equal(0);
  });

  it('the resync recipe: a full read with EVENTS.REV in one MULTI, then reading on from that revision', async () => {
    const results = (await r.multi().call('WORKER.LIST').call('EVENTS.REV').exec())!;
    expect((results[0]![1] as unknown[]).map((w) => record(w).state)).to.deep.equal(['Busy', 'Busy', 'Busy']);
    const rev = Number(record(results[1]![1]).rev);
    expect(rev).to.equal(7);
    const next = await fx.ioredis({ protocol: 2 });
    const read = next.call('EVENTS.READ', 'SINCE', String(rev), 'BLOCK', '0');
    await until(() => fx.server.server.registry.events.waiting === 1, 'the reader to block');
    await r.call('WORKER.DEL', 'w1');
    expect(parse(await read).map((e) => [e.rev, e.type, e.worker_id])).to.deep.equal([[8, 'worker.removed', 'w1']]);
  });
});

describe('EVENTS.READ BLOCK on a raw socket: pipelined commands wait behind it, in order', () => {
  let fx: WireFixture;
  let reader: RawClient;
  let writer: RawClient;

  beforeEach(async () => {
    fx = await WireFixture.start();
    reader = await RawClient.connect(fx.port);
    writer = await RawClient.connect(fx.port);
  });

  afterEach(async () => {
    reader.close();
    writer.close();
    await fx.close();
  });

  it('PING and EVENTS.REV sent after a blocked read are answered after it, in order', async () => {
    reader.send('EVENTS.READ SINCE 0 BLOCK 0\r\nPING\r\nEVENTS.REV\r\n');
    await until(() => fx.server.server.registry.events.waiting === 1, 'the reader to block');
    // A round trip on another connection: had the server answered the PING, it would be on its way by now.
    await writer.request('PING\r\n', '+PONG\r\n');
    expect(reader.received.length).to.equal(0);
    writer.send('HBEAT gpu0 hive-a\r\n');
    const bytes = await reader.readUntil((b) => countResp2Replies(b) >= 3);
    const { replies, complete } = parseResp2(bytes);
    expect(complete).to.equal(true);
    expect(replies).to.have.length(3);
    expect(parse(replies[0]).map((e) => e.type)).to.deep.equal(['worker.online', 'hive.online']);
    expect(replies[1]).to.equal('PONG');
    expect(replies[2]).to.deep.equal(['rev', 2, 'oldest_rev', 1, 'length', 2, 'capacity', 100_000]);
  });

  it('a connection that reads with BLOCK over and over keeps no state per finished read', async () => {
    const rounds = 30;
    for (let i = 0; i < rounds; i++) {
      // Alternately woken by an event and timed out.
      const wake = i % 2 === 0;
      const mark = reader.received.length;
      reader.send(`EVENTS.READ SINCE ${fx.server.server.registry.events.lastRev} BLOCK ${wake ? 0 : 1}\r\n`);
      if (wake) {
        await until(() => fx.server.server.registry.events.waiting === 1, 'the reader to block');
        writer.send(`HBEAT w${i} h\r\n`);
      }
      await reader.readUntil((b) => countResp2Replies(b.subarray(mark)) >= 1);
    }
    expect(fx.server.server.registry.events.waiting).to.equal(0);
    // White-box: the connection holds no close hook for the reads that are over (one per read would leak).
    const connections = [...fx.server.server.clients()] as Connection[];
    for (const c of connections) {
      const hooks = (c as unknown as { closeHooks: { size?: number; length?: number } }).closeHooks;
      expect(hooks.size ?? hooks.length, `close hooks held by client ${c.id}`).to.equal(0);
    }
  });
});
