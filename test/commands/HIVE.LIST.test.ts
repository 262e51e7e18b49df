// HIVE.LIST in-process, in both protocols: every hive id sorted, the cursor form (a page as SCAN's: the next
// cursor and ids), and its errors, including the refusal past reply-max-records; replies checked against the shape.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HIVE.LIST (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness({ settings: { 'reply-max-records': 3 } });
    for (const hive of ['hive-c', 'hive-a', 'hive-b']) await h.run(['HBEAT', `w-${hive}`, hive]);
  });
  afterEach(() => h.stop());

  it('answers every hive id, sorted, offline ones included: the same array in both protocols', async () => {
    h.clock.advance(60_000); // offline, not yet evicted
    const { resp2, resp3 } = await h.both(['HIVE.LIST']);
    expect(resp2.resp2).to.equal('*3\r\n$6\r\nhive-a\r\n$6\r\nhive-b\r\n$6\r\nhive-c\r\n');
    expect(resp3.resp3).to.equal(resp2.resp2);
  });

  it('with CURSOR pages through every hive exactly once; the last page has cursor "0"', async () => {
    const seen: string[] = [];
    let cursor = '0';
    let pages = 0;
    do {
      const r = await h.run(['HIVE.LIST', 'CURSOR', cursor, 'COUNT', '1'], h.client(3));
      expect(r.resp3).to.equal(r.resp2);
      const [next, ids] = r.reply as [string, Buffer[] | string[]];
      for (const id of ids) seen.push(String(id));
      cursor = String(next);
      pages++;
    } while (cursor !== '0' && pages < 100);
    expect(seen.sort()).to.deep.equal(['hive-a', 'hive-b', 'hive-c']);
  });

  it('refuses the unpaged form past reply-max-records, naming the paged form', async () => {
    await h.run(['HBEAT', 'w-d', 'hive-d']);
    await h.refuses(
      ['HIVE.LIST'],
      'ERR HIVE.LIST would return more than 3 hives (reply-max-records): page through them with HIVE.LIST … CURSOR 0 [COUNT n]',
    );
  });

  it('refuses bad options in the words documented', async () => {
    await h.refuses(['HIVE.LIST', 'NOPE'], "ERR syntax error, unknown option 'NOPE'");
    await h.refuses(['HIVE.LIST', 'COUNT', '2'], 'ERR syntax error, COUNT needs CURSOR');
    await h.refuses(['HIVE.LIST', 'CURSOR', 'x'], 'ERR invalid cursor');
    await h.refuses(['HIVE.LIST', 'CURSOR', '0', 'COUNT', '4'], "ERR invalid COUNT '4': expected an integer from 1 to 3");
    await h.refuses(['HIVE.LIST', 'CURSOR'], 'ERR syntax error, option CURSOR needs a value');
  });
});
