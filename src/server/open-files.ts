// The process' open-file limit (RLIMIT_NOFILE) and what it leaves for clients. Past it, accept() fails and
// connections are reset without a word; Redis lowers maxclients to fit (adjustOpenFilesLimit) and so do we.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Descriptors kept for everything but clients, as Redis' CONFIG_MIN_RESERVED_FDS: listeners, snapshot and log
 * files, and Node's own (about 21 at start on Linux: stdio, epoll, eventfds, the libuv signal pipes).
 */
export const RESERVED_FDS = 32;

/**
 * The soft limit on open descriptors, Infinity when unlimited, or an Error saying why it could not be read.
 * Node has no getrlimit. On Linux this process' own limits file says it exactly and cheaply (a synchronous read,
 * no program needed); elsewhere a shell child reports the limit it inherited from us (`ulimit -n`), which is
 * the same number. Read after Node has started: Node raises its soft limit to the hard one at start, which
 * is all Redis' setrlimit attempt could do without privileges.
 */
export function openFilesLimit(): number | Error {
  let text: string | null = null;
  try {
    text = readFileSync('/proc/self/limits', 'latin1');
  } catch {
    // Not Linux (or no /proc mounted): ask a shell.
  }
  if (text !== null) {
    const m = /^Max open files\s+(\S+)/m.exec(text);
    if (m !== null) return parseLimit(m[1]!) ?? new Error(`unexpected soft limit '${m[1]}' in /proc/self/limits`);
  }
  const sh = spawnSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'latin1', timeout: 5000 });
  if (sh.error !== undefined) return sh.error;
  return parseLimit(sh.stdout.trim()) ?? new Error(`unexpected output of 'ulimit -n': '${sh.stdout.trim()}'`);
}

function parseLimit(text: string): number | null {
  if (text === 'unlimited') return Infinity;
  return /^[0-9]+$/.test(text) ? Number(text) : null;
}

export interface MaxClientsFit {
  maxclients: number;
  /** Lines for the log (Redis' words), warnings all. */
  warnings: string[];
  /** Set when the limit leaves no room for any client: the server must not start. */
  fatal?: string;
}

/** maxclients lowered to what `limit` allows, and what to log about it (Redis' adjustOpenFilesLimit). */
export function fitMaxClients(requested: number, limit: number | Error): MaxClientsFit {
  const needed = requested + RESERVED_FDS;
  if (limit instanceof Error) {
    const maxclients = Math.min(requested, 1024 - RESERVED_FDS);
    return {
      maxclients,
      warnings: [
        `Unable to obtain the current NOFILE limit (${limit.message}), assuming 1024 and setting the max clients configuration accordingly.`,
      ],
    };
  }
  if (limit >= needed) return { maxclients: requested, warnings: [] };
  if (limit <= RESERVED_FDS) {
    const fatal =
      `Your current 'ulimit -n' of ${limit} is not enough for the server to start. ` +
      `Please increase your open file limit to at least ${needed}. Exiting.`;
    return { maxclients: requested, warnings: [fatal], fatal };
  }
  const maxclients = limit - RESERVED_FDS;
  return {
    maxclients,
    warnings: [
      `You requested maxclients of ${requested} requiring at least ${needed} max file descriptors.`,
      // Redis tries setrlimit here; Node already raised the soft limit to the hard one at start, the most an
      // unprivileged process may have.
      `Server can't set maximum open files to ${needed}: only a privileged process can raise the hard limit.`,
      `Current maximum open files is ${limit}. maxclients has been reduced to ${maxclients} to compensate for low ulimit. ` +
        `If you need higher maxclients increase 'ulimit -n'.`,
    ],
  };
}

/** Why CONFIG SET maxclients `value` is refused (Redis' words), or undefined when the limit allows it. */
export function maxClientsRefusal(value: number): string | undefined {
  const fit = fitMaxClients(value, openFilesLimit());
  if (fit.maxclients >= value && fit.fatal === undefined) return undefined;
  return `The operating system is not able to handle the specified number of clients, try with ${fit.fatal === undefined ? fit.maxclients : 0}`;
}
