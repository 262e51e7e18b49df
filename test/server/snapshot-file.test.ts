// The snapshot file: a consistent picture as of the save's start however the registry changes while it is
// written; a checksum that refuses a flipped byte; records checked as HBEAT checks them (with the line and the
// reason); leftover temp files removed at start.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { WorkerRegistry } from '../../src/registry/registry.js';
import type { WorkerSnapshot } from '../../src/registry/snapshot.js';
import { readSnapshot, SnapshotError, writeSnapshot } from '../../src/server/snapshot.js';
import { Logger } from '../../src/server/log.js';
import { startTestServer } from '../helpers/server.js';
import { ManualClock } from '../helpers/clock.js';
import { writeFleetSnapshot } from '../helpers/fleet-snapshot.js';

async function load(file: string): Promise<WorkerSnapshot[]> {
  const out: WorkerSnapshot[] = [];
  await readSnapshot(file, () => ({ add: (w) => void out.push(w) }));
  return out;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(SnapshotError);
    return (e as Error).message;
  }
  throw new Error('expected the snapshot to be refused');
}

/** Rewrites a file's lines and puts a correct checksum on it: an edit made by someone who knew the format. */
function resealed(lines: string[]): string {
  const body = lines
    .slice(0, -1)
    .map((l) => l + '\n')
    .join('');
  const end = JSON.parse(lines.at(-1)!);
  end.sha256 = createHash('sha256').update(body).digest('hex');
  return body + JSON.stringify(end) + '\n';
}

