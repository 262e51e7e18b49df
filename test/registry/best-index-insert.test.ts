// The best-worker index's insert skips the number rows of the nodes it passes while its bucket allows it (all
// GPU loads whole, every worker with a URL, free VRAM unknown): the bucket's counts must follow URL changes of
// workers already filed, or a new worker with a URL would stay invisible to the fallback's search.

import { expect } from 'chai';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { ManualClock } from '../helpers/clock.js';

describe('best-worker index insert', () => {
  it('the fallback finds a new worker with a URL among filed workers whose URLs were cleared', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    // One bucket (model m, healthy, GPU 10): 200 workers filed with a URL, which they then clear.
    for (let i = 0; i < 200; i++) r.heartbeat(`w${String(i).padStart(3, '0')}`, 'h', { modelId: 'm', gpuPercent: 10, url: 'http://a' });
    for (let i = 0; i < 200; i++) r.heartbeat(`w${String(i).padStart(3, '0')}`, 'h', { url: null });
    expect(r.bestWorker('other')).to.equal(undefined);
    // New workers with a URL and unknown free VRAM, anywhere in the id order: each is a fallback for another model.
    for (const id of ['a', 'w050x', 'w150x', 'z']) {
      r.heartbeat(id, 'h', { modelId: 'm', gpuPercent: 10, url: 'http://b' });
      expect(r.bestWorker('other')?.workerId, `after ${id}`).to.equal('a');
    }
  });

  it('orders by GPU load inside a bucket once a fractional load joins it', () => {
    const r = new WorkerRegistry({ clock: new ManualClock() });
    for (let i = 0; i < 100; i++) r.heartbeat(`w${String(i).padStart(3, '0')}`, 'h', { modelId: 'm', gpuPercent: 10 });
    r.heartbeat('zz', 'h', { modelId: 'm', gpuPercent: 10.5 });
    r.heartbeat('yy', 'h', { modelId: 'm', gpuPercent: 10.25 });
    expect(r.bestWorker('m')?.workerId).to.equal('w000');
    for (let i = 0; i < 100; i++) r.removeWorker(`w${String(i).padStart(3, '0')}`);
    expect(r.bestWorker('m')?.workerId).to.equal('yy');
  });
});
