// The command table: every command module's spec, looked up case-insensitively. Nothing else in the server
// knows a command by name.

import type { CommandSpec } from './spec.js';
import { CommandStats } from './ops/stats.js';

export interface ResolvedCommand {
  spec: CommandSpec;
  /** `hbeat`, or `client|id` for a subcommand: the name Redis uses in errors and COMMAND INFO. */
  fullName: string;
  subcommands: Map<string, ResolvedCommand> | null;
  /** This server's counters for the command (INFO commandstats, /metrics). */
  readonly stats: CommandStats;
}

export class CommandTable {
  private readonly byName = new Map<string, ResolvedCommand>();
  /** Top-level specs sorted by name. */
  readonly specs: readonly CommandSpec[];

  constructor(specs: readonly CommandSpec[]) {
    this.specs = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const spec of this.specs) {
      const key = spec.name.toLowerCase();
      if (this.byName.has(key)) throw new Error(`duplicate command ${spec.name}`);
      let subcommands: Map<string, ResolvedCommand> | null = null;
      if (spec.subcommands) {
        subcommands = new Map();
        for (const sub of spec.subcommands) {
          const subKey = sub.name.toLowerCase();
          subcommands.set(subKey, { spec: sub, fullName: `${key}|${subKey}`, subcommands: null, stats: new CommandStats() });
        }
      }
      if (!spec.handler && !subcommands) throw new Error(`command ${spec.name} has neither handler nor subcommands`);
      this.byName.set(key, { spec, fullName: key, subcommands, stats: new CommandStats() });
    }
  }

  lookup(name: string): ResolvedCommand | undefined {
    return this.byName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  /** A command or subcommand by its full name (`hbeat`, `client|id`). */
  resolveName(fullName: string): ResolvedCommand | undefined {
    const bar = fullName.indexOf('|');
    if (bar < 0) return this.byName.get(fullName);
    return this.byName.get(fullName.slice(0, bar))?.subcommands?.get(fullName.slice(bar + 1));
  }

  /** Every command and subcommand with its stats, for INFO commandstats and /metrics. */
  *allResolved(): Generator<ResolvedCommand> {
    for (const cmd of this.byName.values()) {
      yield cmd;
      if (cmd.subcommands) yield* cmd.subcommands.values();
    }
  }

  get size(): number {
    return this.byName.size;
  }

  /** Every command and subcommand, as `name` or `container|sub`. */
  allNames(): string[] {
    const out: string[] = [];
    for (const cmd of this.byName.values()) {
      out.push(cmd.fullName);
      if (cmd.subcommands) for (const sub of cmd.subcommands.values()) out.push(sub.fullName);
    }
    return out;
  }

  entries(): IterableIterator<ResolvedCommand> {
    return this.byName.values();
  }
}
