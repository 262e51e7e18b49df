// Snapshot files: JSON lines — a header, one line per worker, an end line carrying the count and the SHA-256
// of every byte before it — written and read a chunk at a time (never the whole registry as one string or
// array), atomically (temp file, fsync, rename, fsync of the directory), each record checked as HBEAT checks.

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { getSystemErrorMap } from 'node:util';
import type { SavedWorker, SnapshotReader, WorkerSnapshot } from '../registry/snapshot.js';
import type { GuardState } from '../registry/guard.js';
import { RecordEncoder } from './snapshot-encoder.js';
import { RecordParser } from './snapshot-line.js';
import { checkGuardState, checkRecord, isCount, shown } from './snapshot-record.js';

export { checkGuardState, checkRecord } from './snapshot-record.js';

export const SNAPSHOT_FORMAT = 'rbee-registry-snapshot';
/** 2: the end line has `sha256`. 1 (no checksum) is still read. */
export const SNAPSHOT_VERSION = 2;

export class SnapshotError extends Error {}

export interface SnapshotHeader {
  rev: number;
  savedAtMs: number;
  workers: number;
  /** Extra state saved beside the workers; absent in older files. */
  extra: Record<string, unknown>;
  /** The mass-expiry guard as saved (header key `guard`); absent in older files. */
  guard?: GuardState;
}

/** Where a restore puts the records (the registry's restorer). */
export interface SnapshotSink {
  add(w: WorkerSnapshot): void;
}

export interface WriteOptions {
  /** Longest stretch of serialising before the event loop gets a turn (ms). Default 4. */
  sliceMs?: number;
  /** State saved in the header beside the workers. */
  extra?: Record<string, unknown>;
  /** Bytes of records gathered before a write (default 1 MiB). */
  chunkBytes?: number;
  /** Called before each chunk is written (tests stop the writer at a chosen point). */
  beforeWrite?: (bytesSoFar: number) => void | Promise<void>;
}

export interface WriteResult {
  bytes: number;
  workers: number;
}

/** An I/O error as strerror(3) says it, with its code: `No space left on device (ENOSPC)`. */
function systemMessage(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const text = typeof err.errno === 'number' ? getSystemErrorMap().get(err.errno)?.[1] : undefined;
  if (text === undefined || err.code === undefined) return err.message;
  return `${text.charAt(0).toUpperCase()}${text.slice(1)} (${err.code})`;
}

/** A failed save's reason, in Redis' words for the same failures of its RDB file. */
function saveError(stage: 'open' | 'write' | 'rename', e: unknown, tmp: string, file: string): Error {
  if ((e as NodeJS.ErrnoException).code === undefined) return e as Error;
  const why = systemMessage(e);
  if (stage === 'open') return new Error(`Failed opening the snapshot file ${tmp} for saving: ${why}`);
  if (stage === 'rename') return new Error(`Error moving temp DB file ${tmp} on the final destination ${file}: ${why}`);
  return new Error(`Write error saving DB on disk: ${why}`);
}

/** Temp files are `<file>.tmp-<pid>`: a crashed save leaves one, removed at the next start. */
export function tempFileFor(file: string): string {
  return `${file}.tmp-${process.pid}`;
}

/** Removes temp files a crashed save left beside `file`; returns their names. */
export async function removeLeftoverTempFiles(file: string): Promise<string[]> {
  const dir = path.dirname(path.resolve(file));
  const prefix = `${path.basename(file)}.tmp-`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !/^\d+$/.test(name.slice(prefix.length))) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Writes what `reader` yields; the old file stays intact until the new one is complete and synced. Work is
 * sliced: at most `sliceMs` of serialising, then the event loop gets a turn (clients are served while a big
 * registry is saved; the reader keeps the picture consistent as of its opening).
 */
