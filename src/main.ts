#!/usr/bin/env node
// Entry point: `npm start` / `rbee-registry [--port N] [--bind ADDR] …`. Prints one line when ready and
// exits cleanly on SIGINT/SIGTERM.

import { readCommandLine, usageText } from './settings/cli.js';
import { RegistryServer, SettingError, SnapshotError, VERSION } from './server/server.js';

const USAGE = usageText([
  ['-h, --help', 'this text'],
  ['-v, --version', 'print the version and exit'],
]);

function fail(message: string): never {
  console.error(`rbee-registry: ${message}\nRun with --help for the options.`);
  process.exit(2);
}

let server: RegistryServer;
try {
  const { values, switches } = readCommandLine(process.argv.slice(2), process.env, [
    { name: 'help', short: 'h' },
    { name: 'version', short: 'v' },
  ]);
  if (switches.has('help')) {
    console.log(USAGE);
    process.exit(0);
  }
  if (switches.has('version')) {
    console.log(`rbee-registry ${VERSION}`);
    process.exit(0);
  }
  server = new RegistryServer({ settings: values });
} catch (e) {
  // A check across settings names the setting; a flag's own parse names the flag and the value.
  if (e instanceof SettingError) fail(/^[a-z]/.test(e.setting) && e.setting !== 'command line' ? `--${e.message}` : e.message);
  throw e;
}

try {
  const bound = await server.listen();
  console.log(`rbee-registry ${server.version} ready on ${server.settings.get('bind')}:${bound} (RESP2/RESP3, pid ${process.pid})`);
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
