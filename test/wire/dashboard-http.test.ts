// The dashboard over HTTP without a browser: its files and JSON reads, what they answer for a known fleet, bad
// query parameters named in a 400, and credentials (a user needs WORKER.LIST, HIVE.LIST and EVENTS.READ).

import { expect } from 'chai';
import { WireFixture } from './fixture.js';

const basic = (user: string, pass: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') });

describe('HTTP dashboard and /api', () => {
  let fx: WireFixture;
  const url = (p: string) => `http://127.0.0.1:${fx.server.server.httpPort}${p}`;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, asserted field by field
  const json = async (p: string): Promise<any> => (await fetch(url(p))).json();

  afterEach(async () => {
    await fx.close();
  });

  it('serves the page, its script and style with a same-origin-only policy', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const page = await fetch(url('/'));
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.equal('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).to.match(/^default-src 'self'/);
    const html = await page.text();
    expect(html).to.include('<script type="module" src="dashboard.js"></script>');
    expect(html).to.not.match(/https?:\/\//); // nothing from the network
    expect((await fetch(url('/dashboard.js'))).headers.get('content-type')).to.equal('text/javascript; charset=utf-8');
    expect((await fetch(url('/dashboard.css'))).headers.get('content-type')).to.equal('text/css; charset=utf-8');
    expect((await fetch(url('/nope'))).status).to.equal(404);
    expect((await fetch(url('/api/nope'))).status).to.equal(404);
  });

  it('answers the summary and pages of hives and workers, filtered, with the revision', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const r = await fx.ioredis();
    const GB = 1_000_000_000;
    await r.call(
      'HBEAT',
      'w1',
      'hive-a',
      'STATE',
      'Busy',
      'MODEL',
      'llama',
      'DEVICE',
      '0',
      'VRAM',
      String(4 * GB),
      'VRAM_TOTAL',
      String(24 * GB),
    );
    await r.call('HBEAT', 'w2', 'hive-a', 'MODEL', 'llama', 'DEVICE', '0', 'VRAM', String(2 * GB), 'VRAM_TOTAL', String(24 * GB));
    await r.call('HBEAT', 'w3', 'hive-a', 'DEVICE', '1', 'VRAM_TOTAL', String(16 * GB));
    await r.call('HBEAT', 'w4', 'hive-b', 'STATE', 'Busy');
    const summary = await json('/api/summary');
    expect(summary).to.deep.include({ rev: 6, workers: { total: 4, online: 4, skewed: 0 }, hives: { total: 2, online: 2 } });
    expect(summary.guard).to.include({ mode: 'auto', active: false });
    const hives = await json('/api/hives?hive=hive-a');
    // Two workers share GPU 0: its 24 GB count once, plus GPU 1's 16 GB.
    expect(hives.items).to.deep.equal([
      {
        hive_id: 'hive-a',
        online: true,
        workers: 3,
        online_workers: 3,
        vram_used: 6 * GB,
        vram_total: 40 * GB,
        ram_used: 0,
        last_heartbeat_ms: fx.clock.now(),
      },
    ]);
    const all = await json('/api/hives?limit=1');
    expect(all.items.length).to.equal(1);
    const rest = await json(`/api/hives?limit=1&cursor=${all.cursor}`);
    expect([all.items[0].hive_id, rest.items[0].hive_id].sort()).to.deep.equal(['hive-a', 'hive-b']);
    const busy = await json('/api/workers?state=Busy');
    expect(busy.items.map((w: { worker_id: string }) => w.worker_id).sort()).to.deep.equal(['w1', 'w4']);
    const llamaOnA = await json('/api/workers?hive=hive-a&model=llama&limit=1');
    expect(llamaOnA).to.include({ rev: 6, matched: 2, cursor: 1 });
    expect(llamaOnA.items[0]).to.include({ worker_id: 'w1', state: 'Busy', online: true, vram: 4 * GB, vram_total: 24 * GB });
    const next = await json('/api/workers?hive=hive-a&model=llama&limit=1&cursor=1');
    expect(next).to.include({ cursor: 0 });
    expect(next.items[0].worker_id).to.equal('w2');
  });

  it('names a bad query parameter in a 400', async () => {
    fx = await WireFixture.start({ settings: { 'http-port': 0 } });
    const bad = async (q: string) => {
      const res = await fetch(url(q));
      expect(res.status).to.equal(400);
      return res.text();
    };
    expect(await bad('/api/workers?state=asleep')).to.equal("invalid state 'asleep': expected one of Idle, Busy, Loading\n");
    expect(await bad('/api/workers?cursor=-1')).to.equal("invalid cursor '-1': expected an integer from 0 to 9007199254740991\n");
    expect(await bad('/api/hives?limit=100000')).to.equal("invalid limit '100000': expected an integer from 0 to 500\n");
  });

  it('asks for credentials, and a user needs WORKER.LIST, HIVE.LIST and EVENTS.READ', async () => {
    fx = await WireFixture.start({ requirePass: 'sesame', settings: { 'http-port': 0 } });
    const r = await fx.ioredis({ password: 'sesame' });
    await r.call('ACL', 'SETUSER', 'ops', 'on', '>look', '+worker.list', '+hive.list', '+events.read');
    await r.call('ACL', 'SETUSER', 'half', 'on', '>look', '+worker.list', '+events.read');
    for (const p of ['/', '/dashboard.js', '/api/summary', '/api/workers']) {
      expect((await fetch(url(p))).status, p).to.equal(401);
      expect((await fetch(url(p), { headers: basic('ops', 'look') })).status, p).to.equal(200);
      const denied = await fetch(url(p), { headers: basic('half', 'look') });
      expect(denied.status, p).to.equal(403);
      expect(await denied.text()).to.include("user 'half' may not run HIVE.LIST");
    }
  });
});
