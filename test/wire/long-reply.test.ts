// A long reply goes out one slice per turn of the event loop, so other clients are served while it is written,
// even when the kernel takes each slice at once (a reader on loopback) and the socket drains in the same turn.

import { expect } from 'chai';
import { RawClient, startTestServer, type TestServer } from '../helpers/server.js';
import { ManualClock } from '../helpers/clock.js';

describe('a long reply and the other clients', () => {
  let server: TestServer;
  const clients: RawClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.socket.destroy();
    await server.close();
  });

  it('serves another client while a long reply is still being written', async () => {
    server = await startTestServer({ clock: new ManualClock() });
    const hives = 60_000;
    for (let i = 0; i < hives; i++) server.server.registry.heartbeat(`w-${i}`, `hive-${String(i).padStart(6, '0')}`, {});
    // `*60000\r\n`, then `$11\r\nhive-000000\r\n` for each.
    const total = `*${hives}\r\n`.length + hives * 18;
    const long = await RawClient.connect(server.port);
    const other = await RawClient.connect(server.port);
    clients.push(long, other);
    long.socket.write('HIVE.ACTIVE\r\n');
    await long.readUntil((b) => b.length > 0);
    // The long reply has begun: what is left of it when the other client's command runs is still to be written.
    other.socket.write('CLIENT LIST\r\n');
    const list = (await other.readUntil((b) => b.includes('\r\n', b.indexOf('\r\n') + 2))).toString();
    const line = list.split('\n').find((l) => l.includes('cmd=hive.active'));
    const omem = Number(/ omem=(\d+)/.exec(line ?? '')?.[1]);
    expect(omem, line).to.be.greaterThan(total / 2);
    const reply = await long.readUntil((b) => b.length >= total);
    expect(reply.length).to.equal(total);
    expect(reply.subarray(0, 29).toString()).to.equal(`*${hives}\r\n$11\r\nhive-000000\r\n$11`);
  });
});
