// The ops commands Redis users reach for, through real clients: MONITOR seen by a second client (ioredis
// parses Redis' line format), SLOWLOG and LATENCY with their settings, ROLE, INFO commandstats / errorstats /
// latencystats in Redis' format, CLIENT NO-EVICT.

import { expect } from 'chai';
import { once } from 'node:events';
import { rejection, WireFixture, type Client } from './fixture.js';
import { LatencyHistogram } from '../../src/commands/ops/stats.js';
import { monitorLine, redactedArgs } from '../../src/commands/ops/monitor-line.js';
import { RawClient } from '../helpers/server.js';

function infoFields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

describe('ops commands', () => {
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start({ requirePass: 'sesame' });
    r = await fx.ioredis({ password: 'sesame' });
  });

  afterEach(async () => {
    await fx.close();
  });

  it("MONITOR shows other clients' commands in Redis' format, passwords redacted, admin commands left out", async () => {
    const monitor = await fx.ioredisLazy({ password: 'sesame', lazyConnect: false }).monitor();
    const lines: Array<{ args: string[]; source: string; database: string; time: string }> = [];
    monitor.on('monitor', (time: string, args: string[], source: string, database: string) => lines.push({ time, args, source, database }));
    await r.call('HBEAT', 'w1', 'hive-a', 'STATE', 'Idle');
    await r.call('WORKER.GET', 'w1');
    await rejection(r.call('AUTH', 'default', 'wrong'));
    await r.call('CONFIG', 'SET', 'slowlog-max-len', '64');
    await r.call('ECHO', 'quote " here');
    while (lines.length < 4) await once(monitor, 'monitor');
    expect(lines.map((l) => l.args)).to.deep.equal([
      ['HBEAT', 'w1', 'hive-a', 'STATE', 'Idle'],
      ['WORKER.GET', 'w1'],
      ['AUTH', '(redacted)', '(redacted)'],
      ['ECHO', 'quote " here'],
    ]);
    const clientAddr = String(await r.call('CLIENT', 'INFO')).match(/addr=(\S+)/)![1]!;
    expect(lines[0]!.source).to.equal(clientAddr);
    expect(lines[0]!.database).to.equal('0');
    expect(Math.abs(Number(lines[0]!.time) * 1000 - Date.now())).to.be.below(60_000);
    monitor.disconnect();
  });

  it('SLOWLOG keeps commands over slowlog-log-slower-than, newest first, up to slowlog-max-len', async () => {
    expect(await r.call('CONFIG', 'GET', 'slowlog-*')).to.have.members(['slowlog-log-slower-than', '10000', 'slowlog-max-len', '128']);
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0', 'slowlog-max-len', '3');
    await r.call('HBEAT', 'w1', 'h', 'URL', `http://x/${'a'.repeat(200)}`);
    await r.call('WORKER.GET', 'w1');
    const entries = (await r.call('SLOWLOG', 'GET', '-1')) as Array<[number, number, number, string[], string, string]>;
    expect(entries).to.have.length(3);
    const [newest, second] = entries;
    expect(newest![3]).to.deep.equal(['WORKER.GET', 'w1']);
    expect(second![3][0]).to.equal('HBEAT');
    expect(second![3][4]).to.equal(`http://x/${'a'.repeat(119)}... (81 more bytes)`);
    expect(newest![0]).to.be.greaterThan(second![0]);
    expect(newest![2]).to.be.a('number').and.at.least(0);
    expect(Math.abs(newest![1] - Date.now() / 1000)).to.be.below(60);
    expect(await r.call('SLOWLOG', 'LEN')).to.equal(3);
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '-1');
    await r.call('SLOWLOG', 'RESET');
    await r.call('HBEAT', 'w1', 'h');
    expect(await r.call('SLOWLOG', 'LEN')).to.equal(0);
    expect((await rejection(r.call('SLOWLOG', 'GET', '-2'))).message).to.equal('ERR count should be greater than or equal to -1');
    expect((await rejection(r.call('CONFIG', 'SET', 'slowlog-max-len', '-1'))).message).to.match(/slowlog-max-len/);
    expect(await r.call('SLOWLOG', 'HELP'))
      .to.be.an('array')
      .with.length.greaterThan(3);
  });

  it('SLOWLOG cuts arguments past 32 and redacts AUTH', async () => {
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await r.call('EXISTS', ...Array.from({ length: 40 }, (_, i) => `k${i}`));
    const [[, , , argv]] = (await r.call('SLOWLOG', 'GET', '1')) as [[number, number, number, string[]]];
    expect(argv).to.have.length(32);
    expect(argv[31]).to.equal('... (10 more arguments)');
    await r.call('AUTH', 'sesame');
    const [[, , , auth]] = (await r.call('SLOWLOG', 'GET', '1')) as [[number, number, number, string[]]];
    expect(auth).to.deep.equal(['AUTH', '(redacted)']);
  });

  it('LATENCY records commands over latency-monitor-threshold; off by default', async () => {
    await r.call('HBEAT', 'w1', 'h');
    expect(await r.call('LATENCY', 'LATEST')).to.deep.equal([]);
    expect(String(await r.call('LATENCY', 'DOCTOR'))).to.include('Latency monitoring is disabled');
    // 1 ms is the smallest threshold; KEYS over many workers takes longer than that even on a fast machine.
    await r.call('CONFIG', 'SET', 'latency-monitor-threshold', '1');
    for (let i = 0; i < 5000; i++) void r.call('HBEAT', `w${i}`, 'h');
    let latest: Array<[string, number, number, number]> = [];
    for (let attempt = 0; attempt < 50 && latest.length === 0; attempt++) {
      const big = Array.from({ length: 20 }, () => r.call('KEYS', '*[0-9]*[0-9]*[0-9]*x'));
      await Promise.all(big);
      latest = (await r.call('LATENCY', 'LATEST')) as typeof latest;
    }
    const command = latest.find(([event]) => event === 'command');
    expect(command, JSON.stringify(latest)).to.not.equal(undefined);
    expect(command![2]).to.be.at.least(1);
    expect(command![3]).to.be.at.least(command![2]);
    const history = (await r.call('LATENCY', 'HISTORY', 'command')) as Array<[number, number]>;
    expect(history.length).to.be.at.least(1);
    expect(String(await r.call('LATENCY', 'DOCTOR'))).to.include('command:');
    expect(await r.call('LATENCY', 'RESET', 'command')).to.equal(1);
    expect(await r.call('LATENCY', 'HISTORY', 'command')).to.deep.equal([]);
  });

  it('ROLE says master with no replicas; CLIENT NO-EVICT and NO-TOUCH accept ON/OFF', async () => {
    expect(await r.call('ROLE')).to.deep.equal(['master', 0, []]);
    expect(await r.call('CLIENT', 'NO-EVICT', 'on')).to.equal('OK');
    expect(await r.call('CLIENT', 'NO-TOUCH', 'OFF')).to.equal('OK');
    expect((await rejection(r.call('CLIENT', 'NO-EVICT', 'maybe'))).message).to.equal('ERR syntax error');
  });

  it('INFO commandstats, errorstats and latencystats count calls, rejections, failures and errors as Redis does', async () => {
    await r.call('HBEAT', 'w1', 'h');
    await r.call('HBEAT', 'w1', 'h', 'GPU', '50');
    await rejection(r.call('HBEAT', 'w1', 'h', 'STATE', 'sleeping'));
    await rejection(r.call('HIVE.GET'));
    await rejection(r.call('NOPE'));
    await rejection(r.call('GET', 'worker:w1'));
    const unauthenticated = await RawClient.connect(fx.port);
    expect(await unauthenticated.request('WORKER.COUNT\r\n', '\r\n')).to.equal('-NOAUTH Authentication required.\r\n');
    unauthenticated.close();
    const info = infoFields(String(await r.call('INFO', 'commandstats')));
    const hbeat = info.get('cmdstat_hbeat')!;
    expect(hbeat).to.match(/^calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=1$/);
    expect(info.get('cmdstat_hive.get')).to.match(/^calls=0,usec=0,usec_per_call=0\.00,rejected_calls=1,failed_calls=0$/);
    expect(info.get('cmdstat_worker.count')).to.match(/rejected_calls=1,/);
    expect(info.get('cmdstat_config|set'), 'nothing run, nothing listed').to.equal(undefined);
    const errors = infoFields(String(await r.call('INFO', 'errorstats')));
    expect(errors.get('errorstat_ERR')).to.equal('count=3');
    expect(errors.get('errorstat_WRONGTYPE')).to.equal('count=1');
    expect(errors.get('errorstat_NOAUTH')).to.equal('count=1');
    const stats = infoFields(String(await r.call('INFO', 'stats')));
    expect(stats.get('total_error_replies')).to.equal('5');
    const latency = infoFields(String(await r.call('INFO', 'latencystats')));
    expect(latency.get('latency_percentiles_usec_hbeat')).to.match(/^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    const sections = String(await r.call('INFO')).match(/^# \w+/gm)!;
    expect(sections).to.include('# Errorstats').and.not.include('# Commandstats');
    expect(String(await r.call('INFO', 'everything')).match(/^# \w+/gm)).to.include.members(['# Commandstats', '# Latencystats']);
    await r.call('CONFIG', 'RESETSTAT');
    const after = infoFields(String(await r.call('INFO', 'commandstats', 'errorstats')));
    expect(after.has('cmdstat_hbeat')).to.equal(false);
    expect(after.has('errorstat_ERR')).to.equal(false);
  });
});

describe('LatencyHistogram', () => {
  it('reads percentiles within a bucket (12.5%) of the true value, and exact counts below powers of two', () => {
    const h = new LatencyHistogram();
    const values = Array.from({ length: 1000 }, (_, i) => (i + 1) * 1000); // 1 µs … 1 ms
    for (const v of values) h.record(v);
    for (const p of [50, 99, 99.9]) {
      const truth = values[Math.ceil((p / 100) * values.length) - 1]! / 1000;
      const got = h.percentileUsec(p);
      expect(got)
        .to.be.at.least(truth)
        .and.at.most(truth * 1.125 + 0.001);
    }
    const below = h.cumulativeBelowPow2([10, 20, 31]);
    expect(below).to.deep.equal([values.filter((v) => v < 1024).length, values.filter((v) => v < 2 ** 20).length, 1000]);
  });
});

describe('MONITOR lines', () => {
  it("quote arguments as Redis' sdscatrepr and redact HELLO's AUTH pair", () => {
    const args = ['set', 'a"b\\c', 'line\nbreak\r\t\x07\x08', '\x00\xff'].map((a) => Buffer.from(a, 'latin1'));
    expect(monitorLine(1339518083_107412, '127.0.0.1:60866', args)).to.equal(
      '1339518083.107412 [0 127.0.0.1:60866] "set" "a\\"b\\\\c" "line\\nbreak\\r\\t\\a\\b" "\\x00\\xff"',
    );
    const hello = redactedArgs(5, (i) => Buffer.from(['HELLO', '3', 'AUTH', 'default', 'pw'][i]!));
    expect(hello.map(String)).to.deep.equal(['HELLO', '3', 'AUTH', '(redacted)', '(redacted)']);
  });
});
