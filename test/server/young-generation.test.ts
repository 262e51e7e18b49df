// The scavenges a restore ends with (promoteYoungGeneration) under each way node can be started: V8's flag for
// its `gc` function is the whole process's, so each case runs in a child node of its own.

import { execFile } from 'node:child_process';
import { expect } from 'chai';

const MEMORY = new URL('../../src/server/memory.js', import.meta.url).href;

// Calls it twice (a second restore after FLUSHALL would), then reports what V8 logged and what code started
// afterwards sees of `gc`.
const SCRIPT = `
import { promoteYoungGeneration } from ${JSON.stringify(MEMORY)};
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
promoteYoungGeneration();
promoteYoungGeneration();
const worker = await new Promise((resolve, reject) => {
  const w = new Worker('(await import("node:worker_threads")).parentPort.postMessage(typeof gc + " " + typeof collect)', { eval: true });
  w.once('message', resolve);
  w.once('error', reject);
});
process.stdout.write(JSON.stringify({ context: runInNewContext('typeof gc'), worker }) + '\\n');
`;

interface Run {
  scavenges: number;
  context: string;
  worker: string;
}

function run(flags: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...flags, '--trace-gc', '--input-type=module', '-e', SCRIPT],
      { env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        const lines = stdout.trim().split('\n');
        // V8 logs a collection asked for through its gc function with the reason "testing".
        const scavenges = lines.filter((l) => l.includes('Scavenge') && l.includes('testing')).length;
        // The worker thread's own trace lines may come after the report.
        const report = lines.find((l) => l.startsWith('{'));
        if (report === undefined) return reject(new Error(`no report in:\n${stdout}`));
        resolve({ scavenges, ...(JSON.parse(report) as { context: string; worker: string }) });
      },
    );
  });
}

describe('promoteYoungGeneration (after a restore)', () => {
  it('runs its scavenges in a plain node, and contexts and threads made later get no gc', async () => {
    const r = await run([]);
    expect(r.scavenges).to.equal(4);
    expect(r.context).to.equal('undefined');
    expect(r.worker).to.equal('undefined undefined');
  });

  it('under --expose-gc uses that gc and leaves the flag on: a thread started later still has gc', async () => {
    const r = await run(['--expose-gc']);
    expect(r.scavenges).to.equal(4);
    expect(r.worker).to.equal('function undefined');
  });

  it('under --expose-gc-as (gc under another name) does not throw, and the name stays for later threads', async () => {
    const r = await run(['--expose-gc-as=collect']);
    expect(r.worker).to.equal('undefined function');
  });
});
