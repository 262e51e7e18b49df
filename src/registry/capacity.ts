// GPU capacity per device. A GPU is a hive's device_id: workers sharing it (same hive, same DEVICE) share its
// VRAM, so its capacity is counted once and its free VRAM is that capacity minus what all of them use.
//
// Figures are derived on demand from the hive's workers (hives are hosts: a handful of workers each), so there
// is no second copy of the workers' numbers to keep in step with heartbeats, moves and removals.

/** What capacity reads of a worker (records and their read-only views both have it). */
export interface GpuUser {
  readonly deviceId: number | null;
  readonly vramBytes: number | null;
  readonly vramTotalBytes: number | null;
  readonly online: boolean;
  readonly hive: { readonly workers: Iterable<GpuUser> };
}

/**
 * Which GPU a worker uses within its hive: its device_id, or the worker itself when it never sent DEVICE (it
 * may share a GPU with nobody we know of, so it counts as its own).
 */
export type DeviceKey = number | GpuUser;

export function deviceKey(w: GpuUser): DeviceKey {
  return w.deviceId ?? w;
}

/** One GPU's figures. */
export interface DeviceCapacity {
  /**
   * The largest VRAM_TOTAL its workers report, or null when none did. Workers on one GPU normally agree; when they
   * do not (a stale report, a worker limited to part of the GPU), the largest figure is the one that does not
   * understate the hardware, and the used VRAM of every worker on it is still subtracted from it.
   */
  totalBytes: number | null;
  usedBytes: number;
  /** totalBytes minus usedBytes, at least 0; null without a total. */
  freeBytes: number | null;
}

export interface HiveCapacity {
  /** Sum over the hive's GPUs with a known total; null when no worker on the hive sent VRAM_TOTAL. */
  vramTotalBytes: number | null;
  vramFreeBytes: number | null;
  /** The same over online workers only: a GPU counts when an online worker on it reports its total. */
  onlineVramTotalBytes: number | null;
  onlineVramFreeBytes: number | null;
}

class Accumulator {
  totalBytes: number | null = null;
  usedBytes = 0;
  add(w: GpuUser): void {
    this.usedBytes += w.vramBytes ?? 0;
    const t = w.vramTotalBytes;
    if (t !== null && (this.totalBytes === null || t > this.totalBytes)) this.totalBytes = t;
  }
  get freeBytes(): number | null {
    return this.totalBytes === null ? null : Math.max(0, this.totalBytes - this.usedBytes);
  }
}

function sumDevices(devices: Iterable<Accumulator>): { total: number | null; free: number | null } {
  let total: number | null = null;
  let free: number | null = null;
  for (const d of devices) {
    if (d.totalBytes === null) continue;
    total = (total ?? 0) + d.totalBytes;
    free = (free ?? 0) + d.freeBytes!;
  }
  return { total, free };
}

/** The hive's VRAM capacity and free VRAM, each GPU counted once, over all its workers and over online ones. */
export function hiveCapacity(workers: Iterable<GpuUser>): HiveCapacity {
  const all = new Map<DeviceKey, Accumulator>();
  const online = new Map<DeviceKey, Accumulator>();
  for (const w of workers) {
    const key = deviceKey(w);
    let a = all.get(key);
    if (a === undefined) all.set(key, (a = new Accumulator()));
    a.add(w);
    if (w.online) {
      let o = online.get(key);
      if (o === undefined) online.set(key, (o = new Accumulator()));
      o.add(w);
    }
  }
  const a = sumDevices(all.values());
  const o = sumDevices(online.values());
  return { vramTotalBytes: a.total, vramFreeBytes: a.free, onlineVramTotalBytes: o.total, onlineVramFreeBytes: o.free };
}

/**
 * hiveCapacity's vramTotalBytes alone: each GPU's largest VRAM_TOTAL, summed (null when no worker sent one). The
 * dashboard reads it for a page of hives at every refresh; without the free and online sums it is a few times
 * cheaper (one number per GPU, no accumulators).
 */
export function hiveVramTotal(workers: Iterable<GpuUser>): number | null {
  const largest = new Map<DeviceKey, number>();
  for (const w of workers) {
    const t = w.vramTotalBytes;
    if (t === null) continue;
    const key = deviceKey(w);
    const seen = largest.get(key);
    if (seen === undefined || t > seen) largest.set(key, t);
  }
  if (largest.size === 0) return null;
  let sum = 0;
  for (const t of largest.values()) sum += t;
  return sum;
}

/** The GPU of `w`: all workers of its hive on the same device, online or not (an offline one may still hold VRAM). */
export function deviceCapacity(w: GpuUser): DeviceCapacity {
  const key = deviceKey(w);
  const acc = new Accumulator();
  if (key === w) acc.add(w);
  else for (const other of w.hive.workers) if (other.deviceId === key) acc.add(other);
  return { totalBytes: acc.totalBytes, usedBytes: acc.usedBytes, freeBytes: acc.freeBytes };
}
