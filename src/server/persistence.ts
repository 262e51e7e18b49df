// Saving and restoring the registry as Redis does with its RDB file: SAVE, BGSAVE (one at a time), periodic
// saves, LASTSAVE and INFO persistence figures, the restore at start and the clean-up of a crashed save.

import { constants } from 'node:fs';
import { access, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Log, SaveControl } from '../commands/context.js';
import type { WorkerRegistry } from '../registry/registry.js';
import { promoteYoungGeneration } from './memory.js';
import { readSnapshot, removeLeftoverTempFiles, SnapshotError, writeSnapshot, type WriteOptions } from './snapshot.js';

export type SaveKind = 'save' | 'bgsave' | 'periodic' | 'shutdown';

/** Redis' error when a background save runs (SAVE, BGSAVE). */
export const BGSAVE_IN_PROGRESS = 'Background save already in progress';

export interface PersistenceOptions {
  file: string | null;
  saveIntervalMs: number;
  ignoreBadSnapshot: boolean;
  log: Log;
  /** The registry now (a bad file with --ignore-bad-snapshot swaps in an empty one). */
  registry: () => WorkerRegistry;
  /** Makes an empty registry to replace one a bad file left half loaded. */
  resetRegistry: () => void;
  /** For tests: passed to the writer. */
  writeOptions?: WriteOptions;
}

interface Running {
  kind: SaveKind;
  startedAtMs: number;
  done: Promise<void>;
  /** Records written so far and in all (INFO current_save_keys_processed/total). */
  total: number;
}

