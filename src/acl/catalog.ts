// What ACL rules can name: every command and subcommand (by the dense id the command table gives it) and the
// categories, Redis' own plus the registry's. Built once from the command table.

import type { CommandTable, ResolvedCommand } from '../commands/table.js';
import { asciiLower } from '../settings/values.js';

/** Redis 7.2's categories in ACL CAT order, then ours. */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
  'registry',
  'heartbeat',
] as const;

export class CommandCatalog {
  readonly size: number;
  private readonly byCategory = new Map<string, number[]>();

  constructor(readonly table: CommandTable) {
    this.size = table.byId.length;
    for (const cat of ACL_CATEGORIES) this.byCategory.set(cat, []);
    for (const cmd of table.byId) {
      for (const cat of cmd.spec.aclCategories) {
        const ids = this.byCategory.get(cat);
        if (ids === undefined) throw new Error(`command ${cmd.fullName} has unknown ACL category @${cat}`);
        ids.push(cmd.id);
      }
    }
  }

  /** Ids of a category's commands, or undefined for an unknown category (case-insensitive, no '@'). */
  category(name: string): readonly number[] | undefined {
    return this.byCategory.get(asciiLower(name));
  }

  /** `name` or `container|sub`. */
  command(name: string): ResolvedCommand | undefined {
    return this.table.find(name);
  }

  /** The command and, for a container, all its subcommands. */
  idsOf(cmd: ResolvedCommand): number[] {
    const ids = [cmd.id];
    if (cmd.subcommands !== null) for (const sub of cmd.subcommands.values()) ids.push(sub.id);
    return ids;
  }
}
