#!/usr/bin/env node
// Entry point: `npm start` / `rbee-registry [--port N] [--bind ADDR] …`. Prints one line when ready and
// exits cleanly on SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { AclFileError, DEFAULT_BIND, DEFAULT_PORT, RegistryServer, SnapshotError } from './server/server.js';

const USAGE = `Usage: rbee-registry [options]
  --port N             TCP port (env REGISTRY_PORT; default ${DEFAULT_PORT}; 0 picks a free one)
  --bind ADDR          address to listen on (env REGISTRY_BIND; default ${DEFAULT_BIND})
  --requirepass PASS   password for the default user (env REGISTRY_PASSWORD; default none)
  --user "NAME RULES"  an ACL user in Redis' rule syntax, e.g. --user "gpu-a on >pw +@connection +hbeat ~worker:gpu-a-*" (repeatable)
  --aclfile FILE       ACL users in Redis' ACL file format (loaded at start, ACL LOAD, ACL SAVE); not with --user
  --maxclients N       most connections at once (default 10000)
  --offline-after MS   a worker is offline after this long without a heartbeat (default 30000)
  --evict-after MS     an offline worker is removed this long after its last heartbeat (default 300000; 0 = never)
  --expiry-guard PCT   stop evicting when more than PCT% of the online workers go offline within one window (default 50)
  --expiry-guard-min N the guard judges only windows starting with at least N online workers (default 2)
  --event-log N        events kept for EVENTS.READ (default 100000)
  --snapshot FILE      restore from FILE at start; write it on SAVE, at shutdown and periodically (default: off)
  --save-interval MS   periodic snapshot interval with --snapshot (default 60000; 0 = only SAVE and shutdown)
  --ignore-bad-snapshot  start empty when the snapshot is corrupt or unreadable instead of refusing to start
  --help               this text`;

function fail(message: string): never {
  console.error(`rbee-registry: ${message}\n${USAGE}`);
  process.exit(2);
}

function intOption(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    fail(`--${name} must be an integer >= ${min}, got '${value}'`);
  }
  return Number(value);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      bind: { type: 'string' },
      requirepass: { type: 'string' },
      user: { type: 'string', multiple: true },
      aclfile: { type: 'string' },
      maxclients: { type: 'string' },
      'offline-after': { type: 'string' },
      'evict-after': { type: 'string' },
      'expiry-guard': { type: 'string' },
      'expiry-guard-min': { type: 'string' },
      'event-log': { type: 'string' },
      snapshot: { type: 'string' },
      'save-interval': { type: 'string' },
      'ignore-bad-snapshot': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const port = intOption('port', values.port ?? process.env.REGISTRY_PORT, DEFAULT_PORT, 0);
if (port > 65535) fail(`--port must be at most 65535, got ${port}`);
const offlineAfterMs = intOption('offline-after', values['offline-after'], 30_000, 1);
const evictAfterMs = intOption('evict-after', values['evict-after'], Math.max(300_000, offlineAfterMs), 0);
if (evictAfterMs !== 0 && evictAfterMs < offlineAfterMs) fail(`--evict-after must be 0 or at least --offline-after (${offlineAfterMs})`);
const expiryGuardPercent = intOption('expiry-guard', values['expiry-guard'], 50, 0);
if (expiryGuardPercent > 100) fail(`--expiry-guard is a percentage, at most 100, got ${expiryGuardPercent}`);
let server: RegistryServer;
try {
  server = new RegistryServer({
    port,
    bind: values.bind ?? process.env.REGISTRY_BIND ?? DEFAULT_BIND,
    requirePass: values.requirepass ?? process.env.REGISTRY_PASSWORD ?? null,
    maxClients: intOption('maxclients', values.maxclients, 10_000, 1),
    offlineAfterMs,
    evictAfterMs,
    expiryGuardPercent,
    expiryGuardMinWorkers: intOption('expiry-guard-min', values['expiry-guard-min'], 2, 1),
    eventLogSize: intOption('event-log', values['event-log'], 100_000, 1),
    snapshotPath: values.snapshot ?? null,
    saveIntervalMs: intOption('save-interval', values['save-interval'], 60_000, 0),
    ignoreBadSnapshot: values['ignore-bad-snapshot'] ?? false,
    users: values.user ?? [],
    aclFile: values.aclfile ?? null,
  });
} catch (e) {
  if (!(e instanceof AclFileError)) throw e;
  console.error(`rbee-registry: ${e.message}`);
  process.exit(1);
}

try {
  const bound = await server.listen();
  const bind = values.bind ?? process.env.REGISTRY_BIND ?? DEFAULT_BIND;
  console.log(`rbee-registry ${server.version} ready on ${bind}:${bound} (RESP2/RESP3, pid ${process.pid})`);
} catch (e) {
  if (e instanceof SnapshotError) console.error(`rbee-registry: ${e.message} (start with --ignore-bad-snapshot to start empty instead)`);
  else console.error(`rbee-registry: cannot start: ${(e as Error).message}`);
  process.exit(1);
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`rbee-registry: ${signal} received, shutting down`);
  server.close().then(
    () => process.exit(0),
    (e) => {
      console.error(`rbee-registry: shutdown snapshot failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
