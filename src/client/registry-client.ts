// RegistryClient: one typed method per registry command, on an ioredis connection. Replies are decoded to the
// same objects whatever the protocol (RESP2 or RESP3, either ioredis reply mapping), and error replies become
// typed exceptions carrying Redis' code.

import { Redis, type RedisOptions } from 'ioredis';
import { typedError } from './errors.js';
import {
  str,
  type BestWorker,
  type ClaimedWorker,
  decodeBest,
  decodeClaim,
  decodeEvents,
  decodeEventsRev,
  decodeHive,
  decodeHiveResources,
  decodeStrings,
  decodeWorker,
  type EventsRev,
  HBEAT_OPTION,
  type HiveRecord,
  type HiveResources,
  type RegistryEvent,
  type WorkerFields,
  type WorkerRecord,
  type WorkerState,
} from './records.js';

/** How to reach the registry: ioredis' options (host, port, username, password, tls, protocol…). */
export type ConnectionOptions = RedisOptions;

export interface BestWorkerOptions {
  backend?: string;
  /** Only workers whose GPU has at least this many bytes free. */
  minFreeBytes?: number;
  /** Only workers with the model loaded: no fallback to another idle worker. */
  strict?: boolean;
}

export interface ClaimOptions extends BestWorkerOptions {
  /** How long the reservation lasts (ms); the server's offline window when absent. */
  leaseMs?: number;
}

export interface WorkerListFilter {
  hiveId?: string;
  state?: WorkerState;
  modelId?: string;
  backend?: string;
  maxAgeMs?: number;
}

export interface EventsReadOptions {
  count?: number;
  /** Wait up to this long (ms) for the first new event; 0 waits forever. */
  blockMs?: number;
}

/** A consistent view: every worker and hive id as of revision `rev` (read in one MULTI). */
export interface FullState {
  rev: number;
  workers: WorkerRecord[];
  hiveIds: string[];
}

/** The HBEAT arguments after the two ids: `NAME value` pairs, then `UNSET names…` for the fields set to null. */
export function heartbeatArgs(fields: WorkerFields): string[] {
  const args: string[] = [];
  const unset: string[] = [];
  for (const [key, option] of HBEAT_OPTION) {
    const value = fields[key];
    if (value === undefined) continue;
    if (value === null) unset.push(option);
    else args.push(option, String(value));
  }
  if (unset.length > 0) args.push('UNSET', ...unset);
  return args;
}

function isRedis(x: unknown): x is Redis {
  return (
    x instanceof Redis ||
    (typeof x === 'object' && x !== null && typeof (x as Redis).call === 'function' && typeof (x as Redis).multi === 'function')
  );
}

export class RegistryClient {
  /** The ioredis connection the commands go through. */
  readonly redis: Redis;
  private readonly owned: boolean;

  /** With options, the client opens (and owns) its connection; with an ioredis instance, it uses that one. */
  constructor(connection: ConnectionOptions | Redis = {}) {
    if (isRedis(connection)) {
      this.redis = connection;
      this.owned = false;
    } else {
      this.redis = new Redis(connection);
      this.owned = true;
    }
  }

  /** Sends one command; an error reply is thrown as a RegistryReplyError subclass. */
  async command(name: string, ...args: Array<string | number>): Promise<unknown> {
    try {
      return await this.redis.call(name, ...args.map(String));
    } catch (e) {
      throw typedError(e, name);
    }
  }

