// /events: the registry's event feed as Server-Sent Events. Each event's `id:` is its revision, so a browser's
// EventSource that reconnects sends `Last-Event-ID` and resumes from the event log (EVENTS.READ's); when the log
// no longer holds that range, an `event: compacted` tells the page to reload in full.
//
// Streams pull from the log rather than each holding a queue: a stream that keeps up gets the events of one
// tick as one shared string; one whose socket is full is only a revision until it drains, and then reads on from
// the log in chunks. A slow page thus costs the server no more than a socket's buffer, and never delays others.
// Like a pub/sub client, a stream over the pubsub class of client-output-buffer-limit (hard, or soft for its
// seconds) is closed; so is one that has taken no bytes for the soft seconds while events wait for it. The
// browser reconnects and resumes from its last id.

import type http from 'node:http';
import { CompactedError, type LoggedEvent } from '../registry/events.js';
import type { Clock } from '../registry/types.js';
import type { WorkerRegistry } from '../registry/registry.js';
import type { OutputBufferLimits } from './connection.js';
import type { Log } from './log.js';

/** Events read from the log per write while a stream catches up. */
const CATCH_UP_CHUNK = 500;
/** How soon a browser retries after the stream drops (the SSE `retry:` field), ms. */
const RETRY_MS = 1000;

export interface EventStreamHost {
  readonly registry: WorkerRegistry;
  readonly clock: Clock;
  readonly outputLimits: { pubsub: OutputBufferLimits };
  readonly log: Log;
  readonly stats: { outputLimitDisconnections: number };
}

class Stream {
  /** The newest revision written to this stream. */
  rev: number;
  /** The socket refused more: nothing is written until it drains, then the stream reads on from the log. */
  congested = false;
  /** Since when (server clock) the stream has been congested or over the soft limit; -1: it is not. */
  stuckSince = -1;
  closed = false;

  constructor(
    readonly res: http.ServerResponse,
    rev: number,
  ) {
    this.rev = rev;
  }

  get pendingBytes(): number {
    return this.res.writableLength;
  }
}

/** Why a Last-Event-ID or `since` is unusable, or the revision it names. */
export function parseRevision(value: string): number | string {
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(Number(value)))
    return `invalid revision '${value.slice(0, 40)}': expected a non-negative integer`;
  return Number(value);
}

const frame = (e: LoggedEvent): string => `id: ${e.rev}\ndata: ${e.json}\n\n`;

export class EventStreams {
  private readonly streams = new Set<Stream>();
  // Events of the current tick, formatted once and written to every stream that is level with them.
  private batch: string[] = [];
  private batchFirstRev = 0;
  private batchLastRev = 0;
  private flushScheduled = false;
  private pingTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly host: EventStreamHost,
    private readonly pingMs: number,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** Bytes waiting in the streams' sockets, summed (INFO-style figures and tests). */
  get pendingBytes(): number {
    let n = 0;
    for (const s of this.streams) n += s.pendingBytes;
    return n;
  }

