// HELLO, AUTH and RESET in-process, in both protocols: the HELLO map in the protocol it selects, logging in with a
// password (the default user's or a named ACL user's), RESET back to a fresh RESP2 connection, and every documented
// error in Redis' words.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

describe('HELLO / AUTH / RESET (in-process)', () => {
  let h: Harness;
  afterEach(() => h.stop());

  describe('without a password', () => {
    beforeEach(() => {
      h = new Harness();
    });

    it('HELLO 3 switches to RESP3 and answers the map; HELLO 2 a flat array; HELLO alone keeps the protocol', async () => {
      const c = h.client(2);
      const r3 = await h.run(['HELLO', '3'], c);
      expect(c.proto).to.equal(3);
      expect(r3.resp3).to.match(
        /^%8\r\n\$6\r\nserver\r\n\$13\r\nrbee-registry\r\n\$7\r\nversion\r\n\$5\r\n7\.2\.0\r\n\$5\r\nproto\r\n:3\r\n\$2\r\nid\r\n:\d+\r\n/,
      );
      expect(r3.resp3).to.include('$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n');
      const r2 = await h.run(['HELLO', '2'], c);
      expect(c.proto).to.equal(2);
      expect(r2.resp2).to.match(/^\*16\r\n\$6\r\nserver\r\n/);
      expect(r2.resp2).to.include('$5\r\nproto\r\n:2\r\n');
      expect((await h.run(['HELLO'], c)).resp2).to.include('$5\r\nproto\r\n:2\r\n');
    });

    it('HELLO SETNAME names the connection', async () => {
      const c = h.client();
      await h.run(['HELLO', '3', 'SETNAME', 'agent-1'], c);
      expect(c.name).to.equal('agent-1');
    });

    it('HELLO refuses a bad protocol version and unknown options in Redis words', async () => {
      await h.refuses(['HELLO', '4'], 'NOPROTO unsupported protocol version');
      await h.refuses(['HELLO', 'x'], 'ERR Protocol version is not an integer or out of range');
      await h.refuses(['HELLO', '3', 'FAST'], "ERR Syntax error in HELLO option 'FAST'");
      await h.refuses(['HELLO', '3', 'SETNAME', 'a b'], 'ERR Client names cannot contain spaces, newlines or special characters.');
    });

    it('AUTH with no password configured for the default user is refused in Redis words', async () => {
      await h.refuses(
        ['AUTH', 'x'],
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
    });

    it('RESET answers +RESET and leaves the connection as new: RESP2, no name, no transaction, no subscriptions', async () => {
      const c = h.client(3);
      c.name = 'n';
      await h.run(['SUBSCRIBE', 'ch'], c);
      await h.run(['MULTI'], c);
      const r = await h.run(['RESET'], c);
      expect([r.resp2, r.resp3]).to.deep.equal(['+RESET\r\n', '+RESET\r\n']);
      expect([c.proto, c.name, c.multi, c.subscriptions.size]).to.deep.equal([2, null, null, 0]);
      await h.refuses(['RESET', 'x'], "ERR wrong number of arguments for 'reset' command");
    });
  });

  describe('with a password and an ACL user', () => {
    beforeEach(() => {
      h = new Harness({ requirePass: 'secret', users: ['ops on >opspass +@all ~*'] });
    });

    it('AUTH password and AUTH user password answer +OK; a wrong pair is WRONGPASS', async () => {
      const c = h.client(3);
      expect((await h.run(['WORKER.COUNT'], c)).error).to.match(/^NOAUTH /);
      const r = await h.run(['AUTH', 'secret'], c);
      expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
      expect((await h.run(['WORKER.COUNT'], c)).resp2).to.equal(':0\r\n');
      const ops = h.client();
      expect((await h.run(['AUTH', 'ops', 'opspass'], ops)).resp2).to.equal('+OK\r\n');
      expect(ops.user.name).to.equal('ops');
      await h.refuses(['AUTH', 'wrong'], WRONGPASS);
      await h.refuses(['AUTH', 'ops', 'wrong'], WRONGPASS);
      await h.refuses(['AUTH', 'a', 'b', 'c'], 'ERR syntax error');
    });

    it('HELLO AUTH logs in and selects the protocol at once; HELLO alone before logging in is NOAUTH', async () => {
      const c = h.client();
      const refused = await h.run(['HELLO', '3'], c);
      expect(refused.error).to.match(/^NOAUTH HELLO must be called with the client already authenticated/);
      const r = await h.run(['HELLO', '3', 'AUTH', 'ops', 'opspass'], c);
      expect(r.resp3).to.match(/^%8\r\n/);
      expect([c.proto, c.user.name]).to.deep.equal([3, 'ops']);
      await h.refuses(['HELLO', '3', 'AUTH', 'ops', 'nope'], WRONGPASS);
    });
  });
});
