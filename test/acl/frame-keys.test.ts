// The hot path's key check on request bytes (src/acl/frame-keys.ts) against the string check it stands in for:
// for any key patterns and any arguments it may say yes only where AclUser.keyAllowed says yes on the key
// string, and for UTF-8 arguments it must give exactly the same answer. Then the cases a restricted worker
// must not slip through: HBEAT's JSON form (whose keys are in the payload) and over-long patterns.

import { expect } from 'chai';
import fc from 'fast-check';
import { CommandCatalog } from '../../src/acl/catalog.js';
import { frameKeysAllowed } from '../../src/acl/check.js';
import { AclUser } from '../../src/acl/user.js';
import { ArgvFrame } from '../../src/commands/argv-frame.js';
import { GLOB_MAX_LENGTH } from '../../src/commands/glob.js';
import { createCommandTable } from '../../src/commands/index.js';
import { keyAccess } from '../../src/commands/keys.js';
import { RequestDecoder } from '../../src/resp/decoder.js';
import { Harness } from '../helpers/inject.js';

const table = createCommandTable();
const catalog = new CommandCatalog(table);

function frameOf(args: readonly Buffer[]): RequestDecoder {
  const decoder = new RequestDecoder();
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  decoder.push(Buffer.concat(parts));
  expect(decoder.nextFrame()).to.equal(true);
  return decoder;
}

describe('ACL key check on request bytes', () => {
  // Pieces that make prefixes, literals and every glob token, in and around `worker:` and `hive:`.
  const piece = fc.constantFrom(
    'worker:',
    'hive:',
    'w',
    'o',
    'r',
    ':',
    'gpu-a-',
    'a',
    '1',
    '-',
    '*',
    '?',
    '[a-c]',
    '[^a]',
    '\\*',
    '\\',
    'é',
    'ſ',
  );
  // Most real patterns begin with a key prefix; some begin with less of one, or with a glob.
  const start = fc.constantFrom('worker:', 'hive:', 'worker:gpu-a-', 'hive:hive-a', 'wor', 'w*', '');
  const pattern = fc.tuple(start, fc.array(piece, { maxLength: 4 })).map(([s, p]) => s + p.join(''));
  const rule = fc.tuple(fc.constantFrom('~', '%R~', '%W~'), pattern).map(([kind, p]) => kind + p);
  const argPiece = fc.constantFrom('gpu-a-', 'a', '1', '-', '*', 'é', 'ſ', 'worker:', 'hive-a', 'JSON', '');
  const arg = fc.array(argPiece, { maxLength: 4 }).map((p) => Buffer.from(p.join(''), 'utf8'));
  // A few bytes that are not UTF-8: the fast path may decline them, never allow what the string check refuses.
  const rawArg = fc.oneof(
    arg,
    fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b)),
  );

  // HBEAT names a worker and a hive (RW), WORKER.GET and HIVE.GET one (RO), WORKER.DEL one (RW, DELETE).
  const commands = fc.constantFrom('HBEAT', 'WORKER.GET', 'HIVE.GET', 'WORKER.DEL');

  it('answers as the string check: the same for UTF-8 arguments, never yes where it says no', () => {
    fc.assert(
      fc.property(fc.array(rule, { minLength: 1, maxLength: 3 }), commands, rawArg, arg, (rules, name, a1, a2) => {
        const command = table.find(name)!;
        const user = new AclUser('u', catalog);
        user.applyAll(['on', 'nopass', '+@all']);
        // A rule after `~*` is refused (Redis' rule): the ones before it stand.
        for (const r of rules) if (!user.allKeys) user.applyAll([r]);
        const args = [Buffer.from(command.fullName), a1, a2, Buffer.from('STATE'), Buffer.from('Idle')];
        const frame = frameOf(args);
        // As dispatch asks it: a user with allkeys (`~*`) is not asked about keys at all.
        const fast = user.allKeys || frameKeysAllowed(user, command, frame);
        // The string check on the keys the specs name, decoded as the ordinary path decodes them.
        let slow = true;
        for (const ks of command.spec.keySpecs ?? []) {
          if (!('index' in ks.begin) || ks.begin.index >= args.length) continue;
          const { read, write } = keyAccess(ks.flags);
          if (!user.keyAllowed(ks.prefix + frame.argString(ks.begin.index), read, write)) slow = false;
        }
        if (fast) expect(slow, `fast path allowed what the string check refuses`).to.equal(true);
        const utf8 = args.every((b) => Buffer.from(b.toString('utf8'), 'utf8').equals(b));
        // HBEAT's JSON form is always left to the ordinary path.
        if (utf8 && a1.toString() !== 'JSON') expect(fast).to.equal(slow);
      }),
      { numRuns: 3000 },
    );
  });

  it('a changed pattern list takes effect at once (the compiled tests are not kept)', () => {
    const user = new AclUser('u', catalog);
    user.applyAll(['on', 'nopass', '+@all', '~worker:gpu-a-*', '~hive:*']);
    const hbeat = table.find('HBEAT')!;
    const beat = frameOf(['HBEAT', 'gpu-b-1', 'hive-a'].map((s) => Buffer.from(s)));
    expect(frameKeysAllowed(user, hbeat, beat)).to.equal(false);
    user.applyAll(['~worker:gpu-b-*']);
    expect(frameKeysAllowed(user, hbeat, beat)).to.equal(true);
    user.applyAll(['resetkeys', '~worker:gpu-a-*', '~hive:*']);
    expect(frameKeysAllowed(user, hbeat, beat)).to.equal(false);
    const copy = new AclUser('u', catalog);
    copy.applyAll(['on', 'nopass', '+@all', '~worker:gpu-b-1', '~hive:hive-a']);
    user.copyFrom(copy);
    expect(frameKeysAllowed(user, hbeat, beat)).to.equal(true);
  });

  it('compares UTF-8 bytes in both frame kinds (argIs, argStartsWith)', () => {
    const e = Buffer.from('é', 'utf8');
    for (const f of [new ArgvFrame(['é-1']), frameOf([Buffer.from('é-1')])]) {
      expect(f.argStartsWith(0, e)).to.equal(true);
      expect(f.argStartsWith(0, Uint8Array.of(0xe9))).to.equal(false);
      expect(f.argIs(0, Buffer.from('é-1'))).to.equal(true);
      expect(f.argIs(0, Uint8Array.of(0xe9, 0x2d, 0x31))).to.equal(false);
      expect(f.argStartsWith(0, Buffer.from('é-12'))).to.equal(false);
    }
  });
});

