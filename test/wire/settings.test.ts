// Settings over real sockets and a real process: CONFIG GET/SET made from the settings list (memory units,
// ranges, all-or-none), flags refused with a clear message instead of a stack trace, and numeric arguments
// outside their documented range.

import { constants as bufferConstants } from 'node:buffer';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SETTINGS } from '../../src/settings/settings.js';
import { WireFixture, rejection, type Client } from './fixture.js';
import { fitMaxClients, openFilesLimit } from '../../src/server/open-files.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** Runs the server with `args` and collects what it prints until it exits (it must refuse to start). */
function runRefused(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    // A server that did start would never exit on its own: stop it so the test fails instead of hanging.
    child.stdout.on('data', () => {
      if (stdout.includes(' ready on ')) child.kill('SIGKILL');
    });
    child.once('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('settings over the wire', function () {
  this.timeout(20_000);
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    r = await fx.ioredis();
  });
  afterEach(async () => {
    await fx.close();
  });

  it('CONFIG GET * lists every CONFIG setting of the list, and nothing else', async () => {
    const reply = (await r.call('CONFIG', 'GET', '*')) as string[];
    const names = reply.filter((_, i) => i % 2 === 0).sort();
    expect(names).to.deep.equal(
      SETTINGS.filter((s) => s.config !== false)
        .map((s) => s.name)
        .sort(),
    );
  });

  it('CONFIG SET takes memory units for every memory setting, and CONFIG GET answers bytes', async () => {
    const memory = SETTINGS.filter((s) => s.type === 'memory' && s.mutable && s.config !== false).map((s) => s.name);
    expect(memory).to.include.members(['maxmemory', 'proto-max-bulk-len', 'client-query-buffer-limit']);
    for (const [unit, bytes] of [
      ['1mb', 1024 ** 2],
      ['512K', 512_000],
      ['1m', 1_000_000],
      ['100kb', 102_400],
    ] as const) {
      for (const name of memory) {
        const range = SETTINGS.find((s) => s.name === name)!.range!;
        if (bytes < range.min || bytes > range.max) continue;
        expect(await r.call('CONFIG', 'SET', name, unit), `${name} ${unit}`).to.equal('OK');
        expect(await r.call('CONFIG', 'GET', name)).to.deep.equal([name, String(bytes)]);
      }
    }
    expect(await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60')).to.equal('OK');
    const [, limits] = (await r.call('CONFIG', 'GET', 'client-output-buffer-limit')) as string[];
    expect(limits).to.match(new RegExp(`pubsub ${32 * 1024 ** 2} ${8 * 1024 ** 2} 60$`));
  });

  it("CONFIG SET refuses values outside the documented range in Redis' words, and changes nothing", async () => {
    const before = await r.call('CONFIG', 'GET', 'proto-max-bulk-len');
    expect((await rejection(r.call('CONFIG', 'SET', 'proto-max-bulk-len', '10000000000'))).message).to.equal(
      // The ceiling is V8's longest string: an argument is read as one.
      `ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1 and ${bufferConstants.MAX_STRING_LENGTH} inclusive`,
    );
    expect((await rejection(r.call('CONFIG', 'SET', 'maxmemory', '1tb'))).message).to.equal(
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
    );
    expect((await rejection(r.call('CONFIG', 'SET', 'maxclients', '10', 'maxmemory-policy', 'allkeys-lru'))).message).to.equal(
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument must be one of the following: noeviction",
    );
    // 10000 unless this machine's open-file limit lowered it at start.
    expect(await r.call('CONFIG', 'GET', 'maxclients')).to.deep.equal([
      'maxclients',
      String(fitMaxClients(10_000, openFilesLimit()).maxclients),
    ]);
    expect(await r.call('CONFIG', 'GET', 'proto-max-bulk-len')).to.deep.equal(before);
    // The server is still serving.
    expect(await r.ping()).to.equal('PONG');
  });

  it('EVENTS.READ BLOCK past the timer limit is refused instead of returning at once', async () => {
    expect((await rejection(r.call('EVENTS.READ', 'SINCE', '0', 'BLOCK', '2147483648'))).message).to.equal(
      "ERR invalid BLOCK '2147483648': expected an integer from 0 to 2147483647",
    );
    expect((await rejection(r.call('EVENTS.READ', 'SINCE', '0', 'COUNT', '0'))).message).to.equal(
      "ERR invalid COUNT '0': expected a positive integer",
    );
  });
});

describe('flags out of range', function () {
  this.timeout(20_000);

  it('--event-log 99999999999 is refused with the flag and its range, no stack trace', async () => {
    const { code, stderr } = await runRefused(['--event-log', '99999999999']);
    expect(code).to.equal(2);
    expect(stderr).to.include('rbee-registry: --event-log 99999999999: argument must be between 1 and 10000000 inclusive');
    expect(stderr).to.not.match(/\n\s+at /);
  });

  it('a memory flag names its units when it cannot be read; settings that conflict are named', async () => {
    const bad = await runRefused(['--maxmemory', '10 gb']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--maxmemory 10 gb: argument must be a memory value');
    const conflict = await runRefused(['--offline-after', '60000', '--evict-after', '1000']);
    expect(conflict.code).to.equal(2);
    expect(conflict.stderr).to.include('--evict-after: must be 0 or at least offline-after (60000)');
  });
});
