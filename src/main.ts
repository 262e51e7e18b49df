#!/usr/bin/env node
// Entry point: `npm start` / `rbee-registry [--port N] [--bind ADDR] …`. Prints one line when ready and
// exits cleanly on SIGINT/SIGTERM.

import { readCommandLine, usageText } from './settings/cli.js';
import { AclFileError, RegistryServer, SettingError, SnapshotError, VERSION } from './server/server.js';
import { Logger } from './server/log.js';
import { SETTINGS, Settings, type SettingName } from './settings/settings.js';

const USAGE = usageText([
  ['-h, --help', 'this text'],
  ['-v, --version', 'print the version and exit'],
]);

function fail(message: string): never {
  console.error(`rbee-registry: ${message}\nRun with --help for the options.`);
  process.exit(2);
}

let server: RegistryServer;
let logger: Logger;
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
  logger = new Logger({ level: values.loglevel as Logger['level'] | undefined, file: values.logfile ?? '' });
  try {
    logger.check();
  } catch (e) {
    fail(`--logfile: cannot open ${values.logfile} for appending: ${(e as Error).message}`);
  }
  server = new RegistryServer({ settings: values, logger, onExit: (code) => process.exit(code) });
} catch (e) {
  // A check across settings names the setting; a flag's own parse names the flag and the value.
  if (e instanceof SettingError) fail(/^[a-z]/.test(e.setting) && e.setting !== 'command line' ? `--${e.message}` : e.message);
  if (e instanceof AclFileError) {
    console.error(`rbee-registry: ${e.message}`);
    process.exit(1);
  }
  throw e;
}

let stopping = false;
let ready = false;
const stop = (signal: 'SIGINT' | 'SIGTERM') => {
  if (stopping) {
    // As Redis: a second Ctrl-C while the final save runs means "now", without it.
    if (signal === 'SIGINT') {
      logger.warning('You insist... exiting now.');
      process.exit(1);
    }
    return;
  }
  stopping = true;
  logger.warning(`Received ${signal} scheduling shutdown...`);
  if (!ready) {
    // Still restoring: nothing has changed since the snapshot, so there is nothing to save.
    logger.warning('Not ready yet: exiting without saving (nothing changed since the snapshot)');
    process.exit(0);
  }
  server.shutdown({ save: null, force: false, origin: signal }).then(
    (exited) => {
      // Not exited: the save failed, the server goes on serving, and the next signal tries again.
      if (!exited) stopping = false;
    },
    (e) => {
      logger.warning(`Shutdown failed: ${(e as Error).stack ?? e}`);
      process.exit(1);
    },
  );
};
// Handlers first: a signal sent as soon as the ready line is read must find them in place.
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
// A closed terminal or a dropped ssh session must not take the registry down (Redis ignores SIGHUP too). The
// log file is reopened at every line, so a rotated log needs nothing more.
process.on('SIGHUP', () => logger.notice('Received SIGHUP: ignored (the log file is reopened at each line)'));

/** `--name value` for each setting not at its default (the password left out). */
function changedSettings(): string {
  const defaults = new Settings();
  return SETTINGS.filter(
    (s) => s.name !== 'requirepass' && s.name !== 'port' && server.settings.text(s.name) !== defaults.text(s.name as SettingName),
  )
    .map((s) => `${s.name}=${server.settings.text(s.name)}`)
    .join(' ');
}

logger.notice(`rbee-registry version=${server.version}, node=${process.version}, pid=${process.pid}, just started`);
try {
  const bound = await server.listen();
  const address = `${server.settings.get('bind')}:${bound}`;
  logger.notice(
    `Ready to accept connections tcp on ${address}, version ${server.version}; settings not at their defaults: ${changedSettings() || 'none'}`,
  );
  ready = true;
  const http =
    server.settings.get('http-port') >= 0
      ? `, dashboard on http://${server.settings.get('bind')}:${server.httpPort}/ (metrics at /metrics)`
      : '';
  console.log(`rbee-registry ${server.version} ready on ${address} (RESP2/RESP3, pid ${process.pid})${http}`);
} catch (e) {
  const why =
    e instanceof SnapshotError
      ? `${e.message} (start with --ignore-bad-snapshot to start empty instead)`
      : `cannot start: ${(e as Error).message}`;
  logger.warning(why);
  // Also on standard error, where whoever started it looks first.
  console.error(`rbee-registry: ${why}`);
  process.exit(1);
}
