// Tests that need an optional program (redis-cli, promtool, redis_exporter, chromium) go pending naming it
// when it is missing, and fail instead under REGISTRY_TEST_STRICT=1 (CI), so a missing package cannot pass.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const found = new Map<string, Promise<boolean>>();

async function available(program: string, args: string[]): Promise<boolean> {
  try {
    await run(program, args, { timeout: 20_000 });
    return true;
  } catch (e) {
    // Present but unhappy with the flag still counts as present.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Call first in a test (or before hook): skips it, or fails under REGISTRY_TEST_STRICT=1, without `program`. */
export async function needProgram(ctx: Mocha.Context, program: string, versionArgs: string[] = ['--version']): Promise<void> {
  let p = found.get(program);
  if (p === undefined) found.set(program, (p = available(program, versionArgs)));
  if (await p) return;
  if (process.env.REGISTRY_TEST_STRICT === '1') throw new Error(`${program} is required (REGISTRY_TEST_STRICT=1) but was not found`);
  ctx.skip();
}
