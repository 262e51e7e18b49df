// The Redis write commands the registry refuses (keyspace/writes.ts), in-process, in both protocols: each one, on a
// worker key, a hive key and any other key, is refused with an error naming the registry command to use, and
// changes nothing.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';
import { REFUSED_WRITES } from '../../src/commands/keyspace/writes.js';

/** The shortest call the command's arity allows: the key, then placeholder arguments. */
function argvFor(name: string, arity: number, key: string): string[] {
  const n = Math.abs(arity);
  return [name, key, ...Array.from({ length: n - 2 }, (_, i) => String(i + 1))];
}

describe('refused write commands (in-process)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = new Harness();
    await h.run(['HBEAT', 'w1', 'hive-a']);
  });
  afterEach(() => h.stop());

  for (const spec of REFUSED_WRITES) {
    it(`${spec.name} is refused on every key, naming what to use instead; nothing changes`, async () => {
      const onWorker = await h.refuses(
        argvFor(spec.name, spec.arity, 'worker:w1'),
        new RegExp(`^ERR ${spec.name} refused: 'worker:w1' is a read-only view of worker 'w1'; `),
      );
      expect(onWorker).to.match(/WORKER\.DEL w1$|HBEAT w1 <hive_id> \[STATE \.\.\.\] \[MODEL \.\.\.\] \.\.\.$/);
      const onHive = await h.refuses(
        argvFor(spec.name, spec.arity, 'hive:hive-a'),
        new RegExp(`^ERR ${spec.name} refused: 'hive:hive-a' is a read-only view of hive 'hive-a'; `),
      );
      expect(onHive).to.match(/HIVE\.DEL hive-a$/);
      await h.refuses(
        argvFor(spec.name, spec.arity, 'other'),
        `ERR ${spec.name} refused: the registry stores no keys of its own; worker:<worker_id> and hive:<hive_id> are read-only views; use HBEAT to register or update a worker, WORKER.DEL or HIVE.DEL to remove one`,
      );
      expect([h.server.registry.workerCount(), h.server.registry.hiveCount()]).to.deep.equal([1, 1]);
    });
  }

  it('a refused write with too few arguments gets the arity error first, in Redis words', async () => {
    await h.refuses(['SET', 'worker:w1'], "ERR wrong number of arguments for 'set' command");
    await h.refuses(['DEL'], "ERR wrong number of arguments for 'del' command");
  });
});
