// The client as a consumer gets it: `npm pack`, install the tarball into an empty project, type-check a
// TypeScript file that imports 'rbee-registry/client' (types from the package's `exports`), run it against a
// real server.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { WireFixture } from '../wire/fixture.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const CONSUMER = `
import { RegistryClient, RegistryReplyError, type WorkerRecord } from 'rbee-registry/client';

const client = new RegistryClient({ port: Number(process.env.PORT), host: '127.0.0.1' });
await client.hbeat('pkg-worker', 'pkg-hive', { modelId: 'm', vramBytes: 42 });
const record: WorkerRecord | null = await client.workerGet('pkg-worker');
const vram: number | null = record?.vramBytes ?? null;
let code = '';
try {
  await client.command('HBEAT', 'pkg-worker', 'pkg-hive', 'STATE', 'nope');
} catch (e) {
  if (e instanceof RegistryReplyError) code = e.code;
}
console.log(JSON.stringify({ vram, model: record?.modelId, code }));
await client.close();
`;

describe('the client package from a consumer project', function () {
  this.timeout(180_000);
  let dir: string;
  let fx: WireFixture;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rbee-client-consumer-'));
    fx = await WireFixture.start();
  });
  after(async () => {
    await fx.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs from `npm pack`, type-checks against the shipped types and runs', async () => {
    const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 1 << 26 });
    const tarball = path.join(dir, (JSON.parse(packed) as Array<{ filename: string }>)[0]!.filename);
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', tarball, '@types/node@20'], {
      cwd: dir,
      maxBuffer: 1 << 26,
    });
    await writeFile(path.join(dir, 'consumer.ts'), CONSUMER);
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          types: ['node'],
          outDir: 'out',
        },
        files: ['consumer.ts'],
      }),
    );
    // skipLibCheck off: the shipped declarations themselves must type-check for a consumer.
    await run(process.execPath, [TSC, '-p', dir], { cwd: dir, maxBuffer: 1 << 26 }).catch((e: { stdout: string }) => {
      throw new Error(`tsc failed:\n${e.stdout.slice(0, 4000)}`);
    });
    const { stdout } = await run(process.execPath, [path.join(dir, 'out', 'consumer.js')], {
      cwd: dir,
      env: { ...process.env, PORT: String(fx.port) },
    });
    expect(JSON.parse(stdout)).to.deep.equal({ vram: 42, model: 'm', code: 'ERR' });
  });
});
