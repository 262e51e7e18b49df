// Many real clients at once: 50 workers' agents heartbeating 20 workers each across 10 hives (some moving
// between hives) while orchestrators query. Afterwards every count and sum must add up exactly.

import { expect } from 'chai';
import { WireFixture, record, type Client } from './fixture.js';

const AGENTS = 50;
const WORKERS_PER_AGENT = 20;
const HIVES = 10;
const READERS = 10;
const TOTAL = AGENTS * WORKERS_PER_AGENT;

interface Expected {
  hive: string;
  vram: number;
  ram: number;
}

/** Where each worker ends up and what it last reported. */
function expectedFinal(agent: number, j: number): Expected {
  const moves = j % 3 === 0;
  return {
    hive: `hive-${(agent + j + (moves ? 1 : 0)) % HIVES}`,
    vram: agent * 1000 + j + 7,
    ram: j * 10,
  };
}

describe('concurrency: 50 agents heartbeating while 10 clients query', () => {
  let fx: WireFixture;

  before(async () => {
    fx = await WireFixture.start();
  });

  after(async () => {
    await fx.close();
  });

  it('ends with exact counts, sums and hive membership', async () => {
    const agents = await Promise.all(Array.from({ length: AGENTS }, (_, i) => fx.ioredis({ protocol: i % 2 === 0 ? 2 : 3 })));
    const readers = await Promise.all(Array.from({ length: READERS }, (_, i) => fx.ioredis({ protocol: i % 2 === 0 ? 3 : 2 })));

    const replies: number[] = [];
    const beat = async (agent: Client, argv: string[]) => replies.push((await agent.call('HBEAT', ...argv)) as number);

    const agentRun = async (agent: Client, a: number) => {
      const id = (j: number) => `w-${String(a).padStart(2, '0')}-${String(j).padStart(2, '0')}`;
      const js = Array.from({ length: WORKERS_PER_AGENT }, (_, j) => j);
      // 1: full state on the first hive.
      await Promise.all(
        js.map((j) =>
          beat(agent, [
            id(j),
            `hive-${(a + j) % HIVES}`,
            'STATE',
            'Idle',
            'MODEL',
            `m${j % 4}`,
            'VRAM',
            String(a * 1000 + j),
            'RAM',
            String(j * 10),
          ]),
        ),
      );
      // 2: every third worker moves to the next hive; everyone reports new VRAM.
      await Promise.all(js.map((j) => beat(agent, [id(j), expectedFinal(a, j).hive, 'VRAM', String(expectedFinal(a, j).vram)])));
      // 3: a plain refresh.
      await Promise.all(js.map((j) => beat(agent, [id(j), expectedFinal(a, j).hive, 'GPU', String(j % 100)])));
    };

    let writing = true;
    const readerRun = async (reader: Client) => {
      let lastCount = 0;
      let rounds = 0;
      while (writing || rounds === 0) {
        const [count, hives, active, res] = await Promise.all([
          reader.call('WORKER.COUNT'),
          reader.call('HIVE.COUNT'),
          reader.call('HIVE.ACTIVE'),
          reader.call('HIVE.RES', `hive-${rounds % HIVES}`),
          reader.call('WORKER.LIST', 'MODEL', 'm1'),
        ]);
        // Workers are only ever added here, and each connection's replies come in order.
        expect(count).to.be.within(lastCount, TOTAL);
        lastCount = count as number;
        expect(hives).to.be.at.most(HIVES);
        expect((active as string[]).length).to.be.at.most(HIVES);
        if (res !== null) expect(record(res).worker_count).to.be.within(1, TOTAL);
        rounds++;
      }
      return rounds;
    };

    const reading = readers.map(readerRun);
    await Promise.all(agents.map(agentRun));
    writing = false;
    const rounds = await Promise.all(reading);
    expect(rounds.every((n) => n >= 1)).to.equal(true);

    // Each worker's first beat registered it (1); the other two refreshed it (0).
    expect(replies).to.have.length(TOTAL * 3);
    expect(replies.filter((x) => x === 1)).to.have.length(TOTAL);
    expect(replies.filter((x) => x === 0)).to.have.length(TOTAL * 2);

    const byHive = new Map<string, { ids: string[]; vram: number; ram: number }>();
    for (let a = 0; a < AGENTS; a++) {
      for (let j = 0; j < WORKERS_PER_AGENT; j++) {
        const e = expectedFinal(a, j);
        const h = byHive.get(e.hive) ?? { ids: [], vram: 0, ram: 0 };
        h.ids.push(`w-${String(a).padStart(2, '0')}-${String(j).padStart(2, '0')}`);
        h.vram += e.vram;
        h.ram += e.ram;
        byHive.set(e.hive, h);
      }
    }

    const q = readers[0]!;
    expect(await q.call('WORKER.COUNT')).to.equal(TOTAL);
    expect(await q.call('DBSIZE')).to.equal(TOTAL + HIVES);
    expect(await q.call('HIVE.COUNT')).to.equal(HIVES);
    expect(await q.call('HIVE.LIST')).to.deep.equal([...byHive.keys()].sort());
    let workerSum = 0;
    for (const [hive, want] of byHive) {
      const res = record(await q.call('HIVE.RES', hive));
      expect(res, hive).to.include({ worker_count: want.ids.length, vram_used_bytes: want.vram, ram_used_bytes: want.ram });
      workerSum += res.worker_count as number;
      const workers = (await q.call('HIVE.WORKERS', hive)) as unknown[];
      expect(workers, hive).to.have.length(want.ids.length);
      expect(workers.map((w) => record(w).worker_id)).to.deep.equal([...want.ids].sort());
      expect(record(await q.call('HIVE.GET', hive)).workers).to.deep.equal([...want.ids].sort());
    }
    expect(workerSum).to.equal(TOTAL);
    expect(((await q.call('WORKER.LIST')) as unknown[]).length).to.equal(TOTAL);
    expect(((await q.call('WORKER.LIST', 'MODEL', 'm1')) as unknown[]).length).to.equal(TOTAL / 4);
    expect(String(await q.call('INFO', 'registry'))).to.include(`workers:${TOTAL}\r\n`);
  });
});