  /** Closes the connection if this client opened it. */
  async close(): Promise<void> {
    if (!this.owned) return;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  /** HBEAT: true when the beat registered the worker (the registry did not know it: send the full state). */
  async hbeat(workerId: string, hiveId: string, fields: WorkerFields = {}): Promise<boolean> {
    return Number(await this.command('HBEAT', workerId, hiveId, ...heartbeatArgs(fields))) === 1;
  }

  async workerGet(workerId: string): Promise<WorkerRecord | null> {
    const reply = await this.command('WORKER.GET', workerId);
    return reply === null ? null : decodeWorker(reply);
  }

  async workerBest(modelId: string, options: BestWorkerOptions = {}): Promise<BestWorker | null> {
    const reply = await this.command('WORKER.BEST', modelId, ...selectionArgs(options));
    return reply === null ? null : decodeBest(reply);
  }

  /** WORKER.CLAIM: picks the worker WORKER.BEST would and reserves it; null when none qualifies. */
  async workerClaim(modelId: string, options: ClaimOptions = {}): Promise<ClaimedWorker | null> {
    const args = selectionArgs(options);
    if (options.leaseMs !== undefined) args.push('LEASE', String(options.leaseMs));
    const reply = await this.command('WORKER.CLAIM', modelId, ...args);
    return reply === null ? null : decodeClaim(reply);
  }

  /** WORKER.RELEASE: true when the token held the worker's reservation and it is now released. */
  async workerRelease(workerId: string, token: string): Promise<boolean> {
    return Number(await this.command('WORKER.RELEASE', workerId, token)) === 1;
  }

  async workerDel(workerId: string): Promise<boolean> {
    return Number(await this.command('WORKER.DEL', workerId)) === 1;
  }

  async workerUrl(workerId: string): Promise<string | null> {
    const reply = await this.command('WORKER.URL', workerId);
    return str(reply);
  }

  async workerList(filter: WorkerListFilter = {}): Promise<WorkerRecord[]> {
    const reply = await this.command('WORKER.LIST', ...listArgs(filter));
    return (reply as unknown[]).map(decodeWorker);
  }

  /** One page of WORKER.LIST ... CURSOR c COUNT n: the next cursor ('0' when the walk is done) and its workers. */
  async workerListPage(
    cursor: string,
    count?: number,
    filter: WorkerListFilter = {},
  ): Promise<{ cursor: string; workers: WorkerRecord[] }> {
    const [next, items] = (await this.command('WORKER.LIST', ...listArgs(filter), ...pageArgs(cursor, count))) as [unknown, unknown[]];
    return { cursor: String(next), workers: items.map(decodeWorker) };
  }

  /** Every worker matching the filter, page by page (SCAN's guarantee: present for the whole walk -> once). */
  async *workers(filter: WorkerListFilter = {}, count?: number): AsyncGenerator<WorkerRecord> {
    let cursor = '0';
    do {
      const page = await this.workerListPage(cursor, count, filter);
      yield* page.workers;
      cursor = page.cursor;
    } while (cursor !== '0');
  }

  async workerCount(): Promise<number> {
    return Number(await this.command('WORKER.COUNT'));
  }

  async hiveRes(hiveId: string): Promise<HiveResources | null> {
    const reply = await this.command('HIVE.RES', hiveId);
    return reply === null ? null : decodeHiveResources(reply);
  }

  async hiveGet(hiveId: string): Promise<HiveRecord | null> {
    const reply = await this.command('HIVE.GET', hiveId);
    return reply === null ? null : decodeHive(reply);
  }

  async hiveList(): Promise<string[]> {
    return decodeStrings(await this.command('HIVE.LIST'));
  }

  /** One page of HIVE.LIST CURSOR c COUNT n. */
  async hiveListPage(cursor: string, count?: number): Promise<{ cursor: string; hives: string[] }> {
    const [next, items] = (await this.command('HIVE.LIST', ...pageArgs(cursor, count))) as [unknown, unknown];
    return { cursor: String(next), hives: decodeStrings(items) };
  }

  /** Every hive id, page by page. */
  async *hives(count?: number): AsyncGenerator<string> {
    let cursor = '0';
    do {
      const page = await this.hiveListPage(cursor, count);
      yield* page.hives;
      cursor = page.cursor;
    } while (cursor !== '0');
  }

  async hiveActive(maxAgeMs?: number): Promise<string[]> {
    return decodeStrings(await this.command('HIVE.ACTIVE', ...(maxAgeMs === undefined ? [] : [maxAgeMs])));
  }

  async hiveOnline(hiveId: string, maxAgeMs?: number): Promise<boolean> {
    return Number(await this.command('HIVE.ONLINE', hiveId, ...(maxAgeMs === undefined ? [] : [maxAgeMs]))) === 1;
  }

  async hiveWorkers(hiveId: string): Promise<WorkerRecord[]> {
    return ((await this.command('HIVE.WORKERS', hiveId)) as unknown[]).map(decodeWorker);
  }

  async hiveCount(): Promise<number> {
    return Number(await this.command('HIVE.COUNT'));
  }

  async hiveDel(hiveId: string): Promise<boolean> {
    return Number(await this.command('HIVE.DEL', hiveId)) === 1;
  }

  /** EVENTS.READ: events after `since`, oldest first. Throws CompactedError when the log no longer holds it. */
  async eventsRead(since: number, options: EventsReadOptions = {}): Promise<RegistryEvent[]> {
    const args: Array<string | number> = ['SINCE', since];
    if (options.count !== undefined) args.push('COUNT', options.count);
    if (options.blockMs !== undefined) args.push('BLOCK', options.blockMs);
    return decodeEvents(await this.command('EVENTS.READ', ...args));
  }

  async eventsRev(): Promise<EventsRev> {
    return decodeEventsRev(await this.command('EVENTS.REV'));
  }

  /** Every worker and hive id together with the revision they are current at, read in one MULTI. */
  async fullState(): Promise<FullState> {
    let results: Array<[Error | null, unknown]> | null;
    try {
      results = await this.redis.multi().call('WORKER.LIST').call('HIVE.LIST').call('EVENTS.REV').exec();
    } catch (e) {
      throw typedError(e, 'EXEC');
    }
    if (results === null) throw new Error('the full-state transaction was aborted');
    const names = ['WORKER.LIST', 'HIVE.LIST', 'EVENTS.REV'];
    results.forEach(([err], i) => {
      if (err) throw typedError(err, names[i]!);
    });
    return {
      workers: (results[0]![1] as unknown[]).map(decodeWorker),
      hiveIds: decodeStrings(results[1]![1]),
      rev: decodeEventsRev(results[2]![1]).rev,
    };
  }

  /** A server setting (CONFIG GET name), or null when the server has no such setting. */
  async configGet(name: string): Promise<string | null> {
    const reply = await this.command('CONFIG', 'GET', name);
    if (Array.isArray(reply)) return reply.length >= 2 ? String(reply[1]) : null;
    const map = reply as Record<string, unknown>;
    return str(map[name]);
  }
}

function selectionArgs(options: BestWorkerOptions): string[] {
  const args: string[] = [];
  if (options.backend !== undefined) args.push('BACKEND', options.backend);
  if (options.minFreeBytes !== undefined) args.push('MINFREE', String(options.minFreeBytes));
  if (options.strict) args.push('STRICT');
  return args;
}

function pageArgs(cursor: string, count: number | undefined): string[] {
  return count === undefined ? ['CURSOR', cursor] : ['CURSOR', cursor, 'COUNT', String(count)];
}

function listArgs(filter: WorkerListFilter): string[] {
  const args: string[] = [];
  if (filter.hiveId !== undefined) args.push('HIVE', filter.hiveId);
  if (filter.state !== undefined) args.push('STATE', filter.state);
  if (filter.modelId !== undefined) args.push('MODEL', filter.modelId);
  if (filter.backend !== undefined) args.push('BACKEND', filter.backend);
  if (filter.maxAgeMs !== undefined) args.push('MAXAGE', String(filter.maxAgeMs));
  return args;
}