  /** Every registry event, as it is logged. Costs nothing while no stream is open. */
  take(e: LoggedEvent): void {
    if (this.streams.size === 0) return;
    if (this.batch.length === 0) this.batchFirstRev = e.rev;
    this.batchLastRev = e.rev;
    this.batch.push(frame(e));
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Starts a stream after revision `since` (null: from now on). */
  open(req: http.IncomingMessage, res: http.ServerResponse, since: number | null): void {
    const registry = this.host.registry;
    // Transitions already due are applied first, so a stream never starts behind what has happened.
    registry.sync();
    const log = registry.events;
    const stream = new Stream(res, since ?? log.lastRev);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Proxies such as nginx buffer responses unless told not to; a buffered stream is no stream.
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.socket?.setNoDelay(true);
    res.write(`retry: ${RETRY_MS}\n` + `event: hello\ndata: ${JSON.stringify({ rev: log.lastRev, oldest_rev: log.oldestRev })}\n\n`);
    this.streams.add(stream);
    const forget = () => this.close(stream);
    req.on('close', forget);
    res.on('close', forget);
    res.on('error', forget);
    this.startPing();
    this.catchUp(stream);
  }

  /** Closes every stream (the HTTP side is closing). */
  closeAll(): void {
    for (const s of [...this.streams]) {
      this.close(s);
      s.res.destroy();
    }
  }

  private close(s: Stream): void {
    if (s.closed) return;
    s.closed = true;
    this.streams.delete(s);
    if (this.streams.size === 0 && this.pingTimer !== null) {
      clearInterval(this.pingTimer);
      this.pingTimer = null;
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    const text = this.batch.join('');
    const first = this.batchFirstRev;
    const last = this.batchLastRev;
    this.batch = [];
    for (const s of [...this.streams]) {
      if (s.closed || s.rev >= last) continue;
      if (s.congested) {
        this.checkLimits(s);
        continue;
      }
      if (s.rev === first - 1) {
        s.rev = last;
        this.write(s, text);
      } else this.catchUp(s);
    }
  }

  /** Writes what the log holds after the stream's revision, until the stream is level or its socket is full. */
  private catchUp(s: Stream): void {
    while (!s.closed && !s.congested) {
      const log = this.host.registry.events;
      let events: LoggedEvent[];
      try {
        events = log.since(s.rev, CATCH_UP_CHUNK);
      } catch (e) {
        if (!(e instanceof CompactedError)) throw e;
        // The page must reload in full; the id moves it to the newest revision, where the stream carries on.
        s.rev = log.lastRev;
        const data = JSON.stringify({ rev: log.lastRev, oldest_rev: e.oldestRev, message: e.message });
        this.write(s, `event: compacted\nid: ${log.lastRev}\ndata: ${data}\n\n`);
        continue;
      }
      if (events.length === 0) return;
      s.rev = events[events.length - 1]!.rev;
      this.write(s, events.map(frame).join(''));
    }
  }

  private write(s: Stream, text: string): void {
    if (s.res.write(text)) {
      s.stuckSince = -1;
    } else if (!s.congested) {
      s.congested = true;
      s.res.once('drain', () => {
        s.congested = false;
        s.stuckSince = -1;
        this.catchUp(s);
      });
    }
    this.checkLimits(s);
  }

  /**
   * The pubsub class's limits, as Redis' checkClientOutputBufferLimits applies them: past the hard limit, or over
   * the soft limit (here also: not draining at all) for longer than its seconds, the stream is closed.
   */
  private checkLimits(s: Stream): void {
    if (s.closed) return;
    const { hardBytes, softBytes, softSeconds } = this.host.outputLimits.pubsub;
    const pending = s.pendingBytes;
    let why: string | null = null;
    if (hardBytes > 0 && pending >= hardBytes) why = `${pending} bytes over the hard limit`;
    else if (s.congested || (softBytes > 0 && pending >= softBytes)) {
      const now = this.host.clock.now();
      if (s.stuckSince < 0) s.stuckSince = now;
      else if (softSeconds > 0 && now - s.stuckSince > softSeconds * 1000)
        why = `${pending} bytes not taken for over ${softSeconds} s (the pubsub soft limit's seconds)`;
    } else s.stuckSince = -1;
    if (why === null) return;
    this.host.stats.outputLimitDisconnections++;
    const addr = s.res.socket?.remoteAddress ?? '?';
    this.host.log.warning(`Closing the /events stream of ${addr}:${s.res.socket?.remotePort ?? '?'}: ${why}`);
    this.close(s);
    s.res.destroy();
  }

  private startPing(): void {
    if (this.pingTimer !== null) return;
    // A comment line every so often keeps proxies and load balancers from closing an idle stream, and lets a
    // stuck stream be noticed even when no event comes.
    this.pingTimer = setInterval(() => {
      for (const s of [...this.streams]) {
        if (s.congested) this.checkLimits(s);
        else this.write(s, `: ping ${s.rev}\n\n`);
      }
    }, this.pingMs);
    this.pingTimer.unref();
  }
}
