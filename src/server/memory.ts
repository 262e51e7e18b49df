// The server's memory figure and its limit (Redis' `maxmemory` with the `noeviction` policy): what INFO reports
// as used_memory, and the test a heartbeat from a new worker must pass.

import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MemoryFigures, MemoryGauge } from '../commands/context.js';
import type { Settings } from '../settings/settings.js';

/**
 * used_memory is the V8 heap in use (live objects and garbage not yet collected) plus memory V8 tracks outside
 * the heap (Buffers and typed arrays: the registry's number rows, socket buffers). It leaves out code, stacks
 * and the allocator's free pages, which RSS includes.
 */
export function memoryFigures(): MemoryFigures {
  const h = getHeapStatistics();
  return {
    used: h.used_heap_size + h.external_memory,
    heapUsed: h.used_heap_size,
    heapTotal: h.total_heap_size,
    heapLimit: h.heap_size_limit,
    external: h.external_memory,
  };
}

type MinorGc = (options: { type: 'minor' }) => void;
let minorGc: MinorGc | null | undefined;

/**
 * Moves what the young generation still holds into the old one, before clients are served. After a restore it
 * holds the last tens of MB of restored workers (up to the semi-space size), all alive: the first scavenge to
 * come copies them all, one pause of 20-30 ms at any fleet above ~100k workers, which landed in the first save
 * or whatever ran then. Two scavenges: the first moves survivors within the young generation, the second
 * promotes them. Only a pause is at stake: without V8's `gc` function nothing is done.
 */
export function promoteYoungGeneration(): void {
  if (minorGc === undefined) minorGc = findMinorGc();
  if (minorGc === null) return;
  minorGc({ type: 'minor' });
  minorGc({ type: 'minor' });
}

/**
 * V8's `gc` function. V8 offers no other way to ask for a scavenge; a context made while the flag is set has it.
 * The flag is V8's, for the whole process: a process started with --expose-gc keeps it (turning it off took `gc`
 * from worker threads and contexts made later), and under --expose-gc-as the function has another name, which
 * only its user knows (asking a new context for `gc` threw, and the server could not start from a snapshot).
 */
function findMinorGc(): MinorGc | null {
  const own = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as MinorGc;
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (/--expose[-_]gc/.test(given)) return null;
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('typeof gc === "function" ? gc : null') as MinorGc | null;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export class ProcessMemoryGauge implements MemoryGauge {
  private sampledAtMs = -Infinity;
  private sample = 0;

  constructor(private readonly settings: Settings) {}

  used(): MemoryFigures {
    return memoryFigures();
  }

  get limit(): number {
    return this.settings.get('maxmemory');
  }

  /**
   * Whether used memory is above maxmemory. Reading the heap figures costs about as much as a heartbeat, so a
   * burst of registrations shares one reading per millisecond: the limit may be passed by at most one
   * millisecond's worth of new workers.
   */
  overLimit(): boolean {
    const limit = this.settings.get('maxmemory');
    if (limit === 0) return false;
    const now = performance.now();
    if (now - this.sampledAtMs >= 1) {
      this.sample = memoryFigures().used;
      this.sampledAtMs = now;
    }
    return this.sample > limit;
  }
}
