#!/usr/bin/env node
// Entry point: `npm start` / `rbee-registry [--port N] [--bind ADDR] …`. Prints one line when ready and
// exits cleanly on SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { DEFAULT_BIND, DEFAULT_PORT, RegistryServer, SnapshotError } from './server/server.js';
import { LOG_LEVELS, Logger, type LogLevel } from './server/log.js';

const USAGE = `Usage: rbee-registry [options]
  --port N             TCP port (env REGISTRY_PORT; default ${DEFAULT_PORT}; 0 picks a free one)
  --bind ADDR          address to listen on (env REGISTRY_BIND; default ${DEFAULT_BIND})
  --requirepass PASS   password for the default user (env REGISTRY_PASSWORD; default none)
  --maxclients N       most connections at once (default 10000)
  --offline-after MS   a worker is offline after this long without a heartbeat (default 30000)
  --evict-after MS     an offline worker is removed this long after its last heartbeat (default 300000; 0 = never)
  --expiry-guard PCT   stop evicting when more than PCT% of the online workers go offline within one window (default 50)
  --expiry-guard-min N the guard judges only windows starting with at least N online workers (default 2)
  --event-log N        events kept for EVENTS.READ (default 100000)
  --snapshot FILE      restore from FILE at start; write it on SAVE, at shutdown and periodically (default: off)
  --save-interval MS   periodic snapshot interval with --snapshot (default 60000; 0 = only SAVE and shutdown)
  --ignore-bad-snapshot  start empty when the snapshot is corrupt or unreadable instead of refusing to start
  --loglevel LEVEL     debug, verbose, notice or warning, as Redis (default notice)
  --logfile FILE       append the log to FILE (default: empty, standard output)
  --log-slower-than MS log commands that take at least MS milliseconds (default 100; 0 = none)
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
      maxclients: { type: 'string' },
      'offline-after': { type: 'string' },
      'evict-after': { type: 'string' },
      'expiry-guard': { type: 'string' },
      'expiry-guard-min': { type: 'string' },
      'event-log': { type: 'string' },
      snapshot: { type: 'string' },
      'save-interval': { type: 'string' },
      'ignore-bad-snapshot': { type: 'boolean' },
      loglevel: { type: 'string' },
      logfile: { type: 'string' },
      'log-slower-than': { type: 'string' },
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
const logLevel = (values.loglevel ?? 'notice').toLowerCase() as LogLevel;
if (!LOG_LEVELS.includes(logLevel)) fail(`--loglevel must be one of ${LOG_LEVELS.join(', ')}, got '${values.loglevel}'`);
const logger = new Logger({ level: logLevel, file: values.logfile ?? '' });
try {
  logger.check();
} catch (e) {
  fail(`--logfile: cannot open '${values.logfile}' for appending: ${(e as Error).message}`);
}
const logSlowerThanMs = intOption('log-slower-than', values['log-slower-than'], 100, 0);
const server = new RegistryServer({
  logger,
  logSlowerThanMs,
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
});

// Handlers first: a signal sent as soon as the ready line is read must find them in place.
let stopping = false;
let ready = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.warning(`Received ${signal} scheduling shutdown...`);
  if (!ready) {
    // Still restoring: nothing has changed since the snapshot, so there is nothing to save.
    logger.warning('Not ready yet: exiting without saving (nothing changed since the snapshot)');
    process.exit(0);
  }
  server.close().then(
    () => {
      logger.notice('rbee-registry is now ready to exit, bye bye...');
      process.exit(0);
    },
    (e) => {
      logger.warning(`Shutdown snapshot failed: ${(e as Error).message}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
// A closed terminal or a dropped ssh session must not take the registry down (Redis ignores SIGHUP too). The
// log file is reopened at every line, so a rotated log needs nothing more.
process.on('SIGHUP', () => logger.notice('Received SIGHUP: ignored (the log file is reopened at each line)'));

logger.notice(`rbee-registry version=${server.version}, node=${process.version}, pid=${process.pid}, just started`);
try {
  const bound = await server.listen();
  const bind = values.bind ?? process.env.REGISTRY_BIND ?? DEFAULT_BIND;
  const changed = Object.entries(values)
    .filter(([name]) => name !== 'requirepass' && name !== 'help')
    .map(([name, value]) => (value === true ? `--${name}` : `--${name} ${value}`));
  logger.notice(`Ready to accept connections tcp on ${bind}:${bound}, version ${server.version}; settings not at their defaults: ${changed.join(' ') || 'none'}`);
  ready = true;
  console.log(`rbee-registry ${server.version} ready on ${bind}:${bound} (RESP2/RESP3, pid ${process.pid})`);
} catch (e) {
  const why = e instanceof SnapshotError ? `${e.message} (start with --ignore-bad-snapshot to start empty instead)` : `cannot start: ${(e as Error).message}`;
  logger.warning(why);
  // Also on standard error, where whoever started it looks first.
  console.error(`rbee-registry: ${why}`);
  process.exit(1);
}
