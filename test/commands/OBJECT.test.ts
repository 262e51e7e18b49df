// OBJECT and MEMORY in-process, in both protocols: OBJECT ENCODING, REFCOUNT, IDLETIME (nil for a missing key), FREQ
// (refused, as Redis without an LFU policy), MEMORY USAGE, the HELP lists, and the documented errors.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('OBJECT / MEMORY (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness();
    await h.run(['HBEAT', 'w1', 'hive-a']);
  });
  afterEach(() => h.stop());

  it('OBJECT ENCODING answers listpack for a small hash; REFCOUNT 1; IDLETIME the seconds since the last heartbeat', async () => {
    const e = await h.run(['OBJECT', 'ENCODING', 'worker:w1'], h.client(3));
    expect([e.resp2, e.resp3]).to.deep.equal(['$8\r\nlistpack\r\n', '$8\r\nlistpack\r\n']);
    expect((await h.run(['OBJECT', 'REFCOUNT', 'hive:hive-a'])).resp2).to.equal(':1\r\n');
    h.clock.advance(7_500);
    expect((await h.run(['OBJECT', 'IDLETIME', 'worker:w1'], h.client(3))).resp3).to.equal(':7\r\n');
  });

  it('OBJECT ENCODING, REFCOUNT, IDLETIME and MEMORY USAGE answer nil for a missing key', async () => {
    for (const argv of [
      ['OBJECT', 'ENCODING', 'x'],
      ['OBJECT', 'REFCOUNT', 'x'],
      ['OBJECT', 'IDLETIME', 'x'],
      ['MEMORY', 'USAGE', 'x'],
    ]) {
      const r = await h.run(argv, h.client(3));
      expect([r.resp2, r.resp3], argv.join(' ')).to.deep.equal(['$-1\r\n', '_\r\n']);
    }
  });

  it('OBJECT FREQ is refused as Redis refuses it without an LFU policy', async () => {
    await h.refuses(
      ['OBJECT', 'FREQ', 'worker:w1'],
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    );
  });

  it('MEMORY USAGE answers an estimate in bytes; SAMPLES is accepted; a bad option is a syntax error', async () => {
    const r = await h.run(['MEMORY', 'USAGE', 'worker:w1', 'SAMPLES', '5'], h.client(3));
    expect(r.reply).to.be.within(100, 100_000);
    expect(r.resp3).to.equal(r.resp2);
    await h.refuses(['MEMORY', 'USAGE', 'worker:w1', 'SAMPLES'], 'ERR syntax error');
    await h.refuses(['MEMORY', 'USAGE', 'worker:w1', 'SAMPLES', '-1'], 'ERR syntax error');
    await h.refuses(['MEMORY', 'USAGE', 'worker:w1', 'FAST', '1'], 'ERR syntax error');
  });

  it('HELP lists the subcommands; an unknown one names HELP', async () => {
    expect((await h.run(['OBJECT', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+OBJECT <subcommand>/);
    expect((await h.run(['MEMORY', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+MEMORY <subcommand>/);
    await h.refuses(['OBJECT', 'NOPE', 'x'], "ERR unknown subcommand 'NOPE'. Try OBJECT HELP.");
    await h.refuses(['MEMORY', 'DOCTOR'], "ERR unknown subcommand 'DOCTOR'. Try MEMORY HELP.");
  });
});
