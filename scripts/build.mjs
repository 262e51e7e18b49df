#!/usr/bin/env node
// Compiles the TypeScript into dist/. `--if-stale` (npm start, npm test, ...) compiles only when an input changed
// since the last build, so starting after the first build costs no compile. Every build also deletes compiled
// files whose source is gone: mocha's globs would otherwise keep running a deleted or renamed test.
// Plain JavaScript because it runs before anything is compiled; tsc's own --incremental still spends seconds
// loading the compiler to find out that nothing changed.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(root, 'dist');
const STAMP = path.join(OUT, '.build-stamp.json');
/** Folders compiled by tsconfig.json's "include", and files whose change can change the output. */
const SOURCE_DIRS = ['src', 'test', 'bench'];
const CONFIG_FILES = ['tsconfig.json', 'package-lock.json'];
/** Plain files the server serves as they are (the dashboard: no build step of its own), copied into dist/. */
const ASSET_DIRS = ['src/server/dashboard'];

/** Every file under `dir` (relative to root) whose name passes `keep`. */
function walk(dir, keep, out = []) {
  let entries;
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) walk(rel, keep, out);
    else if (keep(e.name)) out.push(rel);
  }
  return out;
}

const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.d.ts');

function sources() {
  return SOURCE_DIRS.flatMap((d) => walk(d, isSource)).sort();
}

function assets() {
  return ASSET_DIRS.flatMap((d) => walk(d, () => true)).sort();
}

/** Why a build is needed, or null when dist/ is up to date with every input. */
function staleness(files) {
  if (!existsSync(STAMP)) return 'no previous build';
  let stamp;
  try {
    stamp = { ...JSON.parse(readFileSync(STAMP, 'utf8')), mtimeMs: statSync(STAMP).mtimeMs };
  } catch {
    return 'unreadable build stamp';
  }
  if (JSON.stringify(stamp.sources) !== JSON.stringify(files)) return 'source files added or removed';
  if (JSON.stringify(stamp.assets) !== JSON.stringify(assets())) return 'asset files added or removed';
  for (const f of [...files, ...assets(), ...CONFIG_FILES]) {
    const p = path.join(root, f);
    if (existsSync(p) && statSync(p).mtimeMs > stamp.mtimeMs) return `${f} changed`;
  }
  return null;
}

/** Deletes dist/ outputs (.js, .js.map, .d.ts) of sources that no longer exist. */
function pruneOrphans(files) {
  const live = new Set(files.map((f) => f.replace(/\.ts$/, '')));
  let pruned = 0;
  for (const dir of SOURCE_DIRS) {
    for (const out of walk(path.join('dist', dir), (n) => /\.(js|js\.map|d\.ts)$/.test(n))) {
      if (ASSET_DIRS.some((a) => out.startsWith(path.join('dist', a) + path.sep))) continue;
      const base = path.relative('dist', out).replace(/\.(js|js\.map|d\.ts)$/, '');
      if (!live.has(base)) {
        rmSync(path.join(root, out));
        pruned++;
      }
    }
  }
  return pruned;
}

/**
 * Compiles (only when stale with `ifStale`), prunes orphans and stamps the build. Returns the exit status: 0, or
 * tsc's own when it failed (its messages are already printed).
 */
export function build({ ifStale = false } = {}) {
  const files = sources();
  if (ifStale && staleness(files) === null) return 0;
  // The stamp gets the time the build started, so a file saved during the compile counts as changed next time.
  const startedAt = new Date();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) return result.status ?? 1;
  const pruned = pruneOrphans(files);
  if (pruned > 0) console.error(`build: removed ${pruned} compiled file(s) whose source is gone`);
  for (const dir of ASSET_DIRS) {
    rmSync(path.join(OUT, dir), { recursive: true, force: true });
    cpSync(path.join(root, dir), path.join(OUT, dir), { recursive: true });
  }
  writeFileSync(STAMP, JSON.stringify({ sources: files, assets: assets() }) + '\n');
  utimesSync(STAMP, startedAt, startedAt);
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = build({ ifStale: process.argv.includes('--if-stale') });
}
