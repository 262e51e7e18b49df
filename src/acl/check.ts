// The permission check: may this user run this request — the command, the keys it names, the channels? One
// function for the dispatcher (every request, the HBEAT fast path included), EXEC and ACL DRYRUN.

import { commandKeys, keyAccess } from '../commands/keys.js';
import type { ArgReader } from '../commands/spec.js';
import type { ResolvedCommand } from '../commands/table.js';
import type { RequestFrame } from '../resp/decoder.js';
import { frameKeysMatch, keyPlan } from './frame-keys.js';
import type { AclUser } from './user.js';

export interface Denial {
  reason: 'command' | 'key' | 'channel';
  /** The command's full name, the key or the channel: ACL LOG's `object`. */
  object: string;
}

export function checkAccess(user: AclUser, command: ResolvedCommand, argc: number, arg: ArgReader): Denial | null {
  const spec = command.spec;
  // AUTH, HELLO, QUIT and RESET: a user must always be able to log in and out (Redis skips them too).
  if (!user.canRun(command.id, () => (argc > 1 && command.parent === null ? arg(1) : undefined)) && !spec.flags.includes('no-auth')) {
    return { reason: 'command', object: command.fullName };
  }
  if (!user.allKeys) {
    for (const { key, flags } of commandKeys(spec, argc, arg)) {
      const { read, write } = keyAccess(flags);
      if (!user.keyAllowed(key, read, write)) return { reason: 'key', object: key };
    }
  }
  if (!user.allChannels && spec.channels !== undefined) {
    const last = spec.channels.multiple ? argc - 1 : Math.min(argc - 1, spec.channels.index);
    for (let i = spec.channels.index; i <= last; i++) {
      const channel = arg(i);
      if (!user.channelAllowed(channel, spec.channels.pattern)) return { reason: 'channel', object: channel };
    }
  }
  return null;
}

/**
 * The hot path's key check, straight from the request's bytes by the index key specs (no argv, no key strings:
 * the user's patterns are compiled per key prefix into byte tests, frame-keys.ts). It may only say yes when
 * checkAccess would: anything it cannot judge this way answers false, and the request then takes the ordinary
 * path, whose checkAccess has the last word (HBEAT's JSON form, for one, is judged there).
 */
export function frameKeysAllowed(user: AclUser, command: ResolvedCommand, frame: RequestFrame): boolean {
  let plan = user.keyPlans[command.id];
  if (plan === undefined) user.keyPlans[command.id] = plan = keyPlan(user.keyPatterns, command.spec);
  return plan !== null && frameKeysMatch(plan, frame);
}

/** The error a client gets: Redis 7.2's short forms. */
export function denialError(user: AclUser, command: ResolvedCommand, d: Denial): string {
  if (d.reason === 'command') return `NOPERM User ${user.name} has no permissions to run the '${command.fullName}' command`;
  return d.reason === 'key' ? 'NOPERM No permissions to access a key' : 'NOPERM No permissions to access a channel';
}

/** ACL DRYRUN's verbose forms, naming the user and the key or channel. */
export function denialVerbose(user: AclUser, command: ResolvedCommand, d: Denial): string {
  if (d.reason === 'command') return `User ${user.name} has no permissions to run the '${command.fullName}' command`;
  return `User ${user.name} has no permissions to access the '${d.object}' ${d.reason}`;
}
