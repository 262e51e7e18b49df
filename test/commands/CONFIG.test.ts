// CONFIG in-process, in both protocols: GET (a map of matching parameters), SET (all or nothing, with Redis' error
// words), RESETSTAT, HELP.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('CONFIG (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('GET answers a map of every parameter matching any pattern: %N in RESP3, a flat array in RESP2', async () => {
    const { resp2, resp3 } = await h.both(['CONFIG', 'GET', 'maxclients', 'slowlog-*']);
    expect(resp3.resp3).to.equal(
      '%3\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n$23\r\nslowlog-log-slower-than\r\n$5\r\n10000\r\n$15\r\nslowlog-max-len\r\n$3\r\n128\r\n',
    );
    expect(resp2.resp2).to.equal(resp3.resp3.replace('%3', '*6'));
    expect((await h.run(['CONFIG', 'GET', 'no-such-*'])).resp2).to.equal('*0\r\n');
  });

  it('SET answers +OK and applies every pair; GET then shows the new values', async () => {
    const r = await h.run(['CONFIG', 'SET', 'slowlog-max-len', '5', 'maxclients', '50'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    expect((await h.run(['CONFIG', 'GET', 'slowlog-max-len'])).resp2).to.equal('*2\r\n$15\r\nslowlog-max-len\r\n$1\r\n5\r\n');
  });

  it("SET refuses in Redis' words, applying nothing when any pair is refused", async () => {
    await h.refuses(['CONFIG', 'SET', 'nope', '1'], "ERR Unknown option or number of arguments for CONFIG SET - 'nope'");
    await h.refuses(
      ['CONFIG', 'SET', 'port', '1'],
      "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config",
    );
    await h.refuses(
      ['CONFIG', 'SET', 'slowlog-max-len', '1', 'slowlog-max-len', '2'],
      "ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - duplicate parameter",
    );
    await h.refuses(
      ['CONFIG', 'SET', 'slowlog-max-len', '7', 'maxclients', 'many'],
      /^ERR CONFIG SET failed \(possibly related to argument 'maxclients'\) - /,
    );
    expect((await h.run(['CONFIG', 'GET', 'slowlog-max-len'])).resp2).to.include('$3\r\n128\r\n');
    await h.refuses(['CONFIG', 'SET', 'maxclients'], "ERR wrong number of arguments for 'config|set' command");
  });

  it('RESETSTAT answers +OK and zeroes the counters INFO shows', async () => {
    h.stop();
    h = new Harness({ requirePass: 'secret' });
    await h.run(['AUTH', 'wrong']);
    const admin = h.client(3);
    await h.run(['AUTH', 'secret'], admin);
    expect((await h.run(['INFO', 'stats'], admin)).resp2).to.include('acl_access_denied_auth:1\r\n');
    const r = await h.run(['CONFIG', 'RESETSTAT'], admin);
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    expect((await h.run(['INFO', 'stats'], admin)).resp2).to.include('acl_access_denied_auth:0\r\n');
  });

  it('HELP lists the subcommands; an unknown one names HELP', async () => {
    expect((await h.run(['CONFIG', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+CONFIG <subcommand>/);
    await h.refuses(['CONFIG', 'REWRITE'], "ERR unknown subcommand 'REWRITE'. Try CONFIG HELP.");
    await h.refuses(['CONFIG', 'GET'], "ERR wrong number of arguments for 'config|get' command");
  });
});