export class Persistence implements SaveControl {
  readonly file: string | null;
  /** Epoch ms of the last good save; at start, the start (as Redis: "at startup we consider the DB saved"). */
  lastSaveMs = Date.now();
  /** Epoch ms of the last good save; 0 before any (for /metrics). */
  lastWrittenMs = 0;
  private lastStatusOk = true;
  private lastDurationMs = -1;
  private lastBytes = 0;
  private saves = 0;
  private loadedWorkers = 0;
  private running: Running | null = null;
  /** A SAVE under way: a second SAVE waits for it and then writes again. */
  private foregroundSave: Promise<void> | null = null;
  private bgsaveScheduled = false;
  private changesAtLastSave = 0;
  private changesAtCut = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly o: PersistenceOptions) {
    this.file = o.file;
  }

  private get log(): Log {
    return this.o.log;
  }

  /** Heartbeats and events so far: what rdb_changes_since_last_save counts from. */
  private changes(): number {
    const r = this.o.registry();
    return r.heartbeatCount + r.events.lastRev;
  }

  /**
   * At start: refuses a snapshot directory it could never write, removes temp files a crashed save left, and
   * restores the file. A bad file throws SnapshotError, unless --ignore-bad-snapshot (then it is moved aside).
   */
  async restore(): Promise<void> {
    const file = this.file;
    if (file === null) return;
    try {
      await access(path.dirname(path.resolve(file)), constants.W_OK);
    } catch (e) {
      throw new SnapshotError(`cannot write snapshots next to ${file}: ${(e as Error).message}`);
    }
    for (const name of await removeLeftoverTempFiles(file)) this.log.notice(`Removed ${name}, left by a save that did not finish`);
    const started = performance.now();
    try {
      let restorer: ReturnType<WorkerRegistry['beginRestore']> | null = null;
      const header = await readSnapshot(file, (h) => (restorer = this.o.registry().beginRestore(h)));
      if (header === null || restorer === null) {
        this.log.notice(`No snapshot at ${file} yet: starting empty`);
        return;
      }
      const report = (restorer as ReturnType<WorkerRegistry['beginRestore']>).finish();
      promoteYoungGeneration();
      if (report.clockAheadMs > 0) {
        this.log.warning(`The snapshot was saved ${report.clockAheadMs} ms ahead of this clock; its times were moved back by that much`);
      }
      this.loadedWorkers = report.workers;
      const evicted = report.evicted > 0 ? ` (${report.evicted} more were past their eviction time and were not loaded)` : '';
      const guard = this.o.registry().guardStatus();
      if (guard.active) {
        this.log.warning(
          `Expiry guard holds evictions since ${new Date(guard.sinceMs).toISOString()} (${guard.mode}, as saved): ` +
            `${report.held} workers past their eviction time kept; ${report.online} of ${guard.baseline} online`,
        );
      } else if (report.held > 0) {
        this.log.notice(
          `${report.held} workers past their eviction time kept until the guard's grace ends at ${new Date(guard.evictionsResumeAtMs).toISOString()}`,
        );
      }
      this.log.notice(
        `Snapshot restored from ${file}: ${report.workers} workers (${report.online} online), ${report.hives} hives, revision ${header.rev}, ` +
          `${Math.round(performance.now() - started)} ms${evicted}`,
      );
    } catch (e) {
      if (!(e instanceof SnapshotError) || !this.o.ignoreBadSnapshot) throw e;
      this.o.resetRegistry();
      // Keep the bad file for inspection: the next save would overwrite it.
      const aside = `${file}.corrupt-${Date.now()}`;
      await rename(file, aside).catch(() => {});
      this.log.warning(`${e.message}; moved it to ${aside} and starting empty (--ignore-bad-snapshot)`);
    }
    this.changesAtLastSave = this.changes();
  }

  /** Starts the periodic saves (skipped while another save runs). */
  startTimer(): void {
    if (this.file === null || this.o.saveIntervalMs === 0) return;
    this.timer = setInterval(() => {
      if (this.running === null) this.run('periodic').catch(() => {});
    }, this.o.saveIntervalMs);
    this.timer.unref();
  }

  stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  get inProgress(): boolean {
    return this.running !== null;
  }

  /** The save under way (if any) has finished, well or not. */
  async settled(): Promise<void> {
    while (this.running !== null) await this.running.done.catch(() => {});
  }

  /** SAVE: refused while a background save runs (as Redis); a SAVE under way is waited for, then written again. */
  save(): Promise<void> {
    if (this.file === null) return Promise.reject(new Error('no snapshot file is configured'));
    if (this.running !== null && this.running.kind !== 'save') return Promise.reject(new Error(BGSAVE_IN_PROGRESS));
    if (this.foregroundSave !== null) return this.foregroundSave.catch(() => {}).then(() => this.save());
    const done = this.run('save').finally(() => {
      if (this.foregroundSave === done) this.foregroundSave = null;
    });
    this.foregroundSave = done;
    return done;
  }

  /** BGSAVE [SCHEDULE]: starts a save and returns at once. */
  bgsave(schedule: boolean): 'started' | 'scheduled' {
    if (this.file === null) throw new Error('no snapshot file is configured');
    if (this.running !== null) {
      if (!schedule || this.running.kind === 'bgsave') throw new Error(BGSAVE_IN_PROGRESS);
      this.bgsaveScheduled = true;
      return 'scheduled';
    }
    this.run('bgsave').catch(() => {});
    return 'started';
  }

  /** The final save before exiting (waits for a save under way first, so what it writes is the newest). */
  async saveForShutdown(): Promise<void> {
    await this.settled();
    await this.run('shutdown');
  }

  /** Writes the snapshot as of now; the work is sliced, so other clients are served meanwhile. */
  run(kind: SaveKind): Promise<void> {
    const file = this.file;
    if (file === null) return Promise.reject(new Error('no snapshot file is configured'));
    if (this.running !== null) return Promise.reject(new Error(BGSAVE_IN_PROGRESS));
    const started = performance.now();
    const reader = this.o.registry().openSnapshot();
    this.changesAtCut = this.changes();
    const { workers, rev } = reader.header;
    const running: Running = { kind, startedAtMs: Date.now(), total: workers, done: Promise.resolve() };
    // The guard's state goes in the header: a restart must not evict what it holds.
    running.done = writeSnapshot(file, reader, { ...this.o.writeOptions, extra: { guard: reader.header.guard } }).then(
      (result) => {
        const ms = Math.round(performance.now() - started);
        this.lastSaveMs = this.lastWrittenMs = Date.now();
        this.lastStatusOk = true;
        this.lastDurationMs = ms;
        this.lastBytes = result.bytes;
        this.saves++;
        this.changesAtLastSave = this.changesAtCut;
        this.log.notice(`Snapshot saved (${kind}): ${workers} workers, revision ${rev}, ${result.bytes} bytes, ${ms} ms`);
      },
      (e) => {
        const ms = Math.round(performance.now() - started);
        this.lastStatusOk = false;
        this.lastDurationMs = ms;
        this.log.warning(`Snapshot save (${kind}) failed after ${ms} ms: ${(e as Error).message}`);
        throw e;
      },
    );
    this.running = running;
    const finished = () => {
      if (this.running === running) this.running = null;
      if (this.bgsaveScheduled) {
        this.bgsaveScheduled = false;
        this.run('bgsave').catch(() => {});
      }
    };
    running.done.then(finished, finished);
    return running.done;
  }

  /** LASTSAVE: unix seconds of the last good save. */
  lastSaveUnixSeconds(): number {
    return Math.floor(this.lastSaveMs / 1000);
  }

  /** INFO persistence. */
  infoLines(): Array<[string, string | number]> {
    const r = this.running;
    return [
      ['loading', 0],
      ['async_loading', 0],
      ['current_save_keys_total', r?.total ?? 0],
      ['rdb_changes_since_last_save', Math.max(0, this.changes() - this.changesAtLastSave)],
      ['rdb_bgsave_in_progress', r !== null && r.kind !== 'save' && r.kind !== 'shutdown' ? 1 : 0],
      ['rdb_last_save_time', this.lastSaveUnixSeconds()],
      // As Redis, the status of the last save of any kind (SAVE sets it too).
      ['rdb_last_bgsave_status', this.lastStatusOk ? 'ok' : 'err'],
      ['rdb_last_bgsave_time_sec', this.lastDurationMs < 0 ? -1 : Math.round(this.lastDurationMs / 1000)],
      ['rdb_current_bgsave_time_sec', r === null ? -1 : Math.floor((Date.now() - r.startedAtMs) / 1000)],
      ['rdb_saves', this.saves],
      ['rdb_last_save_bytes', this.lastBytes],
      ['rdb_last_load_keys_loaded', this.loadedWorkers],
      ['aof_enabled', 0],
      ['snapshot_file', this.file ?? ''],
    ];
  }
}
