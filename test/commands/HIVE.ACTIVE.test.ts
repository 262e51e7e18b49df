// HIVE.ACTIVE in-process, in both protocols: the sorted ids of hives heard from within the window (the default
// --offline-after, or max_age_ms), an empty array, and its errors; every reply checked against its shape.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('HIVE.ACTIVE (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness({ offlineAfterMs: 30_000 });
    await h.run(['HBEAT', 'w-old', 'hive-old']);
    h.clock.advance(20_000);
    await h.run(['HBEAT', 'w-b', 'hive-b']);
    await h.run(['HBEAT', 'w-a', 'hive-a']);
    h.clock.advance(15_000);
  });
  afterEach(() => h.stop());

  it('answers the ids heard from within --offline-after, sorted: the same array in both protocols', async () => {
    const { resp2, resp3 } = await h.both(['HIVE.ACTIVE']);
    expect(resp2.resp2).to.equal('*2\r\n$6\r\nhive-a\r\n$6\r\nhive-b\r\n');
    expect(resp3.resp3).to.equal(resp2.resp2);
  });

  it('takes max_age_ms: a wider window brings the older hive back, a narrower one leaves none (*0)', async () => {
    expect((await h.run(['HIVE.ACTIVE', '40000'])).resp2).to.equal('*3\r\n$6\r\nhive-a\r\n$6\r\nhive-b\r\n$8\r\nhive-old\r\n');
    const none = await h.run(['HIVE.ACTIVE', '1000'], h.client(3));
    expect([none.resp2, none.resp3]).to.deep.equal(['*0\r\n', '*0\r\n']);
  });

  it('answers what is true now after each change, though it keeps its last answer and bytes in between', async () => {
    const ids = async (...argv: string[]) => (await h.run(['HIVE.ACTIVE', ...argv])).resp2;
    const list = (...hives: string[]) => `*${hives.length}\r\n` + hives.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
    expect([await ids(), await ids(), await ids('16000')]).to.deep.equal([
      list('hive-a', 'hive-b'),
      list('hive-a', 'hive-b'),
      list('hive-a', 'hive-b'),
    ]);
    // A new hive comes online; one outside the 16 s window beats again and joins it.
    await h.run(['HBEAT', 'w-c', 'hive-c']);
    expect(await ids()).to.equal(list('hive-a', 'hive-b', 'hive-c'));
    await h.run(['HBEAT', 'w-old', 'hive-old']);
    expect(await ids('16000')).to.equal(list('hive-a', 'hive-b', 'hive-c', 'hive-old'));
    // Time passes: hive-a and hive-b age out of both windows, hive-c and hive-old stay.
    h.clock.advance(15_000);
    expect([await ids(), await ids('16000')]).to.deep.equal([list('hive-c', 'hive-old'), list('hive-c', 'hive-old')]);
    await h.run(['HIVE.DEL', 'hive-c']);
    expect([await ids(), await ids('16000')]).to.deep.equal([list('hive-old'), list('hive-old')]);
    await h.run(['FLUSHALL']);
    expect([await ids(), await ids('16000')]).to.deep.equal(['*0\r\n', '*0\r\n']);
  });

  it('answers a long list (thousands of hives) with the same bytes, written as the client reads', async () => {
    const hives = Array.from({ length: 5000 }, (_, i) => `hive-${String(i).padStart(5, '0')}`);
    for (const hive of hives) await h.run(['HBEAT', `w-${hive}`, hive]);
    hives.push('hive-a', 'hive-b'); // from beforeEach, after the digits
    const { resp2, resp3 } = await h.both(['HIVE.ACTIVE']);
    const expected = `*${hives.length}\r\n` + hives.map((x) => `$${x.length}\r\n${x}\r\n`).join('');
    expect(resp2.resp2).to.equal(expected);
    expect(resp3.resp3).to.equal(expected);
  });

  it('refuses a max_age_ms that is not a non-negative integer, and extra arguments', async () => {
    await h.refuses(['HIVE.ACTIVE', 'x'], "ERR invalid max_age_ms 'x': expected a non-negative integer");
    await h.refuses(['HIVE.ACTIVE', '-1'], "ERR invalid max_age_ms '-1': expected a non-negative integer");
    await h.refuses(['HIVE.ACTIVE', '1', '2'], 'ERR syntax error');
  });
});
