#!/usr/bin/env node
// Entry point: `npm start` / `rbee-registry [--port N] [--bind ADDR] …`. Prints one line when ready and
// exits cleanly on SIGINT/SIGTERM.

import { parseArgs } from 'node:util';
import { DEFAULT_BIND, DEFAULT_PORT, RegistryServer } from './server/server.js';

const USAGE = `Usage: rbee-registry [options]
  --port N             TCP port (env REGISTRY_PORT; default ${DEFAULT_PORT}; 0 picks a free one)
  --bind ADDR          address to listen on (env REGISTRY_BIND; default ${DEFAULT_BIND})
  --requirepass PASS   password for the default user (env REGISTRY_PASSWORD; default none)
  --maxclients N       most connections at once (default 10000)
  --offline-after MS   a worker is offline after this long without a heartbeat (default 30000)
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
const server = new RegistryServer({
  port,
  bind: values.bind ?? process.env.REGISTRY_BIND ?? DEFAULT_BIND,
  requirePass: values.requirepass ?? process.env.REGISTRY_PASSWORD ?? null,
  maxClients: intOption('maxclients', values.maxclients, 10_000, 1),
  offlineAfterMs: intOption('offline-after', values['offline-after'], 30_000, 1),
});

try {
  const bound = await server.listen();
  const bind = values.bind ?? process.env.REGISTRY_BIND ?? DEFAULT_BIND;
  console.log(`rbee-registry ${server.version} ready on ${bind}:${bound} (RESP2/RESP3, pid ${process.pid})`);
} catch (e) {
  console.error(`rbee-registry: cannot listen: ${(e as Error).message}`);
  process.exit(1);
}

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`rbee-registry: ${signal} received, shutting down`);
  server.close().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