export async function writeSnapshot(file: string, reader: SnapshotReader, options: WriteOptions = {}): Promise<WriteResult> {
  // 4 ms, not 8: at 1M workers on a loaded machine, 8 ms slices left the side client's worst stall at 48-137 ms
  // over four saves, 4 ms slices at 13-27 ms over three, with no slower save (bench/snapshot.ts measures it).
  const sliceMs = options.sliceMs ?? 4;
  const tmp = tempFileFor(file);
  const { rev, savedAtMs, workers } = reader.header;
  const hash = createHash('sha256');
  let handle: fs.FileHandle | null = null;
  let bytes = 0;
  let written = 0;
  const write = async (buffer: Buffer) => {
    await options.beforeWrite?.(bytes);
    hash.update(buffer);
    bytes += buffer.length;
    // A short write is retried by FileHandle.write's caller contract: loop until all is down.
    for (let at = 0; at < buffer.length;) at += (await handle!.write(buffer, at, buffer.length - at)).bytesWritten;
  };
  let stage: 'open' | 'write' | 'rename' = 'open';
  try {
    handle = await fs.open(tmp, 'w', 0o600);
    stage = 'write';
    const header = { format: SNAPSHOT_FORMAT, version: SNAPSHOT_VERSION, rev, saved_at_ms: savedAtMs, workers, ...options.extra };
    await write(Buffer.from(JSON.stringify(header) + '\n', 'utf8'));
    // Records go straight into one reused buffer (no object, string or Buffer per record or chunk), written
    // out when it holds a chunk or the slice is over: the save makes next to no garbage to collect.
    const encoder = new RecordEncoder(options.chunkBytes ?? 1024 * 1024);
    const encode = (w: SavedWorker) => encoder.worker(w);
    for (let done = false; !done;) {
      const sliceEnd = performance.now() + sliceMs;
      do {
        // The clock is read every 16 records, not 64: the first save of a process runs the encoder unoptimised
        // at first, and 64 records then overran the first 4 ms slice to 9 ms (1M workers, the stall probe).
        const n = reader.readEach(16, encode);
        if (n === 0) {
          done = true;
          break;
        }
        written += n;
      } while (performance.now() < sliceEnd && !encoder.full);
      if (encoder.length > 0) await write(encoder.bytes());
      encoder.reset();
    }
    if (written !== workers) throw new Error(`internal error: the registry yielded ${written} workers, expected ${workers}`);
    const end = Buffer.from(JSON.stringify({ end: true, workers, sha256: hash.digest('hex') }) + '\n');
    for (let at = 0; at < end.length;) at += (await handle.write(end, at, end.length - at)).bytesWritten;
    bytes += end.length;
    await handle.sync();
    await handle.close();
    handle = null;
    stage = 'rename';
    await fs.rename(tmp, file);
  } catch (e) {
    reader.close();
    await handle?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    throw saveError(stage, e, tmp, file);
  }
  try {
    // Not fsyncSync: on a busy disk it would hold every client for as long as the disk takes.
    const dir = await fs.open(path.dirname(path.resolve(file)), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Some filesystems refuse to fsync a directory; the rename is still atomic.
  }
  return { bytes, workers };
}

// ── reading ─────────────────────────────────────────────────────────────────────────────────────────────

const READ_CHUNK = 1024 * 1024;

/**
 * Calls `onBody` with each run of complete lines before the last line, and returns the last line (the end
 * line of a good file). Reads in chunks; never holds more than a chunk and a line.
 */
async function streamLines(handle: fs.FileHandle, onBody: (body: Buffer) => void): Promise<{ last: Buffer; bytes: number }> {
  let carry = Buffer.alloc(0);
  let bytes = 0;
  for (;;) {
    // The part line left over goes first, then the next chunk is read in after it: no concatenating copy.
    const buf = Buffer.allocUnsafe(carry.length + READ_CHUNK);
    carry.copy(buf);
    const { bytesRead } = await handle.read(buf, carry.length, READ_CHUNK, bytes);
    if (bytesRead === 0) break;
    bytes += bytesRead;
    const filled = buf.subarray(0, carry.length + bytesRead);
    const lastNewline = filled.lastIndexOf(10);
    if (lastNewline < 0) {
      carry = filled;
      continue;
    }
    // Hold back the newest complete line: it may be the end line, which is not part of the checksum.
    const cut = lastNewline === 0 ? -1 : filled.lastIndexOf(10, lastNewline - 1);
    if (cut >= 0) onBody(filled.subarray(0, cut + 1));
    carry = filled.subarray(cut + 1);
  }
  return { last: carry, bytes };
}

/** 1-based number, within `body`, of its first line that is not valid UTF-8. */
function firstNonUtf8Line(body: Buffer): number {
  let n = 1;
  for (let from = 0; from < body.length; n++) {
    const nl = body.indexOf(10, from);
    const end = nl < 0 ? body.length : nl;
    if (!isUtf8(body.subarray(from, end))) return n;
    from = end + 1;
  }
  return n;
}

function parseObject(text: string, fail: (why: string) => never): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    fail((e as Error).message);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('not a JSON object');
  return v as Record<string, unknown>;
}

/**
 * Reads a snapshot into what `begin` returns, a chunk at a time. First a pass over the bytes checks the
 * checksum, so a damaged or edited file is refused before anything is loaded; then the records are parsed,
 * checked and handed over one by one. Returns null when the file does not exist; throws SnapshotError (with
 * the line and the reason) when it is unusable — a record refused in the second pass may leave part of the
 * file loaded, which the caller must discard.
 */
