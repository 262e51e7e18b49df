// Debian's prometheus-redis-exporter pointed at the registry: it scrapes without errors (redis_up 1,
// redis_exporter_last_scrape_error 0) and exports the INFO-derived metrics (commandstats, errorstats, keyspace).

import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { needProgram } from '../helpers/programs.js';
import { rejection, WireFixture } from './fixture.js';

/** A free loopback port for a program that must be told one (the exporter cannot report the port it picked). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Metric samples by `name{labels}`, from the Prometheus text format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

describe('prometheus-redis-exporter', function () {
  let fx: WireFixture;
  let exporter: ChildProcess | null = null;
  let bin: string;

  before(function () {
    bin = needProgram(this, 'prometheus-redis-exporter');
  });

  beforeEach(async () => {
    fx = await WireFixture.start({ requirePass: 'sesame' });
  });

  afterEach(async () => {
    exporter?.kill();
    exporter = null;
    await fx.close();
  });

  async function scrape(webPort: number): Promise<Map<string, number>> {
    // The exporter needs a moment to listen: retry the connection (not a sleep: each try is a real request).
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch(`http://127.0.0.1:${webPort}/metrics`);
        return samples(await res.text());
      } catch (e) {
        if (attempt > 100) throw e;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  it('scrapes with redis_up 1 and no scrape error, and exports command, error and key counts', async () => {
    const r = await fx.ioredis({ password: 'sesame' });
    await r.call('HBEAT', 'w1', 'hive-a');
    await r.call('HBEAT', 'w2', 'hive-a');
    await rejection(r.call('HBEAT', 'w1', 'hive-a', 'STATE', 'sleeping'));
    const webPort = await freePort();
    exporter = spawn(
      bin,
      ['-redis.addr', `redis://127.0.0.1:${fx.port}`, '-redis.password', 'sesame', '-web.listen-address', `127.0.0.1:${webPort}`],
      {
        stdio: 'ignore',
      },
    );
    const m = await scrape(webPort);
    expect(m.get('redis_up')).to.equal(1);
    expect(m.get('redis_exporter_last_scrape_error{err=""}')).to.equal(0);
    expect(m.get('redis_commands_total{cmd="hbeat"}')).to.equal(3);
    expect(m.get('redis_commands_failed_calls_total{cmd="hbeat"}')).to.equal(1);
    expect(m.get('redis_errors_total{err="ERR"}')).to.equal(1);
    expect(m.get('redis_db_keys{db="db0"}')).to.equal(3); // two workers and their hive
    expect(m.get('redis_connected_clients')).to.be.at.least(2);
  });
});
