// The HTTP side's /metrics: off by default, Prometheus' text format checked by promtool, the fleet's figures
// right after real heartbeats and transitions, and HTTP Basic auth against the registry's users when they
// have passwords.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { needProgram } from '../helpers/programs.js';
import { record, rejection, WireFixture } from './fixture.js';

function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

function promtool(bin: string, text: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, output }));
    p.stdin.end(text);
  });
}

const basic = (user: string, pass: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') });

describe('HTTP /metrics', () => {
  let fx: WireFixture;

  afterEach(async () => {
    await fx.close();
  });

  it('is off unless --http-port is given', async () => {
    fx = await WireFixture.start();
    expect(fx.server.server.httpPort).to.equal(0);
  });

  it('serves the fleet in the Prometheus text format that promtool accepts', async function () {
    const bin = needProgram(this, 'promtool');
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const r = await fx.ioredis();
    await r.call('HBEAT', 'w1', 'hive-a', 'STATE', 'Busy', 'MODEL', 'llama');
    await r.call('HBEAT', 'w2', 'hive-a', 'HEALTH', 'degraded');
    await r.call('HBEAT', 'w3', 'hive-b');
    await r.call('HBEAT', 'w1', 'hive-a', 'GPU', '40');
    await rejection(r.call('HBEAT', 'w1', 'hive-a', 'STATE', 'sleeping'));
    fx.clock.advance(20_000);
    await r.call('HBEAT', 'w1', 'hive-a');
    fx.clock.advance(15_000); // w2 and w3 go offline; hive-b with them
    const res = await fetch(`http://127.0.0.1:${fx.server.server.httpPort}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const check = await promtool(bin, text);
    expect(check.output).to.equal('');
    expect(check.code).to.equal(0);
    const m = samples(text);
    expect(m.get('rbee_registry_workers{state="Busy",health="healthy",online="1"}')).to.equal(1);
    expect(m.get('rbee_registry_workers{state="Idle",health="degraded",online="0"}')).to.equal(1);
    expect(m.get('rbee_registry_workers{state="Idle",health="healthy",online="0"}')).to.equal(1);
    expect(m.get('rbee_registry_hives{online="1"}')).to.equal(1);
    expect(m.get('rbee_registry_hives{online="0"}')).to.equal(1);
    expect(m.get('rbee_registry_hive_workers{hive="hive-a"}')).to.equal(2);
    expect(m.get('rbee_registry_model_workers{model="llama",online="1"}')).to.equal(1);
    expect(m.get('rbee_registry_heartbeats_total{result="new"}')).to.equal(3);
    expect(m.get('rbee_registry_heartbeats_total{result="refresh"}')).to.equal(2);
    expect(m.get('rbee_registry_heartbeats_total{result="error"}')).to.equal(1);
    expect(m.get('rbee_registry_worker_transitions_total{to="online"}')).to.equal(3);
    expect(m.get('rbee_registry_worker_transitions_total{to="offline"}')).to.equal(2);
    expect(m.get('rbee_registry_events_total{type="hive.offline"}')).to.equal(1);
    expect(m.get('rbee_registry_expiry_guard_active')).to.equal(1); // 2 of 3 went offline in one window
    expect(m.get('rbee_registry_events_total{type="guard.on"}')).to.equal(1);
    expect(m.get('rbee_registry_feed_revision')).to.equal(Number(record(await r.call('EVENTS.REV')).rev));
    expect(m.get('rbee_registry_connected_clients')).to.equal(1);
    expect(m.get('rbee_registry_commands_total{command="hbeat"}')).to.equal(6);
    expect(m.get('rbee_registry_command_duration_seconds_count{command="hbeat"}')).to.equal(6);
    expect(m.get('rbee_registry_command_duration_seconds_bucket{command="hbeat",le="+Inf"}')).to.equal(6);
    expect(m.get('rbee_registry_snapshot_last_success_timestamp_seconds')).to.equal(0);
    expect(m.has('nodejs_eventloop_lag_seconds')).to.equal(true);
    expect(m.has('process_cpu_seconds_total')).to.equal(true);
    expect(text).to.include('# TYPE nodejs_gc_duration_seconds histogram'); // samples come with the first collection
  });

  it('reads the fleet from counts the registry keeps: a scrape visits no worker', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const r = await fx.ioredis();
    for (let i = 0; i < 30; i++) await r.call('HBEAT', `w${i}`, `hive-${i % 3}`, 'STATE', i % 2 ? 'Busy' : 'Idle', 'MODEL', `m${i % 4}`);
    fx.clock.advance(20_000);
    for (let i = 0; i < 10; i++) await r.call('HBEAT', `w${i}`, `hive-${i % 3}`);
    fx.clock.advance(15_000); // w10..w29 go offline
    // Every way of visiting the workers fails from here on: the figures must come from the kept counts.
    const registry = fx.server.server.registry;
    const visits: string[] = [];
    for (const name of ['scanSlots', 'scanWorkers', 'listWorkers', 'listWorkersUpTo', 'workersOnHive'] as const) {
      Object.defineProperty(registry, name, {
        value: () => {
          visits.push(name);
          throw new Error(`${name} during a scrape`);
        },
      });
    }
    const res = await fetch(`http://127.0.0.1:${fx.server.server.httpPort}/metrics`);
    expect(visits).to.deep.equal([]);
    expect(res.status).to.equal(200);
    const m = samples(await res.text());
    expect(m.get('rbee_registry_workers{state="Idle",health="healthy",online="1"}')).to.equal(5);
    expect(m.get('rbee_registry_workers{state="Busy",health="healthy",online="1"}')).to.equal(5);
    expect(m.get('rbee_registry_workers{state="Idle",health="healthy",online="0"}')).to.equal(10);
    expect(m.get('rbee_registry_workers{state="Busy",health="healthy",online="0"}')).to.equal(10);
    expect(m.get('rbee_registry_model_workers{model="m0",online="1"}')).to.equal(3); // w0, w4, w8
    expect(m.get('rbee_registry_model_workers{model="m0",online="0"}')).to.equal(5);
    expect(m.get('rbee_registry_hives{online="1"}')).to.equal(3);
  });

  it('asks for HTTP Basic credentials when the default user has a password, and checks them', async () => {
    fx = await WireFixture.start({ requirePass: 'sesame', settings: { 'http-port': 0 } });
    const url = `http://127.0.0.1:${fx.server.server.httpPort}/metrics`;
    const anonymous = await fetch(url);
    expect(anonymous.status).to.equal(401);
    expect(anonymous.headers.get('www-authenticate')).to.match(/^Basic realm="rbee-registry"/);
    expect((await fetch(url, { headers: basic('default', 'wrong') })).status).to.equal(401);
    expect((await fetch(url, { headers: basic('nobody', 'sesame') })).status).to.equal(401);
    expect((await fetch(url, { headers: basic('default', 'sesame') })).status).to.equal(200);
    expect((await fetch(url, { headers: basic('', 'sesame') })).status).to.equal(200);
  });

  it('lets an ACL user scrape only with permission to read the server state (INFO)', async () => {
    fx = await WireFixture.start({ requirePass: 'sesame', settings: { 'http-port': 0 } });
    const r = await fx.ioredis({ password: 'sesame' });
    await r.call('ACL', 'SETUSER', 'scraper', 'on', '>scrape', '+info');
    await r.call('ACL', 'SETUSER', 'worker', 'on', '>beat', '+hbeat');
    const url = `http://127.0.0.1:${fx.server.server.httpPort}/metrics`;
    expect((await fetch(url, { headers: basic('scraper', 'scrape') })).status).to.equal(200);
    const denied = await fetch(url, { headers: basic('worker', 'beat') });
    expect(denied.status).to.equal(403);
    expect(await denied.text()).to.include("user 'worker' may not run INFO");
  });
});