export async function readSnapshot(file: string, begin: (header: SnapshotHeader) => SnapshotSink): Promise<SnapshotHeader | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SnapshotError(`cannot read snapshot ${file}: ${(e as Error).message}`);
  }
  const fail = (line: number | string, why: string): never => {
    throw new SnapshotError(`snapshot ${file} is corrupt at line ${line}: ${why}`);
  };
  try {
    // Pass 1: the bytes, the line count and the checksum.
    const hash = createHash('sha256');
    let lines = 0;
    let firstLine: Buffer | null = null;
    const scan = await streamLines(handle, (body) => {
      hash.update(body);
      if (firstLine === null) firstLine = Buffer.from(body.subarray(0, body.indexOf(10)));
      for (let i = body.indexOf(10); i >= 0; i = body.indexOf(10, i + 1)) lines++;
    });
    if (scan.bytes === 0) throw new SnapshotError(`snapshot ${file} is empty`);
    const endLineNo = lines + 1;
    const endText = scan.last.toString('utf8');
    if (!endText.endsWith('\n')) fail(endLineNo, 'the file is truncated (its last line is cut short)');
    const headerText = (firstLine ?? scan.last).toString('utf8');
    const header = parseObject(headerText, (why) => fail(1, why));
    if (header.format !== SNAPSHOT_FORMAT) fail(1, `not a registry snapshot (format ${shown(header.format)})`);
    if (header.version !== 1 && header.version !== SNAPSHOT_VERSION) fail(1, `unsupported version ${shown(header.version)}`);
    if (!isCount(header.rev)) fail(1, `invalid rev ${shown(header.rev)}`);
    if (!isCount(header.workers)) fail(1, `invalid worker count ${shown(header.workers)}`);
    if (header.saved_at_ms !== undefined && !isCount(header.saved_at_ms)) fail(1, `invalid saved_at_ms ${shown(header.saved_at_ms)}`);
    if (lines === 0) fail(1, 'the file is truncated (a header and no end line)');
    const end = parseObject(endText, (why) => fail(endLineNo, `the file is truncated (no end line): ${why}`));
    if (end.end !== true) fail(endLineNo, 'the file is truncated (no end line)');
    const expected = header.workers as number;
    if (end.workers !== expected || lines - 1 !== expected) fail(endLineNo, `expected ${expected} workers, found ${lines - 1}`);
    // Version 1 files come from before the checksum and have none. An end line that carries one is checked
    // whatever the header says: otherwise one changed digit in the version would turn a checked file into one
    // that is taken unchecked.
    if (header.version === SNAPSHOT_VERSION || end.sha256 !== undefined) {
      const sum = hash.digest('hex');
      if (typeof end.sha256 !== 'string') fail(endLineNo, 'no sha256 in the end line');
      if (end.sha256 !== sum)
        fail(
          endLineNo,
          `checksum mismatch: the file was changed or damaged (sha256 of lines 1-${lines} is ${sum}, the end line says ${shown(end.sha256)})`,
        );
    }
    const { format: _f, version: _v, rev, saved_at_ms, workers, ...extra } = header;
    const result: SnapshotHeader = {
      rev: rev as number,
      savedAtMs: (saved_at_ms as number | undefined) ?? 0,
      workers: workers as number,
      extra,
    };
    if (extra.guard !== undefined) {
      const guard = checkGuardState(extra.guard);
      if (typeof guard === 'string') fail(1, guard);
      result.guard = guard as GuardState;
    }

    // Pass 2: the records. Lines in the writer's own layout are read from the bytes (RecordParser); any other
    // line, and any record that parser does not take, goes through JSON.parse and checkRecord, which say why.
    const sink = begin(result);
    const parser = new RecordParser();
    let lineNo = 0;
    await streamLines(handle, (body) => {
      // Bytes that are not UTF-8 would decode to U+FFFD: two saved ids could come back as one worker.
      if (!isUtf8(body)) fail(lineNo + firstNonUtf8Line(body), 'not valid UTF-8');
      for (let from = 0; from < body.length;) {
        lineNo++;
        let w: WorkerSnapshot | string | null = lineNo === 1 ? null : parser.read(body, from);
        if (w !== null) from = parser.next;
        else {
          const nl = body.indexOf(10, from);
          if (lineNo > 1) {
            w = checkRecord(parseObject(body.toString('utf8', from, nl), (why) => fail(lineNo, why)));
            if (typeof w === 'string') fail(lineNo, w);
          }
          from = nl + 1;
          if (w === null) continue;
        }
        try {
          sink.add(w as WorkerSnapshot);
        } catch (e) {
          fail(lineNo, (e as Error).message);
        }
      }
    });
    return result;
  } finally {
    await handle.close().catch(() => {});
  }
}
