// The server's log: Redis' levels (`--loglevel debug|verbose|notice|warning`) and line format
// (`pid:M 29 Nov 2026 12:13:51.123 * message`), to stdout or appended to `--logfile`.

import { appendFileSync } from 'node:fs';
import type { Log, LogLevel } from '../commands/context.js';

export type { Log, LogLevel };
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'verbose', 'notice', 'warning'];

/** Redis' level marks, in LOG_LEVELS order. */
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Redis' timestamp: local time, `29 Nov 2026 12:13:51.123`. */
export function formatLogTime(d: Date): string {
  return (
    `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`
  );
}

export interface LoggerOptions {
  level?: LogLevel;
  /** File to append to; empty or absent: standard output. */
  file?: string;
  /** Where lines go when there is no file (tests capture them). Default: process.stdout. */
  write?: (line: string) => void;
  now?: () => Date;
}

export class Logger implements Log {
  level: LogLevel;
  readonly file: string;
  private readonly write: (line: string) => void;
  private readonly now: () => Date;

  constructor(options: LoggerOptions = {}) {
    this.level = options.level ?? 'notice';
    this.file = options.file ?? '';
    this.now = options.now ?? (() => new Date());
    if (this.file !== '') {
      const file = this.file;
      // Opened for each line, as Redis does: a rotated file (moved away, then SIGHUP or nothing at all) is
      // recreated at the next line, and lines are few (nothing per heartbeat at notice). A line that cannot be
      // written (disk full) is dropped rather than taking the server down.
      this.write = (line) => {
        try {
          appendFileSync(file, line);
        } catch {
          // Nowhere left to report it.
        }
      };
    } else this.write = options.write ?? ((line) => void process.stdout.write(line));
  }

  /** Throws when the log file cannot be opened for appending: a start with a bad --logfile should say so. */
  check(): void {
    if (this.file !== '') appendFileSync(this.file, '');
  }

  enabled(level: LogLevel): boolean {
    return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.level);
  }

  log(level: LogLevel, message: string): void {
    const rank = LOG_LEVELS.indexOf(level);
    if (rank < LOG_LEVELS.indexOf(this.level)) return;
    this.write(`${process.pid}:M ${formatLogTime(this.now())} ${MARKS[rank]} ${message}\n`);
  }

  debug(message: string): void {
    this.log('debug', message);
  }
  verbose(message: string): void {
    this.log('verbose', message);
  }
  notice(message: string): void {
    this.log('notice', message);
  }
  warning(message: string): void {
    this.log('warning', message);
  }
}

/** A log that keeps only warnings, on standard error: in-process servers (tests, embedding) stay quiet. */
export function warningsToStderr(): Logger {
  return new Logger({ level: 'warning', write: (line) => void process.stderr.write(line) });
}