describe('ACL key check: what a restricted worker must not get past', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it("HBEAT's JSON form is judged by the ids in its payload, not by the word JSON", async () => {
    h.server.acl.setUser('w', ['on', 'nopass', '-@all', '+hbeat', '~worker:JSON', '~worker:gpu-a-*', '~hive:*']);
    const c = h.client();
    c.user = h.server.acl.get('w')!;
    const other = JSON.stringify({ worker_id: 'gpu-b-1', hive_id: 'hive-a', health_status: 'healthy', state: 'Idle' });
    expect((await h.run(['HBEAT', 'JSON', other], c)).error).to.equal('NOPERM No permissions to access a key');
    expect((await h.run(['HBEAT', 'JSON', other.replace('gpu-b-1', 'gpu-a-1')], c)).error).to.equal(null);
    expect((await h.run(['WORKER.GET', 'gpu-b-1'])).resp2).to.equal('$-1\r\n');
  });

  it('refuses a key or channel pattern longer than the glob limit when the rule is set, not on each request', async () => {
    const long = 'a*'.repeat(GLOB_MAX_LENGTH / 2) + 'b';
    for (const r of ['~' + long, '%R~' + long, '&' + long]) {
      const res = await h.run(['ACL', 'SETUSER', 'w', 'on', 'nopass', '+@all', r]);
      expect(res.error).to.equal(
        `ERR Error in ACL SETUSER modifier '${r}': The pattern is too long: ${GLOB_MAX_LENGTH + 1} bytes, at most ${GLOB_MAX_LENGTH}`,
      );
      expect(h.server.acl.get('w')).to.equal(undefined);
    }
    // At the limit it is taken, and a request it guards gets an answer (a refusal here), not an error.
    const atLimit = 'a*'.repeat(GLOB_MAX_LENGTH / 2 - 1) + 'bc';
    expect((await h.run(['ACL', 'SETUSER', 'w', 'on', 'nopass', '+@all', '~' + atLimit, '&' + atLimit])).error).to.equal(null);
    const c = h.client();
    c.user = h.server.acl.get('w')!;
    expect((await h.run(['HBEAT', 'a'.repeat(60), 'h'], c)).error).to.equal('NOPERM No permissions to access a key');
    expect((await h.run(['PUBLISH', 'x', 'y'], c)).error).to.equal('NOPERM No permissions to access a channel');
  });
});