describe('snapshot file', () => {
  let dir: string;
  let file: string;
  let clock: ManualClock;
  let registry: WorkerRegistry;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'registry-snapfile-'));
    file = path.join(dir, 'registry.snapshot');
    clock = new ManualClock();
    registry = new WorkerRegistry({ clock, offlineAfterMs: 30_000, evictAfterMs: 300_000 });
    for (let i = 0; i < 2000; i++)
      registry.heartbeat(`w${i}`, `hive-${i % 7}`, { vramBytes: i, gpuPercent: i % 100, url: 'http://10.0.0.1:80' });
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('holds the registry as it was when the save began, while heartbeats, removals and new workers land between chunks', async () => {
    const before = new Map<string, number | null>();
    for (let i = 0; i < 2000; i++) before.set(`w${i}`, i);
    let chunks = 0;
    const reader = registry.openSnapshot();
    const save = writeSnapshot(file, reader, {
      sliceMs: 0,
      beforeWrite: () => {
        // Between chunks: change workers not yet written and ones already written, remove some, add some.
        chunks++;
        const k = chunks * 37;
        registry.heartbeat(`w${k % 2000}`, 'moved', { vramBytes: 999_999 });
        registry.heartbeat(`w${(k * 7) % 2000}`, `hive-0`, { gpuPercent: 1 });
        registry.removeWorker(`w${(k * 13 + 5) % 2000}`);
        registry.heartbeat(`new-${chunks}`, 'hive-new', {});
      },
    });
    await save;
    expect(chunks).to.be.greaterThan(3);
    const saved = await load(file);
    expect(saved).to.have.length(2000);
    expect(new Map(saved.map((w) => [w.worker_id, w.vram_bytes]))).to.deep.equal(before);
    expect(saved.every((w) => w.hive_id.startsWith('hive-') && w.hive_id !== 'hive-new')).to.equal(true);
  });

  it('round-trips every field; the end line has the count and the SHA-256 of the lines before it', async () => {
    registry.heartbeat('full', 'hive-x', {
      state: 'Busy',
      health: 'degraded',
      url: 'http://10.0.0.5:8081',
      modelId: 'llama',
      backend: 'cuda',
      deviceId: 1,
      vramBytes: 8e9,
      vramTotalBytes: 24e9,
      ramBytes: 2e9,
      cpuPercent: 7.5,
      gpuPercent: 12.5,
      reportedAt: '2026-01-01T00:00:00Z',
      reportedAtMs: Date.UTC(2026, 0, 1),
    });
    const result = await writeSnapshot(file, registry.openSnapshot());
    const text = await readFile(file, 'utf8');
    expect(result.bytes).to.equal(Buffer.byteLength(text));
    const lines = text.trimEnd().split('\n');
    const end = JSON.parse(lines.at(-1)!);
    expect(end).to.deep.equal({
      end: true,
      workers: 2001,
      sha256: createHash('sha256')
        .update(lines.slice(0, -1).join('\n') + '\n')
        .digest('hex'),
    });
    const full = (await load(file)).find((w) => w.worker_id === 'full')!;
    expect(full).to.include({
      state: 'Busy',
      health: 'degraded',
      model_id: 'llama',
      vram_bytes: 8e9,
      gpu_percent: 12.5,
      reported_at: '2026-01-01T00:00:00Z',
    });
  });

  it('refuses a flipped byte (the checksum), naming the end line and why', async () => {
    await writeSnapshot(file, registry.openSnapshot());
    const bytes = await readFile(file);
    const at = bytes.indexOf('"vram_bytes":1234');
    bytes[at + 14] = '5'.charCodeAt(0); // 1234 → 1254: still valid JSON and a valid value
    await writeFile(file, bytes);
    expect(await refusal(load(file))).to.match(/ is corrupt at line 2002: checksum mismatch: the file was changed or damaged/);
  });

  it('refuses a version changed to 1 (version 1 has no checksum): the end line still carries one, and it is checked', async () => {
    await writeSnapshot(file, registry.openSnapshot());
    const text = await readFile(file, 'utf8');
    expect(text).to.include('"version":2,');
    await writeFile(file, text.replace('"version":2,', '"version":1,'));
    expect(await refusal(load(file))).to.match(/checksum mismatch/);
  });

  it('refuses values HBEAT refuses, with the line, even under a correct checksum', async () => {
    await writeSnapshot(file, registry.openSnapshot());
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    const edit = (line: number, field: string, value: unknown) => {
      const copy = lines.slice();
      copy[line - 1] = JSON.stringify({ ...JSON.parse(copy[line - 1]!), [field]: value });
      return resealed(copy);
    };
    const cases: Array<[string, unknown, RegExp]> = [
      ['vram_bytes', -5e18, /at line 5: invalid vram_bytes -5000000000000000000: expected a non-negative integer \(bytes\) or null$/],
      ['gpu_percent', -7, /at line 5: invalid gpu_percent -7: expected a number from 0 to 100 or null$/],
      ['state', 'sleeping', /at line 5: invalid state "sleeping"/],
      ['url', 'not a url', /at line 5: invalid url "not a url": expected an absolute URL/],
      ['hive_id', '', /at line 5: invalid hive_id "": expected a non-empty string of at most 256 bytes, not only whitespace$/],
      [
        'worker_id',
        'x'.repeat(257),
        /at line 5: invalid worker_id "x+…: expected a non-empty string of at most 256 bytes, not only whitespace$/,
      ],
      // HBEAT refuses ids and names of only whitespace: a saved record cannot have one.
      ['worker_id', ' ', /at line 5: invalid worker_id " ": expected a non-empty string of at most 256 bytes, not only whitespace$/],
      [
        'hive_id',
        '\u00a0\t',
        /at line 5: invalid hive_id "\u00a0\\t": expected a non-empty string of at most 256 bytes, not only whitespace$/,
      ],
      [
        'model_id',
        '\u2003',
        /at line 5: invalid model_id "\u2003": expected a non-empty string of at most 512 bytes, not only whitespace, or null$/,
      ],
      [
        'backend',
        '  ',
        /at line 5: invalid backend " {2}": expected a non-empty string of at most 64 bytes, not only whitespace, or null$/,
      ],
      ['device_id', 70000, /at line 5: invalid device_id 70000: expected an integer from 0 to 65535 or null$/],
      ['extra', 1, /at line 5: unknown field "extra"$/],
    ];
    for (const [field, value, why] of cases) {
      await writeFile(file, edit(5, field, value));
      expect(await refusal(load(file)), field).to.match(why);
    }
    const dup = lines.slice();
    dup[5] = dup[4]!;
    await writeFile(file, resealed(dup));
    const fresh = new WorkerRegistry({ clock });
    expect(await refusal(readSnapshot(file, (h) => fresh.beginRestore(h)))).to.match(/at line 6: duplicate worker "w3"/);
  });

  it('refuses a file cut short, an empty file and a file that is not a snapshot', async () => {
    await writeSnapshot(file, registry.openSnapshot());
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, text.length - 30));
    expect(await refusal(load(file))).to.match(/truncated/);
    await writeFile(file, text.slice(0, text.indexOf('\n', 5000) + 1));
    expect(await refusal(load(file))).to.match(/truncated \(no end line\)/);
    await writeFile(file, '');
    expect(await refusal(load(file))).to.match(/is empty$/);
    await writeFile(file, 'hello\n{"end":true}\n');
    expect(await refusal(load(file))).to.match(/at line 1: Unexpected token/);
  });

  it('reads version 1 files (no checksum), dropping their online flag', async () => {
    const w = {
      worker_id: 'old',
      hive_id: 'h',
      state: null,
      health: null,
      url: null,
      model_id: null,
      backend: null,
      device_id: null,
      vram_bytes: 5,
      vram_total_bytes: null,
      ram_bytes: null,
      cpu_percent: null,
      gpu_percent: null,
      reported_at: null,
      skew_ms: null,
      last_seen_ms: clock.now(),
      online: true,
    };
    await writeFile(
      file,
      [{ format: 'rbee-registry-snapshot', version: 1, rev: 3, saved_at_ms: clock.now(), workers: 1 }, w, { end: true, workers: 1 }]
        .map((l) => JSON.stringify(l) + '\n')
        .join(''),
    );
    const saved = await load(file);
    expect(saved).to.have.length(1);
    expect(saved[0]).to.not.have.property('online');
    expect(saved[0]).to.include({ worker_id: 'old', vram_bytes: 5 });
  });

  it('a start removes the temp files a crashed save left, and says so', async () => {
    await writeFile(`${file}.tmp-123`, 'half a snapshot');
    await writeFile(`${file}.tmp-other`, 'not ours: kept');
    const lines: string[] = [];
    const server = await startTestServer({ snapshotPath: file, logger: new Logger({ write: (l) => void lines.push(l) }) });
    await server.close();
    expect((await readdir(dir)).sort()).to.deep.equal(['registry.snapshot', 'registry.snapshot.tmp-other']);
    expect(lines.join('')).to.include('Removed registry.snapshot.tmp-123, left by a save that did not finish');
  });

  it('a restore leaves none of its workers in the young generation (its first scavenge would copy them all)', async () => {
    await writeFleetSnapshot(file, 30_000);
    const lines: string[] = [];
    const server = await startTestServer({
      snapshotPath: file,
      saveIntervalMs: 0,
      logger: new Logger({ write: (l) => void lines.push(l) }),
    });
    // Read before anything else runs: what the young generation holds now is what the start left there.
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
    await server.close();
    expect(lines.join('')).to.match(/Snapshot restored from .*: 30000 workers/);
    // 30k workers are ~30 MB of records; without the promotion the young generation keeps several MB of them.
    expect(young).to.be.below(512 * 1024);
  });
});
