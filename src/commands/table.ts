// The command table: every command module's spec, looked up case-insensitively. Nothing else in the server
// knows a command by name.

import { asciiLower } from '../settings/values.js';
import type { CommandSpec } from './spec.js';

export interface ResolvedCommand {
  spec: CommandSpec;
  /** `hbeat`, or `client|id` for a subcommand: the name Redis uses in errors and COMMAND INFO. */
  fullName: string;
  subcommands: Map<string, ResolvedCommand> | null;
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
          subcommands.set(subKey, { spec: sub, fullName: `${key}|${subKey}`, subcommands: null });
        }
      }
      if (!spec.handler && !subcommands) throw new Error(`command ${spec.name} has neither handler nor subcommands`);
      this.byName.set(key, { spec, fullName: key, subcommands });
    }
  }

  lookup(name: string): ResolvedCommand | undefined {
    return this.byName.get(name) ?? this.byName.get(asciiLower(name));
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
