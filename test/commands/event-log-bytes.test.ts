// event-log-max-bytes through the commands: CONFIG SET/GET with memory units, EVENTS.READ answering COMPACTED
// for events the byte bound evicted (heartbeats with long URLs), INFO's figures, and a live change trimming at once.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

const url = (i: number) => `http://10.0.0.${i % 250}:8080/${'p'.repeat(1900)}/${i}`;

describe('event-log-max-bytes', () => {
  let h: Harness;
  beforeEach(() => (h = new Harness({ settings: { 'event-log': 100_000 } })));
  afterEach(() => h.stop());

  const info = async (field: string): Promise<number> => {
    const text = (await h.run(['INFO', 'registry'])).resp2.toString();
    return Number(new RegExp(`^${field}:(\\d+)\\r?$`, 'm').exec(text)![1]);
  };

  const configGet = async (): Promise<string> => (await h.run(['CONFIG', 'GET', 'event-log-max-bytes'])).resp2.toString();
  const got = (value: number) => `*2\r\n$19\r\nevent-log-max-bytes\r\n$${String(value).length}\r\n${value}\r\n`;

  it('is a memory setting CONFIG GET/SET know, 64mb by default', async () => {
    expect(await configGet()).to.equal(got(64 * 1024 * 1024));
    expect((await h.run(['CONFIG', 'SET', 'event-log-max-bytes', '256kb'])).error).to.equal(null);
    expect(await configGet()).to.equal(got(256 * 1024));
    expect((await h.run(['CONFIG', 'SET', 'event-log-max-bytes', '10'])).error).to.match(
      /^ERR CONFIG SET failed \(possibly related to argument 'event-log-max-bytes'\)/,
    );
    expect(await configGet()).to.equal(got(256 * 1024));
  });

  it('evicts the oldest events past the byte bound (long URLs), and EVENTS.READ of them says COMPACTED', async () => {
    await h.run(['CONFIG', 'SET', 'event-log-max-bytes', '256kb']);
    // 500 workers with ~2 KB URLs: each worker.online event is over 4 KB, far more than 256 KB in all.
    for (let i = 0; i < 500; i++) expect((await h.run(['HBEAT', `w${i}`, `hive-${i}`, 'URL', url(i)])).error).to.equal(null);
    const rev = await info('event_rev');
    expect(rev).to.equal(1000); // worker.online + hive.online each
    expect(await info('event_log_bytes')).to.be.at.most(256 * 1024);
    expect(await info('event_log_max_bytes')).to.equal(256 * 1024);
    const length = await info('event_log_length');
    const oldest = await info('event_oldest_rev');
    expect(length).to.be.lessThan(150).and.greaterThan(0);
    expect(oldest).to.equal(rev - length + 1);
    expect((await h.run(['EVENTS.READ', 'SINCE', '0'])).error).to.equal(
      `COMPACTED revisions up to ${oldest - 1} are gone; the oldest revision kept is ${oldest}: resync with a full read`,
    );
    const kept = (await h.run(['EVENTS.READ', 'SINCE', String(oldest - 1), 'COUNT', '1000'])).reply as string[];
    expect(kept.map((e) => (JSON.parse(e) as { rev: number }).rev)).to.deep.equal(Array.from({ length }, (_, i) => oldest + i));
    // The newest ones: the last worker's events are there.
    expect(kept.some((e) => (JSON.parse(e) as { url?: string }).url === url(499))).to.equal(true);
  });

  it('trims at once when lowered', async () => {
    for (let i = 0; i < 200; i++) await h.run(['HBEAT', `w${i}`, 'hive', 'URL', url(i)]);
    expect(await info('event_log_length')).to.equal(201);
    expect((await h.run(['CONFIG', 'SET', 'event-log-max-bytes', '64kb'])).error).to.equal(null);
    expect(await info('event_log_bytes')).to.be.at.most(64 * 1024);
    expect(await info('event_log_length')).to.be.lessThan(20);
    expect(await info('event_rev')).to.equal(201);
  });
});
