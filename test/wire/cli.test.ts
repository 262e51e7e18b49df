// The server's command line as a user meets it: -h/--help and -v/--version answer and exit without starting a
// server; an unknown flag is refused with a pointer to --help.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
const run = promisify(execFile);

/** Runs main with `args`; resolves with its exit code and output (a started server would hit the timeout). */
async function main(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [MAIN, ...args], { timeout: 10_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('command line', () => {
  for (const flag of ['-v', '--version']) {
    it(`${flag} prints the package version and exits 0`, async () => {
      expect(await main(flag)).to.deep.equal({ code: 0, stdout: `rbee-registry ${PACKAGE.version}\n`, stderr: '' });
    });
  }

  for (const flag of ['-h', '--help']) {
    it(`${flag} prints the usage, naming every switch, and exits 0`, async () => {
      const { code, stdout, stderr } = await main(flag);
      expect([code, stderr]).to.deep.equal([0, '']);
      expect(stdout).to.match(/^Usage: rbee-registry \[options\]\n/);
      for (const text of ['--port', '-h, --help', '-v, --version']) expect(stdout).to.include(text);
    });
  }

  it('an unknown flag is refused with exit code 2 and a pointer to --help', async () => {
    const { code, stdout, stderr } = await main('-x');
    expect({ code, stdout }).to.deep.equal({ code: 2, stdout: '' });
    expect(stderr).to.equal("rbee-registry: command line: Unknown option '-x'\nRun with --help for the options.\n");
  });
});
