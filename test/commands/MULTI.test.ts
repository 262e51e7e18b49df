// MULTI, EXEC, DISCARD, WATCH and UNWATCH in-process, in both protocols: queued commands answer QUEUED and run at
// EXEC (an array of their replies), a command that fails to queue aborts EXEC, and every documented error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('MULTI / EXEC / DISCARD / WATCH / UNWATCH (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  for (const proto of [2, 3] as const) {
    it(`RESP${proto}: MULTI answers +OK, commands answer +QUEUED, EXEC answers their replies in order`, async () => {
      const c = h.client(proto);
      expect((await h.run(['MULTI'], c)).resp2).to.equal('+OK\r\n');
      expect((await h.run(['HBEAT', 'w1', 'hive-a'], c)).resp2).to.equal('+QUEUED\r\n');
      expect((await h.run(['WORKER.COUNT'], c)).resp2).to.equal('+QUEUED\r\n');
      expect(h.server.registry.getWorker('w1')).to.equal(undefined);
      const exec = await h.run(['EXEC'], c);
      expect([exec.resp2, exec.resp3]).to.deep.equal(['*2\r\n:1\r\n:1\r\n', '*2\r\n:1\r\n:1\r\n']);
    });
  }

  it('DISCARD drops the queued commands with +OK', async () => {
    const c = h.client(3);
    await h.run(['MULTI'], c);
    await h.run(['HBEAT', 'w1', 'hive-a'], c);
    const r = await h.run(['DISCARD'], c);
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    expect(h.server.registry.getWorker('w1')).to.equal(undefined);
  });

  it('a command refused while queueing aborts EXEC with EXECABORT, running nothing', async () => {
    const c = h.client();
    await h.run(['MULTI'], c);
    await h.run(['HBEAT', 'w1', 'hive-a'], c);
    expect((await h.run(['WORKER.GET'], c)).error).to.equal("ERR wrong number of arguments for 'worker.get' command");
    const r = await h.run(['EXEC'], c);
    expect(r.error).to.equal('EXECABORT Transaction discarded because of previous errors.');
    expect(h.server.registry.getWorker('w1')).to.equal(undefined);
  });

  it('an EXEC refused before it runs discards the transaction, as Redis does: the client is out of MULTI', async () => {
    const c = h.client();
    await h.run(['MULTI'], c);
    await h.run(['HBEAT', 'w1', 'hive-a'], c);
    expect((await h.run(['EXEC', 'now'], c)).error).to.equal(
      "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command",
    );
    expect(h.server.registry.getWorker('w1')).to.equal(undefined);
    // Not queued: the transaction is gone, so this runs, and a second EXEC has nothing to run.
    expect((await h.run(['HBEAT', 'w2', 'hive-a'], c)).resp2).to.equal(':1\r\n');
    expect((await h.run(['EXEC'], c)).error).to.equal('ERR EXEC without MULTI');
  });

  it('an EXEC the user may no longer run discards the transaction with the ACL reason', async () => {
    await h.run(['ACL', 'SETUSER', 'agent', 'on', '>pw', '+@all', '~*', '&*']);
    const c = h.client();
    await h.run(['AUTH', 'agent', 'pw'], c);
    await h.run(['MULTI'], c);
    await h.run(['HBEAT', 'w1', 'hive-a'], c);
    await h.run(['ACL', 'SETUSER', 'agent', '-exec']);
    expect((await h.run(['EXEC'], c)).error).to.match(/^EXECABORT Transaction discarded because of: NOPERM .*'exec'/);
    expect((await h.run(['DISCARD'], c)).error).to.equal('ERR DISCARD without MULTI');
    expect(h.server.registry.getWorker('w1')).to.equal(undefined);
  });

  it('an EXEC refused outside MULTI answers EXECABORT with the reason too, as Redis does', async () => {
    const c = h.client();
    expect((await h.run(['EXEC', 'now'], c)).error).to.equal(
      "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command",
    );
    h.stop();
    h = new Harness({ requirePass: 'secret' });
    const anonymous = h.client();
    expect((await h.run(['EXEC'], anonymous)).error).to.equal(
      'EXECABORT Transaction discarded because of: NOAUTH Authentication required.',
    );
    // Only EXEC: any other refusal keeps its own wording.
    expect((await h.run(['DISCARD'], anonymous)).error).to.equal('NOAUTH Authentication required.');
  });

  it('WATCH and UNWATCH answer +OK outside MULTI; WATCH needs a key', async () => {
    for (const argv of [['WATCH', 'worker:w1', 'hive:h'], ['UNWATCH']]) {
      const r = await h.run(argv, h.client(3));
      expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    }
    await h.refuses(['WATCH'], "ERR wrong number of arguments for 'watch' command");
  });

  it('refuses what Redis refuses, in its words', async () => {
    await h.refuses(['EXEC'], 'ERR EXEC without MULTI');
    await h.refuses(['DISCARD'], 'ERR DISCARD without MULTI');
    const c = h.client();
    await h.run(['MULTI'], c);
    expect((await h.run(['MULTI'], c)).error).to.equal('ERR MULTI calls can not be nested');
    expect((await h.run(['WATCH', 'worker:w1'], c)).error).to.equal('ERR WATCH inside MULTI is not allowed');
    expect((await h.run(['EXEC'], c)).resp2).to.equal('*0\r\n');
  });
});
