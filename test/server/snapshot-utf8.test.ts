// A snapshot is read as UTF-8: bytes that are not (a file edited by hand, with a correct checksum) are refused
// naming the line, as is a lone surrogate escape; decoding them would turn two saved ids into one worker.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { readSnapshot, SnapshotError, writeSnapshot } from '../../src/server/snapshot.js';
import { ManualClock } from '../helpers/clock.js';

/** The lines (as bytes) with a correct checksum on the end line: an edit made by someone who knew the format. */
function resealed(lines: Buffer[]): Buffer {
  const body = Buffer.concat(lines.slice(0, -1).flatMap((l) => [l, Buffer.from('\n')]));
  const end = JSON.parse(lines.at(-1)!.toString()) as Record<string, unknown>;
  end.sha256 = createHash('sha256').update(body).digest('hex');
  return Buffer.concat([body, Buffer.from(JSON.stringify(end) + '\n')]);
}

describe('snapshot ids and UTF-8', () => {
  let dir: string;
  let file: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'registry-snaputf8-'));
    file = path.join(dir, 'registry.snapshot');
    const registry = new WorkerRegistry({ clock: new ManualClock() });
    for (const id of ['bin-a', 'bin-b', 'bin-c']) registry.heartbeat(id, 'hive-a', {});
    await writeSnapshot(file, registry.openSnapshot());
    registry.stop();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function refusal(): Promise<string> {
    const fresh = new WorkerRegistry({ clock: new ManualClock() });
    try {
      await readSnapshot(file, (h) => fresh.beginRestore(h));
    } catch (e) {
      expect(e).to.be.instanceOf(SnapshotError);
      return (e as Error).message;
    } finally {
      fresh.stop();
    }
    throw new Error('expected the snapshot to be refused');
  }

  it('refuses invalid UTF-8 bytes in a record, naming the line', async () => {
    const lines = (await readFile(file)).toString('latin1').trimEnd().split('\n');
    // Lines 2 and 3 (the first two workers) become bin-\xff and bin-\xfe: as text both would read bin-\ufffd.
    const edited = lines.map((l, i) =>
      Buffer.from(i === 1 ? l.replace(/"bin-[a-c]"/, '"bin-\xff"') : i === 2 ? l.replace(/"bin-[a-c]"/, '"bin-\xfe"') : l, 'latin1'),
    );
    await writeFile(file, resealed(edited));
    expect(await refusal()).to.match(/ is corrupt at line 2: not valid UTF-8$/);
  });

  it('refuses an id with a lone surrogate escape', async () => {
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    lines[2] = lines[2]!.replace(/"bin-[a-c]"/, '"bin-\\udcff"');
    await writeFile(file, resealed(lines.map((l) => Buffer.from(l))));
    expect(await refusal()).to.match(/ is corrupt at line 3: invalid worker_id "bin-\\udcff": expected a non-empty string/);
  });
});
