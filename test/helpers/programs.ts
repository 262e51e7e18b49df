// Tests that drive a program we did not write (redis-cli, tmux, redis-py...) go pending, naming the program,
// on a machine without it; under REGISTRY_TEST_STRICT=1 (set by CI, which installs them all) they fail instead.

import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** What to install for each program we know of (Debian package names, as .ci/run installs them). */
const DEBIAN_PACKAGE: Record<string, string> = {
  'redis-cli': 'redis-tools',
  'redis-server': 'redis-server',
  'redis-benchmark': 'redis-tools',
  tmux: 'tmux',
  'python3-redis': 'python3-redis',
  python3: 'python3',
  openssl: 'openssl',
  chromium: 'chromium',
  promtool: 'prometheus',
  redis_exporter: 'prometheus-redis-exporter',
  'prometheus-redis-exporter': 'prometheus-redis-exporter',
};

export const STRICT = process.env['REGISTRY_TEST_STRICT'] === '1';

/** Every executable called `name` on PATH, in PATH order. */
function onPath(name: string): string[] {
  const found: string[] = [];
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      found.push(candidate);
    } catch {
      // not here
    }
  }
  return found;
}

/**
 * Finds a program. Most are one executable on PATH; `python3-redis` is the first python3 on PATH that can
 * import redis (a PATH may hold several interpreters, e.g. a version manager's ahead of the system's).
 */
function locate(program: string): string | null {
  if (program === 'python3-redis') {
    for (const python of onPath('python3')) {
      const r = spawnSync(python, ['-c', 'import redis'], { stdio: 'ignore', timeout: 20_000 });
      if (r.status === 0) return python;
    }
    return null;
  }
  return onPath(program)[0] ?? null;
}

const located = new Map<string, string | null>();

/** The program's path, or null when this machine lacks it. Looked up once per run. */
export function findProgram(program: string): string | null {
  if (!located.has(program)) located.set(program, locate(program));
  return located.get(program) ?? null;
}

/** Why a test cannot run here, naming the program and what provides it. */
export function missingMessage(program: string): string {
  const pkg = DEBIAN_PACKAGE[program];
  return `${program} not found on PATH${pkg === undefined ? '' : ` (Debian package ${pkg})`}`;
}

function markPending(runnable: Mocha.Runnable, programs: string[]): void {
  const note = ` [needs ${programs.join(', ')}: ${programs.map(missingMessage).join('; ')}]`;
  // A hook skips its whole suite: name the program on every test it skips, so the pending list says why.
  if ((runnable as { type?: string }).type === 'hook') {
    const mark = (suite: Mocha.Suite): void => {
      for (const t of suite.tests) if (!t.title.endsWith(note)) t.title += note;
      suite.suites.forEach(mark);
    };
    if (runnable.parent !== undefined) mark(runnable.parent);
  } else if (!runnable.title.endsWith(note)) {
    runnable.title += note;
  }
}

/**
 * Call from a test or hook written as `function () { ... }` (mocha's `this`). Returns the path of the first
 * program (for python3-redis: the interpreter to run). When any is missing: the test (or, from a `before`
 * hook, the whole suite) goes pending with the programs named; under REGISTRY_TEST_STRICT=1 it fails.
 */
export function needProgram(ctx: Mocha.Context, program: string, ...more: string[]): string {
  const missing = [program, ...more].filter((p) => findProgram(p) === null);
  if (missing.length > 0) {
    const why = missing.map(missingMessage).join('; ');
    if (STRICT) throw new Error(`${why}, and REGISTRY_TEST_STRICT=1 requires every program`);
    const runnable = ctx.test ?? ctx.currentTest;
    if (runnable !== undefined) markPending(runnable, missing);
    ctx.skip();
  }
  return findProgram(program)!;
}

/**
 * `describe`, for a suite whose every test needs `programs`: reported pending with the programs named when
 * any is missing, failing under REGISTRY_TEST_STRICT=1.
 */
export function describeNeeding(programs: readonly string[], title: string, body: (this: Mocha.Suite) => void): void {
  const missing = programs.filter((p) => findProgram(p) === null);
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const note = ` [needs ${missing.join(', ')}: ${missing.map(missingMessage).join('; ')}]`;
  if (!STRICT) {
    describe.skip(title + note, body);
    return;
  }
  describe(title, function () {
    before(() => {
      throw new Error(`${missing.map(missingMessage).join('; ')}, and REGISTRY_TEST_STRICT=1 requires every program`);
    });
    body.call(this);
  });
}
