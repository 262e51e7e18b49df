// WORKER.LIST in-process, in both protocols: every record sorted by id (offline ones included), each filter, the
// cursor form (a page as SCAN's), the refusal past reply-max-records, and every documented error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';
import { MapReply, type Reply } from '../../src/resp/reply.js';

const ids = (reply: Reply): string[] => (reply as MapReply[]).map((m) => m.entries[0]![1] as string);

describe('WORKER.LIST (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness({ offlineAfterMs: 30_000, settings: { 'reply-max-records': 3 } });
    await h.run(['HBEAT', 'w3', 'hive-b', 'STATE', 'Busy', 'MODEL', 'llama', 'BACKEND', 'cuda']);
    h.clock.advance(20_000);
    await h.run(['HBEAT', 'w1', 'hive-a', 'MODEL', 'llama']);
    await h.run(['HBEAT', 'w2', 'hive-a', 'MODEL', 'mistral', 'BACKEND', 'cuda']);
    h.clock.advance(15_000);
  });
  afterEach(() => h.stop());

  it('answers every record sorted by worker id, offline ones included: maps in RESP3, flat arrays in RESP2', async () => {
    const { resp2, resp3 } = await h.both(['WORKER.LIST']);
    expect(ids(resp3.reply)).to.deep.equal(['w1', 'w2', 'w3']);
    expect(resp3.resp3).to.match(/^\*3\r\n%19\r\n\$9\r\nworker_id\r\n\$2\r\nw1\r\n/);
    expect(resp2.resp2).to.match(/^\*3\r\n\*38\r\n\$9\r\nworker_id\r\n\$2\r\nw1\r\n/);
  });

  it('filters by HIVE, STATE (any case), MODEL, BACKEND and MAXAGE, all together', async () => {
    expect(ids((await h.run(['WORKER.LIST', 'HIVE', 'hive-a'])).reply)).to.deep.equal(['w1', 'w2']);
    expect(ids((await h.run(['WORKER.LIST', 'STATE', 'busy'])).reply)).to.deep.equal(['w3']);
    expect(ids((await h.run(['WORKER.LIST', 'MODEL', 'llama'])).reply)).to.deep.equal(['w1', 'w3']);
    expect(ids((await h.run(['WORKER.LIST', 'BACKEND', 'cuda'])).reply)).to.deep.equal(['w2', 'w3']);
    expect(ids((await h.run(['WORKER.LIST', 'MAXAGE', '30000'])).reply)).to.deep.equal(['w1', 'w2']);
    expect(ids((await h.run(['WORKER.LIST', 'MAXAGE', '30000', 'BACKEND', 'cuda', 'HIVE', 'hive-a'])).reply)).to.deep.equal(['w2']);
    const none = await h.run(['WORKER.LIST', 'HIVE', 'nope']);
    expect([none.resp2, none.resp3]).to.deep.equal(['*0\r\n', '*0\r\n']);
  });

  it('with CURSOR pages through every match exactly once; the last page has cursor "0"', async () => {
    const seen: string[] = [];
    let cursor = '0';
    let pages = 0;
    do {
      const r = await h.run(['WORKER.LIST', 'CURSOR', cursor, 'COUNT', '1', 'MODEL', 'llama'], h.client(3));
      const [next, page] = r.reply as [string, Reply];
      seen.push(...ids(page));
      cursor = String(next);
      pages++;
    } while (cursor !== '0' && pages < 100);
    expect(seen.sort()).to.deep.equal(['w1', 'w3']);
  });

  it('refuses the unpaged form past reply-max-records, naming the paged form', async () => {
    await h.run(['HBEAT', 'w4', 'hive-c']);
    await h.refuses(
      ['WORKER.LIST'],
      'ERR WORKER.LIST would return more than 3 workers (reply-max-records): page through them with WORKER.LIST … CURSOR 0 [COUNT n]',
    );
  });

  it('refuses bad options in the words documented', async () => {
    await h.refuses(['WORKER.LIST', 'ZONE', 'x'], "ERR syntax error, unknown option 'ZONE'");
    await h.refuses(['WORKER.LIST', 'STATE', 'asleep'], "ERR invalid STATE 'asleep': expected Idle, Busy or Loading");
    await h.refuses(['WORKER.LIST', 'MAXAGE', 'x'], "ERR invalid max_age_ms 'x': expected a non-negative integer");
    await h.refuses(['WORKER.LIST', 'MODEL', ''], "ERR invalid MODEL '': expected a non-empty string");
    await h.refuses(['WORKER.LIST', 'COUNT', '1'], 'ERR syntax error, COUNT needs CURSOR');
    await h.refuses(['WORKER.LIST', 'CURSOR', '-1'], 'ERR invalid cursor');
    await h.refuses(['WORKER.LIST', 'CURSOR', '0', 'COUNT', '0'], "ERR invalid COUNT '0': expected an integer from 1 to 3");
    await h.refuses(['WORKER.LIST', 'HIVE'], 'ERR syntax error, option HIVE needs a value');
  });
});
