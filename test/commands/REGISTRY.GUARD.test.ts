// REGISTRY.GUARD in-process, in both protocols: the status map without arguments, OK for a mode (any ASCII case),
// and its errors; every reply checked against its shape.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('REGISTRY.GUARD (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness({ expiryGuardPercent: 50 });
  });
  afterEach(() => h.stop());

  it('answers the status: a map in RESP3, a flat array in RESP2, mode auto and not active at start', async () => {
    const { resp2, resp3 } = await h.both(['REGISTRY.GUARD']);
    expect(resp3.resp3).to.match(/^%10\r\n\$4\r\nmode\r\n\$4\r\nauto\r\n\$6\r\nactive\r\n:0\r\n\$7\r\npercent\r\n:50\r\n/);
    expect(resp2.resp2).to.match(/^\*20\r\n\$4\r\nmode\r\n\$4\r\nauto\r\n/);
  });

  it('sets a mode in any ASCII case with +OK; the status then says it', async () => {
    for (const [word, mode] of [
      ['on', 'on'],
      ['OFF', 'off'],
      ['Auto', 'auto'],
    ]) {
      const r = await h.run(['REGISTRY.GUARD', word!], h.client(3));
      expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
      expect((await h.run(['REGISTRY.GUARD'])).resp2).to.include(`$4\r\nmode\r\n$${mode!.length}\r\n${mode}\r\n`);
    }
    expect((await h.run(['REGISTRY.GUARD', 'ON'])).resp2).to.equal('+OK\r\n');
    expect((await h.run(['REGISTRY.GUARD'])).resp2).to.include('$6\r\nactive\r\n:1\r\n');
  });

  it('refuses an unknown mode and extra arguments', async () => {
    await h.refuses(['REGISTRY.GUARD', 'maybe'], "ERR invalid guard mode 'maybe': expected ON, OFF or AUTO");
    await h.refuses(['REGISTRY.GUARD', 'on', 'off'], 'ERR syntax error');
  });
});
