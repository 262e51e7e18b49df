// ACL in-process, in both protocols: every subcommand's documented reply (SETUSER, GETUSER, DELUSER, LIST, USERS,
// WHOAMI, CAT, GENPASS, DRYRUN, LOG, SAVE, LOAD, HELP) and error, in Redis' words.

import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Harness, str } from '../helpers/inject.js';

describe('ACL (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('SETUSER answers +OK; GETUSER answers the user as a map (nil for an unknown one); USERS and LIST list them', async () => {
    const r = await h.run(['ACL', 'SETUSER', 'agent', 'on', '>pw', '-@all', '+hbeat', '~worker:*'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    const { resp2, resp3 } = await h.both(['ACL', 'GETUSER', 'agent']);
    expect(resp3.resp3).to.match(
      /^%6\r\n\$5\r\nflags\r\n\*\d\r\n\$2\r\non\r\n(\$\d+\r\n[a-z-]+\r\n)*\$9\r\npasswords\r\n\*1\r\n\$64\r\n[0-9a-f]{64}\r\n\$8\r\ncommands\r\n/,
    );
    expect(resp3.resp3).to.include('$4\r\nkeys\r\n$9\r\n~worker:*\r\n');
    expect(resp2.resp2).to.match(/^\*12\r\n\$5\r\nflags\r\n/);
    const unknown = await h.run(['ACL', 'GETUSER', 'nobody']);
    expect([unknown.resp2, unknown.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
    expect((await h.run(['ACL', 'USERS'])).resp2).to.equal('*2\r\n$5\r\nagent\r\n$7\r\ndefault\r\n');
    const list = (await h.run(['ACL', 'LIST'], h.client(3))).reply as Array<string | Buffer>;
    expect(list.map(String)).to.have.length(2);
    expect(String(list[0])).to.match(/^user agent on sanitize-payload #[0-9a-f]{64} ~worker:\* resetchannels -@all \+hbeat$/);
  });

  it('SETUSER refuses a bad rule or name in Redis words, changing nothing', async () => {
    await h.refuses(['ACL', 'SETUSER', 'x', 'on', 'bogus'], "ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
    await h.refuses(
      ['ACL', 'SETUSER', 'x', '+nosuchcommand'],
      "ERR Error in ACL SETUSER modifier '+nosuchcommand': Unknown command or category name in ACL",
    );
    await h.refuses(['ACL', 'SETUSER', 'a b'], "ERR Usernames can't contain spaces or null characters");
    expect((await h.run(['ACL', 'USERS'])).resp2).to.equal('*1\r\n$7\r\ndefault\r\n');
  });

  it('DELUSER answers how many it removed; the default user cannot be removed', async () => {
    await h.run(['ACL', 'SETUSER', 'a']);
    await h.run(['ACL', 'SETUSER', 'b']);
    const r = await h.run(['ACL', 'DELUSER', 'a', 'b', 'zz'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal([':2\r\n', ':2\r\n']);
    await h.refuses(['ACL', 'DELUSER', 'default'], "ERR The 'default' user cannot be removed");
  });

  it('WHOAMI answers the user name; CAT the categories or the commands of one; GENPASS hex digits', async () => {
    expect((await h.run(['ACL', 'WHOAMI'], h.client(3))).resp3).to.equal('$7\r\ndefault\r\n');
    const cats = ((await h.run(['ACL', 'CAT'])).reply as Array<string | Buffer>).map(String);
    expect(cats).to.include.members(['registry', 'heartbeat', 'keyspace', 'admin']);
    const beat = ((await h.run(['ACL', 'CAT', 'heartbeat'])).reply as Array<string | Buffer>).map(String);
    expect(beat).to.include('hbeat');
    await h.refuses(['ACL', 'CAT', 'nope'], "ERR Unknown category 'nope'");
    await h.refuses(['ACL', 'CAT', 'a', 'b'], 'ERR syntax error');
    expect(str((await h.run(['ACL', 'GENPASS'])).reply)).to.match(/^[0-9a-f]{64}$/);
    expect(str((await h.run(['ACL', 'GENPASS', '10'])).reply)).to.match(/^[0-9a-f]{3}$/);
    await h.refuses(
      ['ACL', 'GENPASS', '0'],
      'ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096',
    );
    await h.refuses(['ACL', 'GENPASS', 'x'], 'ERR value is not an integer or out of range');
  });

  it('DRYRUN answers +OK, or a bulk string saying why not; errors for an unknown user or command', async () => {
    await h.run(['ACL', 'SETUSER', 'agent', 'on', 'nopass', '-@all', '+hbeat', '~worker:a*', '~hive:*']);
    const ok = await h.run(['ACL', 'DRYRUN', 'agent', 'HBEAT', 'a1', 'hive'], h.client(3));
    expect([ok.resp2, ok.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    expect(str((await h.run(['ACL', 'DRYRUN', 'agent', 'WORKER.DEL', 'a1'])).reply)).to.equal(
      "User agent has no permissions to run the 'worker.del' command",
    );
    expect(str((await h.run(['ACL', 'DRYRUN', 'agent', 'HBEAT', 'b1', 'hive'])).reply)).to.equal(
      "User agent has no permissions to access the 'worker:b1' key",
    );
    await h.refuses(['ACL', 'DRYRUN', 'nobody', 'PING'], "ERR User 'nobody' not found");
    await h.refuses(['ACL', 'DRYRUN', 'agent', 'NOPE'], "ERR Command 'NOPE' not found");
    await h.refuses(['ACL', 'DRYRUN', 'agent', 'HBEAT'], "ERR wrong number of arguments for 'hbeat' command");
  });

  it('LOG answers the denials as maps, newest first; RESET answers +OK; a negative count is refused', async () => {
    expect((await h.run(['ACL', 'LOG'])).resp2).to.equal('*0\r\n');
    await h.run(['AUTH', 'nobody', 'wrong']);
    const { resp3 } = await h.both(['ACL', 'LOG']);
    expect(resp3.resp3).to.match(/^\*1\r\n%\d+\r\n\$5\r\ncount\r\n:1\r\n\$6\r\nreason\r\n\$4\r\nauth\r\n/);
    expect((await h.run(['ACL', 'LOG', 'RESET'])).resp2).to.equal('+OK\r\n');
    expect((await h.run(['ACL', 'LOG'])).resp2).to.equal('*0\r\n');
    await h.refuses(['ACL', 'LOG', '-1'], 'ERR value is out of range, must be positive');
  });

  it('SAVE and LOAD without --aclfile are refused in Redis words', async () => {
    const noFile =
      'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER ' +
      'command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';
    await h.refuses(['ACL', 'SAVE'], noFile);
    await h.refuses(['ACL', 'LOAD'], noFile);
  });

  it('SAVE writes the users to the ACL file, LOAD reads them back; a bad line is refused naming file:line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'registry-acl-'));
    try {
      const file = path.join(dir, 'users.acl');
      writeFileSync(file, 'user default on nopass ~* &* +@all\n');
      h.stop();
      h = new Harness({ aclFile: file });
      await h.run(['ACL', 'SETUSER', 'agent', 'on', '>pw', '+hbeat']);
      expect((await h.run(['ACL', 'SAVE'], h.client(3))).resp3).to.equal('+OK\r\n');
      expect(readFileSync(file, 'utf8')).to.match(/^user agent on (\S+ )*#[0-9a-f]{64} /m);
      await h.run(['ACL', 'DELUSER', 'agent']);
      expect((await h.run(['ACL', 'LOAD'])).resp2).to.equal('+OK\r\n');
      expect((await h.run(['ACL', 'USERS'])).resp2).to.include('$5\r\nagent\r\n');
      writeFileSync(file, 'user default on nopass ~* &* +@all\nuser broken on bogus\n');
      const e = await h.refuses(['ACL', 'LOAD'], /^ERR .*users\.acl:2: /);
      expect(e).to.match(/no change to the previously active ACL rules was performed$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('HELP lists the subcommands; an unknown one names HELP', async () => {
    expect((await h.run(['ACL', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+ACL <subcommand>/);
    await h.refuses(['ACL', 'NOPE'], "ERR unknown subcommand 'NOPE'. Try ACL HELP.");
    await h.refuses(['ACL'], "ERR wrong number of arguments for 'acl' command");
  });
});
