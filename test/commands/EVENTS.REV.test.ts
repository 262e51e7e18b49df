// EVENTS.REV in-process, in both protocols: the map of rev, oldest_rev, length and capacity, and the arity error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('EVENTS.REV (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness({ eventLogSize: 2 });
  });
  afterEach(() => h.stop());

  it('answers rev 0 (oldest_rev 1, the first to come) before any event; then the newest revision, the oldest kept, the length and the capacity', async () => {
    const empty = await h.run(['EVENTS.REV'], h.client(3));
    expect(empty.resp3).to.equal('%4\r\n$3\r\nrev\r\n:0\r\n$10\r\noldest_rev\r\n:1\r\n$6\r\nlength\r\n:0\r\n$8\r\ncapacity\r\n:2\r\n');
    for (const w of ['w1', 'w2', 'w3']) await h.run(['HBEAT', w, 'hive-a']);
    const { resp2, resp3 } = await h.both(['EVENTS.REV']);
    const rev = h.server.registry.events.lastRev;
    expect(rev).to.be.greaterThan(2);
    expect(resp2.resp2).to.equal(
      `*8\r\n$3\r\nrev\r\n:${rev}\r\n$10\r\noldest_rev\r\n:${rev - 1}\r\n$6\r\nlength\r\n:2\r\n$8\r\ncapacity\r\n:2\r\n`,
    );
    expect(resp3.resp3).to.equal(resp2.resp2.replace('*8', '%4'));
  });

  it('refuses arguments in Redis words', async () => {
    await h.refuses(['EVENTS.REV', 'x'], "ERR wrong number of arguments for 'events.rev' command");
  });
});
