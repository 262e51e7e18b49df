// INFO in-process, in both protocols: `# Section` headers and `key:value` lines (a bulk string in RESP2, a verbatim
// string in RESP3), the default sections, sections on request, `all`, and unknown sections left out.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

const sections = (text: string): string[] => [...text.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]!);

describe('INFO (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness({ offlineAfterMs: 30_000 });
  });
  afterEach(() => h.stop());

  it('answers the default sections: a bulk string in RESP2, a verbatim txt string in RESP3', async () => {
    const { resp2, resp3 } = await h.both(['INFO']);
    expect(resp2.resp2).to.match(/^\$\d+\r\n# Server\r\n/);
    expect(resp3.resp3).to.match(/^=\d+\r\ntxt:# Server\r\n/);
    const body = String(resp2.resp2);
    expect(sections(body)).to.deep.equal([
      'Server',
      'Clients',
      'Memory',
      'Persistence',
      'Stats',
      'Replication',
      'CPU',
      'Registry',
      'Errorstats',
      'Keyspace',
    ]);
    expect(body).to.match(/\r\nredis_version:7\.2\.0\r\n/);
  });

  it('the registry section follows the registry', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a']);
    await h.run(['HBEAT', 'w2', 'hive-a']);
    h.clock.advance(30_000);
    await h.run(['HBEAT', 'w3', 'hive-b']);
    const text = (await h.run(['INFO', 'registry'], h.client(3))).resp2;
    expect(sections(text)).to.deep.equal(['Registry']);
    expect(text).to.include('\r\nworkers:3\r\nworkers_online:1\r\nhives:2\r\nhives_online:1\r\n');
  });

  it('takes several sections, in any case; `all` adds commandstats and latencystats; unknown ones are left out', async () => {
    expect(sections((await h.run(['INFO', 'CLIENTS', 'memory'])).resp2)).to.deep.equal(['Clients', 'Memory']);
    const all = sections((await h.run(['INFO', 'all'])).resp2);
    expect(all).to.include.members(['Commandstats', 'Latencystats', 'Registry']);
    const none = await h.run(['INFO', 'nosuchsection'], h.client(3));
    expect([none.resp2, none.resp3]).to.deep.equal(['$0\r\n\r\n', '=4\r\ntxt:\r\n']);
  });
});
