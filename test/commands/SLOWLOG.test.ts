// SLOWLOG in-process, in both protocols: GET (entries as arrays: id, time, duration, arguments, address, name; newest
// first; COUNT, -1 for all), LEN, RESET, HELP, and the documented errors. The harness records a command's time as a
// connection does, so slowlog-log-slower-than 0 logs every command.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('SLOWLOG (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness({ settings: { 'slowlog-log-slower-than': 0 } });
  });
  afterEach(() => h.stop());

  it('GET answers the entries newest first: [id, unix time, usec, argv, addr, name]; LEN counts them', async () => {
    const c = h.client();
    c.name = 'agent';
    await h.run(['HBEAT', 'w1', 'hive-a'], c);
    await h.run(['WORKER.GET', 'w1'], c);
    const r = await h.run(['SLOWLOG', 'GET', '2'], h.client(3));
    expect(r.resp3).to.equal(r.resp2);
    const entries = r.reply as Array<[number, number, number, Array<string | Buffer>, string, string]>;
    expect(entries).to.have.length(2);
    expect(entries[0]![3].map(String)).to.deep.equal(['WORKER.GET', 'w1']);
    expect(entries[1]![3].map(String)).to.deep.equal(['HBEAT', 'w1', 'hive-a']);
    expect(entries[0]![0]).to.be.greaterThan(entries[1]![0]);
    expect(Math.abs(entries[0]![1] - Date.now() / 1000)).to.be.below(60);
    expect([entries[0]![4], entries[0]![5]]).to.deep.equal([c.addr, 'agent']);
    expect(r.resp2).to.match(/^\*2\r\n\*6\r\n:\d+\r\n:\d+\r\n:\d+\r\n\*2\r\n\$10\r\nWORKER\.GET\r\n\$2\r\nw1\r\n/);
    const len = (await h.run(['SLOWLOG', 'LEN'])).reply as number;
    expect(len).to.be.at.least(3);
    expect(((await h.run(['SLOWLOG', 'GET', '-1'])).reply as unknown[]).length).to.be.at.least(len);
  });

  it('RESET answers +OK and empties the log', async () => {
    await h.run(['PING']);
    expect((await h.run(['SLOWLOG', 'LEN'])).reply).to.be.at.least(1);
    // Logging off first, or the RESET itself would be the next entry.
    h.server.settings.setValue('slowlog-log-slower-than', -1);
    const r = await h.run(['SLOWLOG', 'RESET'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal(['+OK\r\n', '+OK\r\n']);
    expect((await h.run(['SLOWLOG', 'LEN'])).resp2).to.equal(':0\r\n');
    expect((await h.run(['SLOWLOG', 'GET'])).resp2).to.equal('*0\r\n');
  });

  it('refuses a count below -1 and a non-integer count, in Redis words; HELP lists the subcommands', async () => {
    await h.refuses(['SLOWLOG', 'GET', '-2'], 'ERR count should be greater than or equal to -1');
    await h.refuses(['SLOWLOG', 'GET', 'x'], 'ERR value is not an integer or out of range');
    expect((await h.run(['SLOWLOG', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+SLOWLOG <subcommand>/);
    await h.refuses(['SLOWLOG', 'NOPE'], "ERR unknown subcommand 'NOPE'. Try SLOWLOG HELP.");
  });
});
