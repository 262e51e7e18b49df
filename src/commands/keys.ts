// Key extraction from the command specs: the one place that turns a request into the keys it touches, for
// COMMAND GETKEYS and for ACL key patterns (so the two cannot disagree).

import type { ArgReader, CommandSpec, KeyFlag, KeyRef, KeySpec } from './spec.js';
import { asciiUpper } from '../settings/values.js';

/** The keys a request names. `argc` counts the command name (and subcommand). */
export function commandKeys(spec: CommandSpec, argc: number, arg: ArgReader): KeyRef[] {
  if (spec.getKeys !== undefined) return spec.getKeys(argc, arg);
  if (spec.keySpecs === undefined) return [];
  return keysFromSpecs(spec.keySpecs, argc, arg);
}

export function keysFromSpecs(specs: readonly KeySpec[], argc: number, arg: ArgReader): KeyRef[] {
  const out: KeyRef[] = [];
  for (const ks of specs) {
    let first: number;
    if ('index' in ks.begin) first = ks.begin.index;
    else {
      const keyword = asciiUpper(ks.begin.keyword);
      first = -1;
      for (let i = ks.begin.startFrom; i < argc; i++) {
        if (asciiUpper(arg(i)) === keyword) {
          first = i + 1;
          break;
        }
      }
      if (first === -1) continue;
    }
    if (first >= argc) continue;
    const last = Math.min(argc - 1, ks.lastKey >= 0 ? first + ks.lastKey : argc + ks.lastKey);
    const step = ks.keyStep ?? 1;
    for (let i = first; i <= last; i += step) out.push({ key: ks.prefix + arg(i), flags: ks.flags });
  }
  return out;
}

export interface KeyAccess {
  read: boolean;
  write: boolean;
}

// Flag lists are constants of the specs: work each out once (the restricted worker's HBEAT asks on every beat).
const accessOf = new WeakMap<readonly KeyFlag[], KeyAccess>();

/** Which ACL permissions a key's flags need, as Redis: ACCESS reads; INSERT, UPDATE and DELETE write. */
export function keyAccess(flags: readonly KeyFlag[]): KeyAccess {
  let access = accessOf.get(flags);
  if (access === undefined) {
    // Without any of these flags (WATCH's RO), any pattern that matches the key will do, as in Redis.
    access = { read: flags.includes('ACCESS'), write: flags.includes('INSERT') || flags.includes('UPDATE') || flags.includes('DELETE') };
    accessOf.set(flags, access);
  }
  return access;
}

/**
 * Key specs for a command that declares none but names `key` arguments at fixed places (HGETALL key, OBJECT
 * ENCODING key, EXISTS key…): a write command writes them, any other reads them.
 */
export function keySpecsFromArguments(spec: CommandSpec, isSubcommand: boolean): KeySpec[] | undefined {
  const out: KeySpec[] = [];
  const flags: KeyFlag[] = spec.flags.includes('write') ? ['RW', 'UPDATE'] : ['RO', 'ACCESS'];
  let index = isSubcommand ? 2 : 1;
  for (const a of spec.arguments ?? []) {
    if (a.type === 'key') out.push({ prefix: '', begin: { index }, lastKey: a.multiple ? -1 : 0, flags });
    // Past an optional, repeated or keyword argument the places are no longer fixed.
    if (a.optional || a.multiple || a.token !== undefined || a.type === 'block' || a.type === 'oneof') break;
    index++;
  }
  return out.length > 0 ? out : undefined;
}

/** Key specs of a registry command taking one id at `index`. */
export const workerKey = (index: number, flags: KeyFlag[]): KeySpec => ({
  prefix: 'worker:',
  begin: { index },
  lastKey: 0,
  flags,
  notes: 'the key is worker:<worker_id>',
});
export const hiveKey = (index: number, flags: KeyFlag[]): KeySpec => ({
  prefix: 'hive:',
  begin: { index },
  lastKey: 0,
  flags,
  notes: 'the key is hive:<hive_id>',
});
