// MONITOR and ROLE in-process, in both protocols: MONITOR answers +OK and then receives a line per command other
// clients run (passwords redacted, admin commands left out); ROLE answers master with no replicas.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';
import { encodeReply } from '../../src/resp/encoder.js';

describe('MONITOR / ROLE (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('MONITOR answers +OK, then a line per command run by any client, quoted as Redis does', async () => {
    const monitor = h.client(3);
    const r = await h.run(['MONITOR'], monitor);
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    await h.run(['HBEAT', 'w1', 'hive "a"']);
    await h.run(['AUTH', 'someone', 'secret-pw']);
    await h.run(['CONFIG', 'GET', 'maxclients']);
    const lines = monitor.pushed.map((p) => encodeReply(p, 3).toString());
    expect(lines[0]).to.match(/^\+\d+\.\d{6} \[0 127\.0\.0\.1:1\] "HBEAT" "w1" "hive \\"a\\""\r\n$/);
    expect(lines[1]).to.match(/"AUTH" "\(redacted\)" "\(redacted\)"\r\n$/);
    expect(lines.some((l) => l.includes('"CONFIG"'))).to.equal(false);
  });

  it('ROLE answers master, offset 0 and no replicas', async () => {
    const { resp2, resp3 } = await h.both(['ROLE']);
    expect([resp2.resp2, resp3.resp3]).to.deep.equal(['*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n', '*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n']);
    await h.refuses(['ROLE', 'x'], "ERR wrong number of arguments for 'role' command");
    await h.refuses(['MONITOR', 'x'], "ERR wrong number of arguments for 'monitor' command");
  });
});
