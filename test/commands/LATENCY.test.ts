// LATENCY in-process, in both protocols: LATEST, HISTORY, RESET and DOCTOR over the samples the latency monitor
// keeps, HELP, and an unknown subcommand. Samples are added through the monitor's own recorder (a command in the
// harness takes far less than the smallest threshold, 1 ms).

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('LATENCY (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness({ settings: { 'latency-monitor-threshold': 10 } });
  });
  afterEach(() => h.stop());

  it('LATEST answers [event, time, latest ms, max ms] per event; HISTORY the [time, ms] samples of one', async () => {
    const empty = await h.run(['LATENCY', 'LATEST'], h.client(3));
    expect([empty.resp2, empty.resp3]).to.deep.equal(['*0\r\n', '*0\r\n']);
    h.server.ops.latency.add('command', 1_700_000_000, 40);
    h.server.ops.latency.add('command', 1_700_000_005, 15);
    const latest = await h.run(['LATENCY', 'LATEST'], h.client(3));
    expect([latest.resp2, latest.resp3]).to.deep.equal([
      '*1\r\n*4\r\n$7\r\ncommand\r\n:1700000005\r\n:15\r\n:40\r\n',
      '*1\r\n*4\r\n$7\r\ncommand\r\n:1700000005\r\n:15\r\n:40\r\n',
    ]);
    expect((await h.run(['LATENCY', 'HISTORY', 'command'])).resp2).to.equal(
      '*2\r\n*2\r\n:1700000000\r\n:40\r\n*2\r\n:1700000005\r\n:15\r\n',
    );
    expect((await h.run(['LATENCY', 'HISTORY', 'fast-command'])).resp2).to.equal('*0\r\n');
  });

  it('RESET answers how many event series it forgot', async () => {
    h.server.ops.latency.add('command', 1_700_000_000, 40);
    h.server.ops.latency.add('fast-command', 1_700_000_000, 12);
    expect((await h.run(['LATENCY', 'RESET', 'command', 'nope'], h.client(3))).resp3).to.equal(':1\r\n');
    expect((await h.run(['LATENCY', 'RESET'])).resp2).to.equal(':1\r\n');
    expect((await h.run(['LATENCY', 'LATEST'])).resp2).to.equal('*0\r\n');
  });

  it("DOCTOR answers Redis' report: a bulk string in RESP2, a verbatim one in RESP3", async () => {
    const calm = await h.run(['LATENCY', 'DOCTOR'], h.client(3));
    expect(calm.resp3).to.match(/^=\d+\r\ntxt:Dave, no latency spike was observed/);
    expect(calm.resp2).to.match(/^\$\d+\r\nDave, no latency spike was observed/);
    h.server.ops.latency.add('command', 1_700_000_000, 40);
    expect((await h.run(['LATENCY', 'DOCTOR'])).resp2).to.include('Dave, I have observed latency spikes');
    h.server.settings.setValue('latency-monitor-threshold', 0);
    expect((await h.run(['LATENCY', 'DOCTOR'])).resp2).to.include("I'm sorry, Dave, I can't do that.");
  });

  it('HELP lists the subcommands; an unknown one names HELP', async () => {
    expect((await h.run(['LATENCY', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+LATENCY <subcommand>/);
    await h.refuses(['LATENCY', 'GRAPH', 'command'], "ERR unknown subcommand 'GRAPH'. Try LATENCY HELP.");
    await h.refuses(['LATENCY', 'HISTORY'], "ERR wrong number of arguments for 'latency|history' command");
  });
});
