// The ACL rule grammar in-process: each rule's effect on the user, Redis' descriptions and error reasons.

import { expect } from 'chai';
import { CommandCatalog } from '../../src/acl/catalog.js';
import { checkAccess, denialError, denialVerbose } from '../../src/acl/check.js';
import { AclStore, AclFileError } from '../../src/acl/store.js';
import { AclUser, RuleFailure, sha256Hex } from '../../src/acl/user.js';
import { createCommandTable } from '../../src/commands/index.js';

const table = createCommandTable();
const catalog = new CommandCatalog(table);
const cmd = (name: string) => table.find(name)!;

function user(...rules: string[]): AclUser {
  const u = new AclUser('u', catalog);
  u.applyAll(rules);
  return u;
}

function failure(rules: string[]): RuleFailure {
  try {
    user(...rules);
  } catch (e) {
    if (e instanceof RuleFailure) return e;
    throw e;
  }
  throw new Error(`rules ${rules.join(' ')} were accepted`);
}

const can = (u: AclUser, ...argv: string[]) => {
  let c = table.lookup(argv[0]!)!;
  if (c.subcommands !== null) c = c.subcommands.get(argv[1]!.toLowerCase())!;
  return checkAccess(u, c, argv.length, (i) => argv[i]!);
};

describe('ACL rules', () => {
  it('a new user is off, has no passwords, commands, keys or channels', () => {
    const u = user();
    expect(u.describe()).to.equal('user u off sanitize-payload resetchannels -@all');
    expect(can(u, 'PING')).to.deep.equal({ reason: 'command', object: 'ping' });
  });

  it('the default user: on nopass ~* &* +@all', () => {
    const store = new AclStore(catalog);
    expect(store.defaultUser.describe()).to.equal('user default on nopass sanitize-payload ~* &* +@all');
    expect(store.defaultLogsIn).to.equal(true);
  });

  it('passwords: >, <, #, !, nopass, resetpass; only SHA-256 is kept', () => {
    const u = user('on', '>s3cret', '>other');
    expect(u.passwords).to.deep.equal([sha256Hex('s3cret'), sha256Hex('other')]);
    expect(JSON.stringify(u)).not.to.include('s3cret');
    expect(u.checkPassword('s3cret')).to.equal(true);
    expect(u.checkPassword('S3cret')).to.equal(false);
    u.applyAll(['<s3cret']);
    expect(u.checkPassword('s3cret')).to.equal(false);
    u.applyAll([`#${sha256Hex('x')}`]);
    expect(u.checkPassword('x')).to.equal(true);
    u.applyAll([`!${sha256Hex('x')}`]);
    expect(u.passwords).to.deep.equal([sha256Hex('other')]);
    u.applyAll(['nopass']);
    expect(u.passwords).to.deep.equal([]);
    expect(u.checkPassword('anything')).to.equal(true);
    u.applyAll(['resetpass']);
    expect(u.checkPassword('anything')).to.equal(false);
    expect(u.describe()).to.equal('user u on sanitize-payload resetchannels -@all');
  });

  it("password errors in Redis' words", () => {
    expect(failure(['<nope']).message).to.equal(
      "Error in ACL SETUSER modifier '<nope': The password you are trying to remove from the user does not exist",
    );
    expect(failure(['#ABC']).reason).to.equal(
      'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
    );
    expect(failure([`#${sha256Hex('x').toUpperCase()}`]).rule).to.match(/^#/);
  });

  it('commands: +cmd, -cmd, +container (all its subcommands), +cmd|sub, -cmd|sub, categories', () => {
    const u = user('allkeys', '+@registry', '-hive.del', '+client', '-client|kill', '+acl|whoami');
    expect(can(u, 'HBEAT', 'w', 'h')).to.equal(null);
    expect(can(u, 'HIVE.DEL', 'h')).to.deep.equal({ reason: 'command', object: 'hive.del' });
    expect(can(u, 'CLIENT', 'SETNAME', 'x')).to.equal(null);
    expect(can(u, 'CLIENT', 'KILL', 'ID', '1')).to.deep.equal({ reason: 'command', object: 'client|kill' });
    expect(can(u, 'ACL', 'WHOAMI')).to.equal(null);
    expect(can(u, 'ACL', 'LIST')).to.deep.equal({ reason: 'command', object: 'acl|list' });
    expect(can(u, 'FLUSHALL')).to.deep.equal({ reason: 'command', object: 'flushall' });
    expect(u.describeCommands()).to.equal('-@all +@registry -hive.del +client -client|kill +acl|whoami');
  });

  it('a later rule on the same command replaces the earlier one in the description', () => {
    expect(user('+ping', '-ping', '+ping').describeCommands()).to.equal('-@all +ping');
  });

  it('allcommands / nocommands / +@all / -@all reset the rule list', () => {
    const u = user('allkeys', '+ping', 'allcommands', '-@dangerous');
    expect(u.describeCommands()).to.equal('+@all -@dangerous');
    expect(can(u, 'FLUSHALL')).to.deep.equal({ reason: 'command', object: 'flushall' });
    expect(can(u, 'HIVE.DEL', 'h')).to.deep.equal({ reason: 'command', object: 'hive.del' });
    expect(can(u, 'WORKER.DEL', 'w')).to.deep.equal({ reason: 'command', object: 'worker.del' });
    expect(can(u, 'REGISTRY.GUARD', 'OFF')).to.deep.equal({ reason: 'command', object: 'registry.guard' });
    expect(can(u, 'CONFIG', 'SET', 'maxclients', '1')).to.deep.equal({ reason: 'command', object: 'config|set' });
    expect(can(u, 'CLIENT', 'KILL', 'ID', '1')).to.deep.equal({ reason: 'command', object: 'client|kill' });
    expect(can(u, 'SAVE')).to.deep.equal({ reason: 'command', object: 'save' });
    expect(can(u, 'HBEAT', 'w', 'h')).to.equal(null);
    u.applyAll(['nocommands']);
    expect(u.describeCommands()).to.equal('-@all');
  });

  it('first-arg rules: +select|0 allows SELECT 0 only', () => {
    const u = user('+select|0');
    expect(can(u, 'SELECT', '0')).to.equal(null);
    expect(can(u, 'SELECT', '1')).to.deep.equal({ reason: 'command', object: 'select' });
  });

  it('unknown commands and categories, bad syntax', () => {
    expect(failure(['+nosuch']).message).to.equal("Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    expect(failure(['+@nosuch']).reason).to.equal('Unknown command or category name in ACL');
    expect(failure(['+client|nosuch']).reason).to.equal('Unknown command or category name in ACL');
    expect(failure(['bogus']).message).to.equal("Error in ACL SETUSER modifier 'bogus': Syntax error");
    expect(failure(['%X~k']).reason).to.equal('Syntax error');
    expect(failure(['%~k']).reason).to.equal('Syntax error');
  });

  it('keys: ~pattern, %R~, %W~, allkeys, resetkeys; reads need R, writes need W', () => {
    const u = user('+@all', '~worker:gpu-a-*', '%R~hive:*', '%W~worker:w-only');
    expect(can(u, 'HBEAT', 'gpu-a-1', 'hive-a')).to.deep.equal({ reason: 'key', object: 'hive:hive-a' });
    expect(can(u, 'HIVE.GET', 'hive-a')).to.equal(null);
    expect(can(u, 'WORKER.GET', 'gpu-b-1')).to.deep.equal({ reason: 'key', object: 'worker:gpu-b-1' });
    expect(can(u, 'WORKER.DEL', 'w-only')).to.equal(null);
    expect(can(u, 'WORKER.GET', 'w-only')).to.deep.equal({ reason: 'key', object: 'worker:w-only' });
    expect(u.describeKeys()).to.equal('~worker:gpu-a-* %R~hive:* %W~worker:w-only');
    expect(can(u, 'WORKER.BEST', 'llama')).to.equal(null);
    u.applyAll(['resetkeys', 'allkeys']);
    expect(can(u, 'HBEAT', 'gpu-b-1', 'x')).to.equal(null);
    expect(u.describeKeys()).to.equal('~*');
  });

  it('a key pattern after allkeys is refused', () => {
    expect(failure(['allkeys', '~x']).reason).to.match(/^Adding a pattern after the \* pattern \(or the 'allkeys' flag\) is not valid/);
  });

  it("the JSON heartbeat's keys come from its payload", () => {
    const u = user('+hbeat', '~worker:gpu-a-*', '~hive:hive-a');
    expect(can(u, 'HBEAT', 'JSON', '{"worker_id":"gpu-a-1","hive_id":"hive-a"}')).to.equal(null);
    expect(can(u, 'HBEAT', 'JSON', '{"worker_id":"gpu-b-1","hive_id":"hive-a"}')).to.deep.equal({
      reason: 'key',
      object: 'worker:gpu-b-1',
    });
  });

  it('channels: &pattern matches PUBLISH/SUBSCRIBE channels; a PSUBSCRIBE pattern must be covered literally', () => {
    const u = user('+@pubsub', '&registry:*', '&own');
    expect(can(u, 'SUBSCRIBE', 'registry:worker.offline', 'own')).to.equal(null);
    expect(can(u, 'SUBSCRIBE', 'own', 'other')).to.deep.equal({ reason: 'channel', object: 'other' });
    expect(can(u, 'PSUBSCRIBE', 'registry:*')).to.equal(null);
    expect(can(u, 'PSUBSCRIBE', 'registry:worker.*')).to.deep.equal({ reason: 'channel', object: 'registry:worker.*' });
    expect(can(u, 'PUBLISH', 'own', 'a message that is not a channel')).to.equal(null);
    expect(can(u, 'PUBLISH', 'x', 'own')).to.deep.equal({ reason: 'channel', object: 'x' });
    expect(can(u, 'UNSUBSCRIBE', 'anything')).to.equal(null);
    expect(u.describeChannels()).to.equal('&registry:* &own');
    expect(failure(['allchannels', '&x']).reason).to.match(/'allchannels' flag/);
  });

  it('reset: off, no passwords, keys, channels or commands', () => {
    const u = user('on', '>p', 'allkeys', 'allchannels', 'allcommands', 'reset');
    expect(u.describe()).to.equal('user u off sanitize-payload resetchannels -@all');
  });

  it('AUTH, HELLO, QUIT and RESET are always allowed', () => {
    const u = user('on', '>p');
    for (const argv of [['AUTH', 'u', 'p'], ['HELLO', '3'], ['QUIT'], ['RESET']]) expect(can(u, ...argv)).to.equal(null);
  });

  it('denial texts: short forms for clients, verbose ones for DRYRUN', () => {
    const u = new AclUser('gpu-a', catalog);
    u.applyAll(['+hbeat', '~worker:gpu-a-*']);
    const hbeat = cmd('hbeat');
    expect(denialError(u, cmd('flushall'), { reason: 'command', object: 'flushall' })).to.equal(
      "NOPERM User gpu-a has no permissions to run the 'flushall' command",
    );
    expect(denialError(u, hbeat, { reason: 'key', object: 'worker:x' })).to.equal('NOPERM No permissions to access a key');
    expect(denialError(u, hbeat, { reason: 'channel', object: 'c' })).to.equal('NOPERM No permissions to access a channel');
    expect(denialVerbose(u, hbeat, { reason: 'key', object: 'worker:x' })).to.equal(
      "User gpu-a has no permissions to access the 'worker:x' key",
    );
    expect(denialVerbose(u, hbeat, { reason: 'channel', object: 'c' })).to.equal("User gpu-a has no permissions to access the 'c' channel");
  });
});

describe('ACL store', () => {
  it('SETUSER is all or nothing', () => {
    const store = new AclStore(catalog);
    store.setUser('w', ['on', '>p', '+ping']);
    expect(() => store.setUser('w', ['-ping', '+nosuch'])).to.throw(RuleFailure);
    expect(store.get('w')!.describeCommands()).to.equal('-@all +ping');
  });

  it('authenticate: right password and on; the same object for every connection', () => {
    const store = new AclStore(catalog);
    const w = store.setUser('w', ['on', '>p']);
    expect(store.authenticate('w', 'p')).to.equal(w);
    expect(store.authenticate('w', 'q')).to.equal(null);
    expect(store.authenticate('nobody', 'p')).to.equal(null);
    store.setUser('w', ['off']);
    expect(store.authenticate('w', 'p')).to.equal(null);
  });

  it('ACL file lines: every error named file:line, nothing applied', () => {
    const store = new AclStore(catalog);
    const lines = ['user a on >x +ping', 'user b on +nosuch', 'hello', 'user a off'].map((text, i) => ({
      text,
      where: `users.acl:${i + 1}`,
    }));
    expect(() => store.parseUsers(lines)).to.throw(
      AclFileError,
      "users.acl:2: Error in applying operation '+nosuch': Unknown command or category name in ACL. " +
        'users.acl:3 should start with user keyword followed by the username. ' +
        "WARNING: Duplicate user 'a' found on users.acl:4. " +
        'WARNING: ACL errors detected, no change to the previously active ACL rules was performed',
    );
    expect(store.sortedUsers().map((u) => u.name)).to.deep.equal(['default']);
  });

  it('log: equal denials within a minute share an entry; newest first; capped', () => {
    let now = 1000;
    const store = new AclStore(catalog, null, () => now);
    store.recordDenial('command', 'toplevel', 'flushall', 'w', 'id=1');
    now += 59_000;
    store.recordDenial('command', 'toplevel', 'flushall', 'w', 'id=2');
    expect(store.log).to.have.length(1);
    expect(store.log[0]).to.include({ count: 2, createdMs: 1000, updatedMs: 60_000, clientInfo: 'id=2', entryId: 0 });
    now += 2000;
    store.recordDenial('command', 'toplevel', 'flushall', 'w', 'id=3');
    store.recordDenial('key', 'multi', 'worker:x', 'w', 'id=3');
    expect(store.log.map((e) => e.entryId)).to.deep.equal([2, 1, 0]);
    expect(store.denied).to.deep.equal({ auth: 0, command: 3, key: 1, channel: 0 });
    for (let i = 0; i < 200; i++) store.recordDenial('key', 'toplevel', `k${i}`, 'w', '');
    expect(store.log).to.have.length(128);
  });
});
