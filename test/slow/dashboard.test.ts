// The dashboard in a real browser: headless Chromium (Debian's) driven by playwright-core against the server as a
// child process. The page shows what was registered, reflects a heartbeat, a state change and an offline worker
// within a second, survives a restart on the same ports (reconnect and resume, no reload), reloads in full when
// the registry restarted without its snapshot (event: compacted), and pages through 10,000 workers. Screenshots
// are kept under test-artifacts/ (not committed); REGISTRY_DASHBOARD_SCREENSHOT=FILE also writes one there.

import { expect } from 'chai';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { describeNeeding, findProgram } from '../helpers/programs.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const OFFLINE_AFTER_MS = 1500;
/** The bound for the page to show a change. */
const SHOW_WITHIN_MS = 1000;

/** Chromium's flags for a quiet, network-free headless run. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function httpPortOf(p: ServerProcess): number {
  const m = /dashboard on http:\/\/[^:]+:(\d+)\//.exec(p.output());
  if (m === null) throw new Error(`no HTTP port in the ready line:\n${p.output()}`);
  return Number(m[1]);
}

describeNeeding(['chromium'], 'dashboard in headless Chromium', function () {
  this.timeout(120_000);
  let dir: string;
  let server: ServerProcess | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  let redis: Redis | null = null;
  let port = 0;
  let httpPort = 0;

  const start = async (args: string[]) => {
    server = await startServerProcess(args);
    port = server.port;
    httpPort = httpPortOf(server);
    redis?.disconnect();
    redis = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    await redis.connect();
    return redis;
  };

  /** Milliseconds until `fn` holds in the page (polled on every animation frame). */
  const shows = async (fn: string, arg?: unknown, timeout = 5000): Promise<number> => {
    const t0 = performance.now();
    await page.waitForFunction(fn, arg, { timeout, polling: 'raf' });
    return performance.now() - t0;
  };
  const cell = (worker: string, col: string) => `document.querySelector('tr[data-worker="${worker}"] td.${col}')?.textContent`;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'dashboard-'));
    await mkdir(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: findProgram('chromium')!,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
      // The page's CSP forbids eval; the test's string predicates are evaluated in it, so the test context lifts it.
      bypassCSP: true,
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterEach(async () => {
    await context?.close();
    context = null;
    redis?.disconnect();
    redis = null;
    await server?.kill('SIGKILL');
    server = null;
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the fleet, reflects a heartbeat, a state change and an offline worker within a second, and resumes across a restart', async () => {
    const snap = path.join(dir, 'registry.snap');
    const args = [
      '--http-port',
      '0',
      '--offline-after',
      String(OFFLINE_AFTER_MS),
      '--evict-after',
      '0',
      '--snapshot',
      snap,
      '--http-events-ping',
      '1000',
    ];
    const r = await start(args);
    const GB = 1_000_000_000;
    await r.call(
      'HBEAT',
      'w1',
      'hive-a',
      'STATE',
      'Idle',
      'MODEL',
      'llama-3-8b',
      'BACKEND',
      'cuda',
      'GPU',
      '12',
      'VRAM',
      String(6 * GB),
      'VRAM_TOTAL',
      String(24 * GB),
      'DEVICE',
      '0',
    );
    await r.call(
      'HBEAT',
      'w2',
      'hive-a',
      'STATE',
      'Busy',
      'MODEL',
      'mistral-7b',
      'BACKEND',
      'cuda',
      'GPU',
      '88',
      'VRAM',
      String(14 * GB),
      'VRAM_TOTAL',
      String(24 * GB),
      'DEVICE',
      '1',
    );
    await r.call('HBEAT', 'w3', 'hive-b', 'STATE', 'Idle', 'MODEL', 'llama-3-8b', 'BACKEND', 'rocm', 'GPU', '3', 'RAM', String(2 * GB));
    await page.goto(`http://127.0.0.1:${httpPort}/`);
    await shows(`document.querySelectorAll('#worker-rows tr').length === 3 && document.querySelectorAll('.hive').length === 2`);
    await shows(`window.dashboard.live`);
    expect(await page.textContent('tr[data-worker="w2"] td.state')).to.equal('Busy');
    expect(await page.textContent('.hive[data-hive="hive-a"] .meta')).to.include('2 / 2 workers');
    expect(await page.textContent('.hive[data-hive="hive-a"] .meter')).to.equal('VRAM 20.0 GB / 48.0 GB');

    // Keep w1 and w2 alive; w3 goes silent and must show offline once its window passes.
    const beat = setInterval(() => {
      void r.call('HBEAT', 'w1', 'hive-a').catch(() => {});
      void r.call('HBEAT', 'w2', 'hive-a').catch(() => {});
    }, 300);
    try {
      await r.call('HBEAT', 'w1', 'hive-a', 'GPU', '77');
      const heartbeatMs = await shows(`${cell('w1', 'gpu')} === '77%'`);
      await r.call('HBEAT', 'w2', 'hive-a', 'STATE', 'Loading');
      const stateMs = await shows(`${cell('w2', 'state')} === 'Loading'`);
      const silentSince = performance.now();
      await r.call('HBEAT', 'w3', 'hive-b');
      await shows(`document.querySelector('tr[data-worker="w3"]')?.dataset.online === 'false'`, undefined, OFFLINE_AFTER_MS + 5000);
      const offlineMs = performance.now() - silentSince - OFFLINE_AFTER_MS;
      expect(heartbeatMs, 'heartbeat shown after').to.be.below(SHOW_WITHIN_MS);
      expect(stateMs, 'state change shown after').to.be.below(SHOW_WITHIN_MS);
      expect(offlineMs, 'offline shown after its deadline').to.be.below(SHOW_WITHIN_MS);
      await shows(`document.querySelector('.hive[data-hive="hive-b"]')?.dataset.online === 'false'`);
      await shows(`[...document.querySelectorAll('#event-list li')].some((li) => li.textContent.includes('worker.offline w3'))`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-changes.png'), fullPage: true });

      // Restart on the same ports with the snapshot: the stream reconnects and resumes, no full reload.
      clearInterval(beat);
      const rev = Number(((await r.call('EVENTS.REV')) as unknown[])[1]);
      await shows(`window.dashboard.rev === ${rev}`);
      const connects = await page.evaluate('window.dashboard.connects');
      await server!.kill('SIGTERM');
      await shows(`!window.dashboard.live`);
      const r2 = await start(['--port', String(port), ...args.map((a) => (a === '0' ? String(httpPort) : a))]);
      await r2.call('HBEAT', 'w4', 'hive-c', 'STATE', 'Idle', 'MODEL', 'phi-3');
      await shows(`document.querySelector('tr[data-worker="w4"]') !== null && window.dashboard.live`, undefined, 10_000);
      expect(await page.evaluate('window.dashboard.reloads')).to.equal(0);
      expect(await page.evaluate('window.dashboard.connects')).to.equal(connects);
      await shows(`document.querySelector('#event-list li')?.dataset.rev === '${rev + 2}'`);
      const tail = await page.$$eval('#event-list li', (lis) => lis.map((li) => Number(li.getAttribute('data-rev'))));
      expect(tail[0]).to.equal(rev + 2); // worker.online w4 and hive.online hive-c follow on from the saved revision
    } finally {
      clearInterval(beat);
    }
  });

  it('shows a mixed fleet, and the expiry guard as a banner when many workers go silent at once', async () => {
    const r = await start(['--http-port', '0', '--offline-after', String(OFFLINE_AFTER_MS), '--evict-after', '0']);
    const GB = 1_000_000_000;
    const models = ['llama-3-70b', 'llama-3-8b', 'mistral-7b', 'qwen2-72b'];
    const states = ['Idle', 'Busy', 'Busy', 'Loading'];
    const fleet: string[][] = [];
    for (let h = 0; h < 5; h++) {
      for (let d = 0; d < 4; d++) {
        const i = h * 4 + d;
        fleet.push([
          `gpu-${h}-${d}`,
          `hive-${['ams', 'fra', 'lon', 'par', 'waw'][h]}`,
          'STATE',
          states[(i * 3) % 4]!,
          'MODEL',
          models[(h + d) % 4]!,
          'BACKEND',
          h === 4 ? 'rocm' : 'cuda',
          'DEVICE',
          String(d),
          'GPU',
          String((i * 37) % 100),
          'VRAM',
          String(((i * 7) % 20) * GB + 2 * GB),
          'VRAM_TOTAL',
          String(24 * GB),
          'RAM',
          String(((i * 5) % 16) * GB + GB),
          'HEALTH',
          i % 9 === 4 ? 'degraded' : 'healthy',
          'TS',
          new Date(Date.now() + (i === 6 ? 7000 : 0)).toISOString(),
        ]);
      }
    }
    for (const f of fleet) await r.call('HBEAT', ...f);
    await page.goto(`http://127.0.0.1:${httpPort}/`);
    await shows(`document.querySelectorAll('#worker-rows tr').length === 20 && document.querySelectorAll('.hive').length === 5`);
    expect(await page.isHidden('#guard')).to.equal(true);
    // Two hives keep beating; the other 12 workers fall silent together: more than half in one window.
    const alive = fleet.filter((f) => f[1] === 'hive-ams' || f[1] === 'hive-fra');
    const beat = setInterval(() => {
      for (const f of alive) void r.call('HBEAT', f[0]!, f[1]!).catch(() => {});
    }, 300);
    try {
      // The guard trips at the 11th worker gone; the banner's count follows the rest as they go.
      await shows(`!document.querySelector('#guard').hidden`, undefined, OFFLINE_AFTER_MS + 5000);
      await shows(`document.querySelectorAll('tr[data-online="false"]').length === 12`);
      await shows(
        `document.querySelector('#guard').textContent.startsWith('Expiry guard active (auto): evictions are held — 8 workers online of 20 ')`,
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png') });
      const readme = process.env['REGISTRY_DASHBOARD_SCREENSHOT'];
      if (readme) await page.screenshot({ path: readme });
    } finally {
      clearInterval(beat);
    }
  });

  it('reloads in full when the registry restarted without its snapshot (event: compacted)', async () => {
    const args = ['--http-port', '0', '--http-events-ping', '1000'];
    const r = await start(args);
    for (let i = 0; i < 5; i++) await r.call('HBEAT', `old-${i}`, 'hive-old');
    await page.goto(`http://127.0.0.1:${httpPort}/`);
    await shows(`document.querySelectorAll('#worker-rows tr').length === 5 && window.dashboard.live`);
    await server!.kill('SIGKILL');
    const r2 = await start(['--port', String(port), ...args.map((a) => (a === '0' ? String(httpPort) : a))]);
    await r2.call('HBEAT', 'new-1', 'hive-new');
    await shows(`window.dashboard.reloads === 1`, undefined, 10_000);
    await shows(`document.querySelectorAll('#worker-rows tr').length === 1 && document.querySelector('tr[data-worker="new-1"]') !== null`);
    expect(await page.$$eval('.hive', (hs) => hs.map((h) => h.getAttribute('data-hive')))).to.deep.equal(['hive-new']);
  });

  it('pages through 10,000 workers 100 rows at a time and filters by hive, model and state', async () => {
    const r = await start(['--http-port', '0']);
    const pipe = r.pipeline();
    for (let i = 0; i < 10_000; i++) {
      pipe.call(
        'HBEAT',
        `w${String(i).padStart(5, '0')}`,
        `hive-${i % 40}`,
        'STATE',
        i % 10 === 0 ? 'Busy' : 'Idle',
        'MODEL',
        `model-${i % 7}`,
      );
    }
    await pipe.exec();
    await page.goto(`http://127.0.0.1:${httpPort}/`);
    await shows(`document.querySelectorAll('#worker-rows tr').length === 100`);
    expect(await page.textContent('#totals')).to.include('10000 / 10000 workers online');
    const first = await page.$$eval('#worker-rows tr', (trs) => trs.map((t) => t.getAttribute('data-worker')));
    await page.click('#workers-next');
    await shows(`document.querySelector('#workers-page').textContent === 'page 2'`);
    await shows(`document.querySelectorAll('#worker-rows tr').length === 100`);
    const second = await page.$$eval('#worker-rows tr', (trs) => trs.map((t) => t.getAttribute('data-worker')));
    expect(second.filter((w) => first.includes(w))).to.deep.equal([]);
    await page.fill('#f-hive', 'hive-3');
    await page.selectOption('#f-state', 'Busy');
    await page.fill('#f-model', 'model-3');
    await page.press('#f-model', 'Enter');
    // hive-3 holds i ≡ 3 (mod 40): never Busy (i ≡ 0 mod 10). hive-10: i ≡ 10 (mod 40), all Busy, models vary.
    await shows(`document.querySelectorAll('#worker-rows tr').length === 0 && !document.querySelector('#workers-empty').hidden`);
    await page.fill('#f-hive', 'hive-10');
    await page.press('#f-hive', 'Enter');
    await shows(`document.querySelectorAll('#worker-rows tr').length > 0`);
    const rows = await page.$$eval('#worker-rows tr', (trs) =>
      trs.map((t) => [t.children[1]!.textContent, t.getAttribute('data-state'), t.children[5]!.textContent]),
    );
    // i ≡ 10 (mod 40) and i ≡ 3 (mod 7): one i in every 280.
    expect(rows.length).to.equal(Math.ceil((10_000 - 10) / 280));
    for (const [hive, state, model] of rows) expect([hive, state, model]).to.deep.equal(['hive-10', 'Busy', 'model-3']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-10k.png') });
  });
});
