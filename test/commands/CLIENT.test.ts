// CLIENT in-process, in both protocols: ID, SETNAME/GETNAME, SETINFO, INFO and LIST (bulk in RESP2, verbatim in
// RESP3), KILL's two forms, the no-op mode switches, HELP, and every documented error in Redis' words. Which
// connections LIST shows and KILL closes needs sockets: the wire tests cover that.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('CLIENT (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('ID answers the connection id as an integer', async () => {
    const c = h.client(3);
    const r = await h.run(['CLIENT', 'ID'], c);
    expect([r.resp2, r.resp3]).to.deep.equal([`:${c.id}\r\n`, `:${c.id}\r\n`]);
  });

  it('SETNAME answers +OK, GETNAME the name (nil when none; an empty name clears it)', async () => {
    const c = h.client(3);
    const none = await h.run(['CLIENT', 'GETNAME'], c);
    expect([none.resp2, none.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
    expect((await h.run(['CLIENT', 'SETNAME', 'agent-1'], c)).resp3).to.equal('+OK\r\n');
    expect((await h.run(['CLIENT', 'GETNAME'], c)).resp3).to.equal('$7\r\nagent-1\r\n');
    await h.run(['CLIENT', 'SETNAME', ''], c);
    expect((await h.run(['CLIENT', 'GETNAME'], c)).resp2).to.equal('$-1\r\n');
    await h.refuses(['CLIENT', 'SETNAME', 'a b'], 'ERR Client names cannot contain spaces, newlines or special characters.');
  });

  it('SETINFO takes LIB-NAME and LIB-VER (+OK); anything else is refused', async () => {
    const c = h.client();
    expect((await h.run(['CLIENT', 'SETINFO', 'LIB-NAME', 'ioredis'], c)).resp2).to.equal('+OK\r\n');
    expect((await h.run(['CLIENT', 'SETINFO', 'lib-ver', '5.4.1'], c)).resp2).to.equal('+OK\r\n');
    expect([c.libName, c.libVersion]).to.deep.equal(['ioredis', '5.4.1']);
    await h.refuses(['CLIENT', 'SETINFO', 'LIB-COLOR', 'x'], "ERR Unrecognized option 'LIB-COLOR'");
    await h.refuses(['CLIENT', 'SETINFO', 'LIB-NAME', 'a b'], 'ERR lib-name cannot contain spaces, newlines or special characters.');
  });

  it('INFO answers its own line in the CLIENT LIST format: a bulk string in RESP2, a verbatim string in RESP3', async () => {
    const c = h.client(3);
    c.name = 'me';
    const r = await h.run(['CLIENT', 'INFO'], c);
    expect(r.resp2).to.match(new RegExp(`^\\$\\d+\\r\\nid=${c.id} addr=127\\.0\\.0\\.1:1 laddr=\\S+ fd=-1 name=me `));
    expect(r.resp3).to.match(new RegExp(`^=\\d+\\r\\ntxt:id=${c.id} addr=`));
    expect(r.resp2).to.match(/ resp=3 lib-name= lib-ver=\n\r\n$/);
  });

  it('LIST answers one line per connection (bulk / verbatim), filtered by TYPE or ID; bad filters are refused', async () => {
    const r = await h.run(['CLIENT', 'LIST', 'TYPE', 'normal'], h.client(3));
    expect(r.resp3).to.match(/^=\d+\r\ntxt:/);
    expect(r.resp2).to.match(/^\$\d+\r\n/);
    expect((await h.run(['CLIENT', 'LIST', 'ID', '999999'])).resp2).to.equal('$0\r\n\r\n');
    await h.refuses(['CLIENT', 'LIST', 'TYPE', 'robot'], "ERR Unknown client type 'robot'");
    await h.refuses(['CLIENT', 'LIST', 'ID', '0'], 'ERR Invalid client ID');
    await h.refuses(['CLIENT', 'LIST', 'SORTED'], 'ERR syntax error');
  });

  it('KILL: the old ip:port form answers +OK or No such client; the filter form answers how many it closed', async () => {
    await h.refuses(['CLIENT', 'KILL', '10.0.0.1:5'], 'ERR No such client');
    const r = await h.run(['CLIENT', 'KILL', 'ID', '999999'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal([':0\r\n', ':0\r\n']);
    await h.refuses(['CLIENT', 'KILL', 'ID', '0'], 'ERR client-id should be greater than 0');
    await h.refuses(['CLIENT', 'KILL', 'ID', '1', 'SKIPME', 'maybe'], 'ERR syntax error');
    await h.refuses(['CLIENT', 'KILL', 'USER', 'x'], 'ERR syntax error');
    await h.refuses(['CLIENT', 'KILL', 'ID', '1', 'ADDR'], 'ERR syntax error');
  });

  it('NO-EVICT and NO-TOUCH take ON or OFF (+OK); anything else is a syntax error', async () => {
    for (const sub of ['NO-EVICT', 'NO-TOUCH']) {
      const r = await h.run(['CLIENT', sub, 'on'], h.client(3));
      expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
      expect((await h.run(['CLIENT', sub, 'OFF'])).resp2).to.equal('+OK\r\n');
      await h.refuses(['CLIENT', sub, 'maybe'], 'ERR syntax error');
    }
  });

  it('HELP lists the subcommands; an unknown one names HELP; arity errors name the subcommand', async () => {
    expect((await h.run(['CLIENT', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+CLIENT <subcommand>/);
    await h.refuses(['CLIENT', 'PAUSE', '10'], "ERR unknown subcommand 'PAUSE'. Try CLIENT HELP.");
    await h.refuses(['CLIENT', 'SETNAME'], "ERR wrong number of arguments for 'client|setname' command");
  });
});
