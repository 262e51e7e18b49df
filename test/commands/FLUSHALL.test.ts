// FLUSHALL and FLUSHDB in-process, in both protocols: +OK with the registry emptied before the reply (ASYNC and SYNC
// mean the same), one registry.flushed event with the counts, and the syntax error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('FLUSHALL / FLUSHDB (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  for (const argv of [['FLUSHALL'], ['FLUSHALL', 'async'], ['FLUSHALL', 'SYNC'], ['FLUSHDB'], ['FLUSHDB', 'ASYNC']]) {
    it(`${argv.join(' ')} answers +OK with every worker and hive gone, and logs one registry.flushed event`, async () => {
      await h.run(['HBEAT', 'w1', 'hive-a']);
      await h.run(['HBEAT', 'w2', 'hive-b']);
      const rev = h.server.registry.events.lastRev;
      const r = await h.run(argv, h.client(3));
      expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
      expect([h.server.registry.workerCount(), h.server.registry.hiveCount()]).to.deep.equal([0, 0]);
      const events = h.server.registry.events.since(rev).map((e) => e.event);
      expect(events).to.have.length(1);
      expect(events[0]).to.include({ type: 'registry.flushed' });
    });
  }

  it('refuses any other argument, and more than one', async () => {
    await h.refuses(['FLUSHALL', 'NOW'], 'ERR syntax error');
    await h.refuses(['FLUSHDB', 'ASYNC', 'SYNC'], 'ERR syntax error');
  });
});
