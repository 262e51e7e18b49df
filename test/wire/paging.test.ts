// Long replies: WORKER.LIST and HIVE.LIST page with CURSOR/COUNT (SCAN's contract) and their unpaged form is
// capped by reply-max-records with an error naming the paged form. Through ioredis, both protocols.

import { expect } from 'chai';
import { MODES, WireFixture, record, rejection, type Client } from './fixture.js';

/** Walks a paged list to the end; returns every item and the number of calls. */
async function walk(r: Client, command: string, args: string[], count?: number): Promise<{ items: unknown[]; calls: number }> {
  const items: unknown[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const reply = (await r.call(command, ...args, 'CURSOR', cursor, ...(count === undefined ? [] : ['COUNT', String(count)]))) as [
      string,
      unknown[],
    ];
    expect(reply).to.have.length(2);
    [cursor] = reply;
    items.push(...reply[1]);
    calls++;
    expect(calls).to.be.below(10_000);
  } while (cursor !== '0');
  return { items, calls };
}

for (const mode of MODES) {
  describe(`paged lists (ioredis ${mode.name})`, function () {
    this.timeout(30_000);
    let fx: WireFixture;
    let r: Client;

    beforeEach(async () => {
      fx = await WireFixture.start();
      r = await fx.ioredis(mode.options);
      const p = r.pipeline();
      for (let i = 0; i < 250; i++)
        p.call(
          'HBEAT',
          `w${String(i).padStart(3, '0')}`,
          `h${i % 25}`,
          'MODEL',
          i % 2 === 0 ? 'even' : 'odd',
          'STATE',
          i % 5 === 0 ? 'Busy' : 'Idle',
        );
      await p.exec();
    });
    afterEach(() => fx.close());

    it('WORKER.LIST CURSOR walks every worker once, in pages of about COUNT', async () => {
      const { items, calls } = await walk(r, 'WORKER.LIST', [], 20);
      const ids = items.map((w) => record(w).worker_id as string);
      expect(ids).to.have.length(250);
      expect(new Set(ids).size).to.equal(250);
      expect(calls).to.be.within(13, 40);
      // Filters apply to the pages; the default COUNT is 100.
      const busy = await walk(r, 'WORKER.LIST', ['STATE', 'Busy', 'MODEL', 'even']);
      expect(busy.items.map((w) => record(w).worker_id).sort()).to.deep.equal(
        Array.from({ length: 25 }, (_, k) => `w${String(k * 10).padStart(3, '0')}`),
      );
      const hives = await walk(r, 'HIVE.LIST', [], 7);
      expect((hives.items as string[]).sort()).to.deep.equal(Array.from({ length: 25 }, (_, i) => `h${i}`).sort());
    });

    it('a worker present for the whole walk is returned exactly once, whatever changes meanwhile', async () => {
      const seen = new Map<string, number>();
      let cursor = '0';
      let round = 0;
      do {
        const [next, page] = (await r.call('WORKER.LIST', 'CURSOR', cursor, 'COUNT', '15')) as [string, unknown[]];
        for (const w of page) {
          const id = record(w).worker_id as string;
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
        cursor = next;
        // Between pages: workers w200..w249 leave and come back as new ones, and newcomers arrive.
        round++;
        await r.call('WORKER.DEL', `w${200 + (round % 50)}`);
        await r.call('HBEAT', `new${round}`, 'h0');
      } while (cursor !== '0');
      for (let i = 0; i < 200; i++) expect(seen.get(`w${String(i).padStart(3, '0')}`), `w${i}`).to.equal(1);
      for (const count of seen.values()) expect(count).to.equal(1);
    });

    it('the unpaged form is capped by reply-max-records, with an error naming the paged form', async () => {
      expect(await r.call('CONFIG', 'SET', 'reply-max-records', '100')).to.equal('OK');
      expect((await rejection(r.call('WORKER.LIST'))).message).to.equal(
        'ERR WORKER.LIST would return more than 100 workers (reply-max-records): page through them with WORKER.LIST … CURSOR 0 [COUNT n]',
      );
      expect((await rejection(r.call('WORKER.LIST', 'MODEL', 'even'))).message).to.match(
        /^ERR WORKER.LIST would return more than 100 workers/,
      );
      // Under the cap, the unpaged form answers as before, sorted by id.
      const busy = (await r.call('WORKER.LIST', 'STATE', 'Busy')) as unknown[];
      expect(busy.map((w) => record(w).worker_id)).to.have.length(50);
      expect(await r.call('CONFIG', 'SET', 'reply-max-records', '20')).to.equal('OK');
      expect((await rejection(r.call('HIVE.LIST'))).message).to.equal(
        'ERR HIVE.LIST would return more than 20 hives (reply-max-records): page through them with HIVE.LIST … CURSOR 0 [COUNT n]',
      );
      expect((await rejection(r.call('WORKER.LIST', 'CURSOR', '0', 'COUNT', '21'))).message).to.equal(
        "ERR invalid COUNT '21': expected an integer from 1 to 20",
      );
      expect((await rejection(r.call('WORKER.LIST', 'COUNT', '5'))).message).to.equal('ERR syntax error, COUNT needs CURSOR');
      expect((await rejection(r.call('HIVE.LIST', 'CURSOR', '-1'))).message).to.equal('ERR invalid cursor');
      // A cursor past the end ends the walk.
      expect(await r.call('HIVE.LIST', 'CURSOR', '99999999')).to.deep.equal(['0', []]);
    });
  });
}
