// EVENTS.READ in-process, in both protocols: events as JSON strings oldest first, COUNT, an empty array when there
// is nothing new or BLOCK times out, BLOCK woken by the next event, COMPACTED for a revision the log no longer holds
// or never gave out, and every documented argument error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

const events = (reply: unknown): Array<{ type: string; rev: number; worker_id?: string }> =>
  (reply as Array<string | Buffer>).map((e) => JSON.parse(String(e)) as { type: string; rev: number });

describe('EVENTS.READ (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness({ eventLogSize: 4 });
    await h.run(['HBEAT', 'w1', 'hive-a']);
  });
  afterEach(() => h.stop());

  it('answers the events after SINCE as JSON strings, oldest first: the same array in both protocols', async () => {
    const { resp2, resp3 } = await h.both(['EVENTS.READ', 'SINCE', '0']);
    const got = events(resp2.reply);
    expect(got.map((e) => e.type)).to.deep.equal(['worker.online', 'hive.online']);
    expect(got.map((e) => e.rev)).to.deep.equal([1, 2]);
    expect(got[0]!.worker_id).to.equal('w1');
    expect(resp3.resp3).to.equal(resp2.resp2);
    expect(resp2.resp2).to.match(/^\*2\r\n\$\d+\r\n\{"type":"worker\.online"/);
  });

  it('COUNT caps the events; a read at the newest revision is an empty array', async () => {
    expect(events((await h.run(['EVENTS.READ', 'SINCE', '0', 'COUNT', '1'])).reply).map((e) => e.rev)).to.deep.equal([1]);
    const none = await h.run(['EVENTS.READ', 'SINCE', '2'], h.client(3));
    expect([none.resp2, none.resp3]).to.deep.equal(['*0\r\n', '*0\r\n']);
  });

  it('BLOCK waits for the next event, and answers an empty array when it times out', async () => {
    const waiting = h.run(['EVENTS.READ', 'SINCE', '2', 'BLOCK', '0']);
    await h.run(['HBEAT', 'w2', 'hive-b']);
    expect(events((await waiting).reply).map((e) => e.type)).to.deep.equal(['worker.online', 'hive.online']);
    const timedOut = await h.run(['EVENTS.READ', 'SINCE', String(h.server.registry.events.lastRev), 'BLOCK', '1']);
    expect(timedOut.resp2).to.equal('*0\r\n');
  });

  it('inside MULTI, BLOCK does not wait: EXEC answers an empty array for it at once', async () => {
    const c = h.client(3);
    await h.run(['MULTI'], c);
    await h.run(['EVENTS.READ', 'SINCE', String(h.server.registry.events.lastRev), 'BLOCK', '0'], c);
    const exec = await h.run(['EXEC'], c);
    expect([exec.resp2, exec.resp3]).to.deep.equal(['*1\r\n*0\r\n', '*1\r\n*0\r\n']);
  });

  it('answers COMPACTED for a revision the log dropped, and for one it never gave out', async () => {
    for (const w of ['w2', 'w3']) await h.run(['HBEAT', w, `hive-${w}`]);
    const oldest = h.server.registry.events.oldestRev;
    expect(oldest).to.be.greaterThan(1);
    await h.refuses(
      ['EVENTS.READ', 'SINCE', '0'],
      `COMPACTED revisions up to ${oldest - 1} are gone; the oldest revision kept is ${oldest}: resync with a full read`,
    );
    const newest = h.server.registry.events.lastRev;
    await h.refuses(
      ['EVENTS.READ', 'SINCE', '999'],
      `COMPACTED revision 999 is ahead of the newest revision ${newest} (the registry restarted without its snapshot); the oldest revision kept is ${oldest}: resync with a full read`,
    );
  });

  it('refuses bad arguments in the words documented', async () => {
    await h.refuses(['EVENTS.READ', 'COUNT', '1'], 'ERR syntax error, SINCE is required');
    await h.refuses(['EVENTS.READ', 'SINCE', 'x'], "ERR invalid SINCE 'x': expected a non-negative integer");
    await h.refuses(['EVENTS.READ', 'SINCE', '0', 'COUNT', '0'], "ERR invalid COUNT '0': expected a positive integer");
    await h.refuses(['EVENTS.READ', 'SINCE', '0', 'BLOCK', '-1'], "ERR invalid BLOCK '-1': expected an integer from 0 to 2147483647");
    await h.refuses(['EVENTS.READ', 'SINCE', '0', 'LIMIT', '1'], "ERR syntax error, unknown option 'LIMIT'");
    await h.refuses(['EVENTS.READ', 'SINCE'], "ERR wrong number of arguments for 'events.read' command");
  });
});
