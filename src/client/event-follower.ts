// EventFollower: the registry's event feed as an async iterator. It reads with EVENTS.READ BLOCK from a
// revision; when the log no longer holds that revision (COMPACTED) it reads the full state and the revision it
// is current at in one MULTI, yields that as a `resync` item, and goes on from there.

import { once } from 'node:events';
import { Redis } from 'ioredis';
import { CompactedError, RegistryReplyError, typedError } from './errors.js';
import type { RegistryEvent } from './records.js';
import { RegistryClient, type ConnectionOptions, type FullState } from './registry-client.js';

export type FollowerItem =
  | { kind: 'event'; event: RegistryEvent }
  /** The full state at `state.rev`; the events that follow are those after it. */
  | { kind: 'resync'; reason: 'start' | 'compacted'; state: FullState };

export interface EventFollowerOptions extends ConnectionOptions {
  /** Yield the events after this revision. Absent: start with a `resync` item (the full state) and follow it. */
  since?: number;
  /** Events per read (default 1000). */
  count?: number;
  /** How long one EVENTS.READ waits for news (ms, default 5000); the loop then simply reads again. */
  blockMs?: number;
}

export class EventFollower implements AsyncIterable<FollowerItem> {
  readonly client: RegistryClient;
  private rev: number | null;
  private readonly count: number;
  private readonly blockMs: number;
  private closed = false;

  constructor(options: EventFollowerOptions = {}) {
    const { since, count, blockMs, ...connection } = options;
    this.rev = since ?? null;
    this.count = count ?? 1000;
    this.blockMs = blockMs ?? 5000;
    // A blocked read must wait for the link rather than fail at once while reconnecting.
    this.client = new RegistryClient(new Redis({ maxRetriesPerRequest: null, ...connection }));
  }

  /** The revision of the last item yielded (null before the first). */
  get revision(): number | null {
    return this.rev;
  }

  /** Ends the iteration and closes the connection (a `for await` that breaks does this too). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const redis = this.client.redis;
    const open = redis.status === 'connecting' || redis.status === 'connect' || redis.status === 'ready';
    const ended = open ? once(redis, 'end') : null;
    redis.disconnect();
    if (ended !== null) await ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<FollowerItem> {
    try {
      if (this.rev === null) {
        const state = await this.client.fullState();
        this.rev = state.rev;
        yield { kind: 'resync', reason: 'start', state };
      }
      while (!this.closed) {
        let events: RegistryEvent[];
        try {
          events = await this.client.eventsRead(this.rev, { count: this.count, blockMs: this.blockMs });
        } catch (e) {
          if (this.closed) return;
          if (e instanceof CompactedError) {
            const state = await this.client.fullState();
            this.rev = state.rev;
            yield { kind: 'resync', reason: 'compacted', state };
            continue;
          }
          const err = typedError(e, 'EVENTS.READ');
          if (err instanceof RegistryReplyError || this.client.redis.status === 'end') throw err;
          // The link dropped mid-read: ioredis is reconnecting, and the next read resumes from the same revision.
          continue;
        }
        for (const event of events) {
          this.rev = event.rev;
          yield { kind: 'event', event };
        }
      }
    } finally {
      await this.close();
    }
  }
}
