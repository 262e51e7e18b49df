// Snapshot files: the registry written atomically (temp file, fsync, rename, fsync of the directory) as JSON
// lines — a header, one line per worker, an end line with the count — so a torn or edited file is caught.

import { promises as fs, openSync, closeSync, fsyncSync } from 'node:fs';
import path from 'node:path';
import type { SnapshotReader, WorkerSnapshot } from '../registry/snapshot.js';

export const SNAPSHOT_FORMAT = 'rbee-registry-snapshot';
export const SNAPSHOT_VERSION = 1;

export interface SnapshotData {
  rev: number;
  savedAtMs: number;
  workers: WorkerSnapshot[];
}

export class SnapshotError extends Error {}

/** Writes the snapshot; the old file stays intact until the new one is complete and synced. */
export async function writeSnapshot(file: string, reader: SnapshotReader): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const { rev, savedAtMs, workers } = reader.header;
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(tmp, 'w', 0o600);
    await handle.write(JSON.stringify({ format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, rev, saved_at_ms: savedAtMs, workers }) + '\n');
    for (let chunk = reader.read(5000); chunk.length > 0; chunk = reader.read(5000)) {
      let text = '';
      for (const w of chunk) text += JSON.stringify(w) + '\n';
      await handle.write(text);
    }
    await handle.write(JSON.stringify({ end: true, workers }) + '\n');
    await handle.sync();
  } catch (e) {
    reader.close();
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  await fs.rename(tmp, file);
  try {
    const dir = openSync(path.dirname(path.resolve(file)), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Some filesystems refuse to fsync a directory; the rename is still atomic.
  }
}

const NULLABLE_STRING = (v: unknown) => v === null || typeof v === 'string';
const NULLABLE_NUMBER = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

const FIELD_CHECKS: Record<keyof WorkerSnapshot, (v: unknown) => boolean> = {
  worker_id: (v) => typeof v === 'string' && v.length > 0,
  hive_id: (v) => typeof v === 'string' && v.length > 0,
  state: (v) => v === null || v === 'Idle' || v === 'Busy' || v === 'Loading',
  health: (v) => v === null || v === 'healthy' || v === 'degraded',
  url: NULLABLE_STRING,
  model_id: NULLABLE_STRING,
  backend: NULLABLE_STRING,
  device_id: NULLABLE_NUMBER,
  vram_bytes: NULLABLE_NUMBER,
  vram_total_bytes: NULLABLE_NUMBER,
  ram_bytes: NULLABLE_NUMBER,
  cpu_percent: NULLABLE_NUMBER,
  gpu_percent: NULLABLE_NUMBER,
  reported_at: NULLABLE_STRING,
  skew_ms: NULLABLE_NUMBER,
  last_seen_ms: (v) => typeof v === 'number' && Number.isFinite(v),
};

/** Reads a snapshot. Returns null when the file does not exist; throws SnapshotError when it is unusable. */
export async function readSnapshot(file: string): Promise<SnapshotData | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SnapshotError(`cannot read snapshot ${file}: ${(e as Error).message}`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const fail = (line: number, why: string): never => {
    throw new SnapshotError(`snapshot ${file} is corrupt at line ${line}: ${why}`);
  };
  const parse = (i: number): Record<string, unknown> => {
    try {
      const v: unknown = JSON.parse(lines[i]!);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(i + 1, 'not a JSON object');
      return v as Record<string, unknown>;
    } catch (e) {
      if (e instanceof SnapshotError) throw e;
      return fail(i + 1, (e as Error).message);
    }
  };
  if (lines.length === 0) throw new SnapshotError(`snapshot ${file} is empty`);
  const header = parse(0);
  if (header.format !== SNAPSHOT_FORMAT) fail(1, `not a registry snapshot (format ${JSON.stringify(header.format)})`);
  if (header.version !== SNAPSHOT_VERSION) fail(1, `unsupported version ${JSON.stringify(header.version)}`);
  if (!Number.isSafeInteger(header.rev) || (header.rev as number) < 0) fail(1, 'bad rev');
  if (!Number.isSafeInteger(header.workers)) fail(1, 'bad worker count');
  if (lines.length < 2) fail(1, 'the file is truncated (a header and no end line)');
  const end = parse(lines.length - 1);
  if (end.end !== true) fail(lines.length, 'the file is truncated (no end line)');
  const expected = header.workers as number;
  if (lines.length - 2 !== expected || end.workers !== expected) fail(lines.length, `expected ${expected} workers, found ${lines.length - 2}`);
  const workers: WorkerSnapshot[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length - 1; i++) {
    const w = parse(i);
    for (const [field, ok] of Object.entries(FIELD_CHECKS)) if (!ok(w[field])) fail(i + 1, `bad ${field} ${JSON.stringify(w[field])}`);
    if (seen.has(w.worker_id as string)) fail(i + 1, `duplicate worker ${JSON.stringify(w.worker_id)}`);
    seen.add(w.worker_id as string);
    workers.push(w as unknown as WorkerSnapshot);
  }
  return { rev: header.rev as number, savedAtMs: (header.saved_at_ms as number) ?? 0, workers };
}
