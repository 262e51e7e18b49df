// A hive's VRAM capacity as the dashboard's hive cards read it (hiveVramTotal) against the definition written
// out plainly, and against HIVE.RES's figure (hiveCapacity), for any mix of workers with and without DEVICE and
// VRAM_TOTAL, online or not.

import { expect } from 'chai';
import fc from 'fast-check';
import { type GpuUser, hiveCapacity, hiveVramTotal } from '../../src/registry/capacity.js';

interface Worker {
  deviceId: number | null;
  vramBytes: number | null;
  vramTotalBytes: number | null;
  online: boolean;
}

/** Per GPU (device id; a worker without one is a GPU of its own) the largest VRAM_TOTAL, summed; null when none. */
function plainTotal(workers: readonly Worker[]): number | null {
  const reported = workers.filter((w) => w.vramTotalBytes !== null);
  if (reported.length === 0) return null;
  const loose = reported.filter((w) => w.deviceId === null).reduce((s, w) => s + w.vramTotalBytes!, 0);
  const devices = [...new Set(reported.filter((w) => w.deviceId !== null).map((w) => w.deviceId))];
  let sum = loose;
  for (const d of devices) sum += Math.max(...reported.filter((w) => w.deviceId === d).map((w) => w.vramTotalBytes!));
  return sum;
}

const worker = fc.record({
  deviceId: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 3 }),
  vramBytes: fc.option(fc.constantFrom(0, 4e9, 30e9), { freq: 3 }),
  vramTotalBytes: fc.option(fc.constantFrom(16e9, 24e9, 80e9), { freq: 2 }),
  online: fc.boolean(),
});

describe('hive VRAM capacity', () => {
  it('sums each GPU once at its largest reported total, as HIVE.RES does', () => {
    fc.assert(
      fc.property(fc.array(worker, { maxLength: 12 }), (list) => {
        const hive = { workers: [] as GpuUser[] };
        const users: GpuUser[] = list.map((w) => ({ ...w, hive }));
        hive.workers.push(...users);
        const expected = plainTotal(list);
        expect(hiveVramTotal(users)).to.equal(expected);
        expect(hiveCapacity(users).vramTotalBytes).to.equal(expected);
      }),
      { numRuns: 500 },
    );
  });
});
