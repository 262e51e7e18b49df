// WATCH / UNWATCH through ioredis' optimistic-transaction path: accepted, errors where Redis errs, and a
// watched transaction still executes (no registry key can change under it).

import { expect } from 'chai';
import { rejection, WireFixture, type Client } from './fixture.js';

describe('WATCH / UNWATCH', () => {
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    r = await fx.ioredis({ protocol: 2 });
  });

  afterEach(async () => {
    await fx.close();
  });

  it('WATCH then MULTI/EXEC runs the transaction; UNWATCH is OK', async () => {
    expect(await r.call('WATCH', 'worker:w1', 'hive:a')).to.equal('OK');
    const results = await r.multi().call('HBEAT', 'w1', 'hive-a').call('WORKER.COUNT').exec();
    expect(results).to.deep.equal([
      [null, 1],
      [null, 1],
    ]);
    expect(await r.call('UNWATCH')).to.equal('OK');
  });

  it('WATCH inside MULTI is refused with Redis words, and the transaction still runs', async () => {
    expect(await r.call('MULTI')).to.equal('OK');
    expect((await rejection(r.call('WATCH', 'k'))).message).to.equal('ERR WATCH inside MULTI is not allowed');
    expect(await r.call('HIVE.COUNT')).to.equal('QUEUED');
    expect(await r.call('EXEC')).to.deep.equal([0]);
  });

  it('WATCH needs a key', async () => {
    expect((await rejection(r.call('WATCH'))).message).to.equal("ERR wrong number of arguments for 'watch' command");
  });
});

describe('FLUSHALL / FLUSHDB', () => {
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    r = await fx.ioredis({ protocol: 2 });
  });

  afterEach(async () => {
    await fx.close();
  });

  for (const command of ['FLUSHALL', 'FLUSHDB']) {
    it(`${command} empties the registry and publishes one registry.flushed event`, async () => {
      await r.call('HBEAT', 'w1', 'hive-a');
      await r.call('HBEAT', 'w2', 'hive-b');
      const before = Number(((await r.call('EVENTS.REV')) as unknown[])[1]);
      expect(await r.call(command, 'ASYNC')).to.equal('OK');
      expect(await r.call('WORKER.COUNT')).to.equal(0);
      expect(await r.call('HIVE.COUNT')).to.equal(0);
      expect(await r.call('DBSIZE')).to.equal(0);
      const events = ((await r.call('EVENTS.READ', 'SINCE', String(before))) as string[]).map((e) => JSON.parse(e));
      expect(events.map(({ type, workers, hives }) => ({ type, workers, hives }))).to.deep.equal([
        { type: 'registry.flushed', workers: 2, hives: 2 },
      ]);
      // The registry works as before: the same ids register anew.
      expect(await r.call('HBEAT', 'w1', 'hive-a')).to.equal(1);
      expect(await r.call('HIVE.COUNT')).to.equal(1);
      expect((await rejection(r.call(command, 'LATER'))).message).to.equal('ERR syntax error');
    });
  }
});
