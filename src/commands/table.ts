// The command table: every command module's spec, looked up case-insensitively. Nothing else in the server
// knows a command by name.

import { asciiLower, asciiUpper } from '../settings/values.js';
import type { CommandSpec } from './spec.js';
import { CommandStats } from './ops/stats.js';
import { keySpecsFromArguments } from './keys.js';

export interface ResolvedCommand {
  spec: CommandSpec;
  /** `hbeat`, or `client|id` for a subcommand: the name Redis uses in errors and COMMAND INFO. */
  fullName: string;
  subcommands: Map<string, ResolvedCommand> | null;
  /** This server's counters for the command (INFO commandstats, /metrics). */
  readonly stats: CommandStats;
  /** Dense number of this command or subcommand: its bit in each ACL user's command bitmap. */
  id: number;
  /** The container of a subcommand, null for a top-level command. */
  parent: ResolvedCommand | null;
}

export class CommandTable {
  private readonly byName = new Map<string, ResolvedCommand>();
  /** The same commands by their upper-case names, as clients usually send them: found without folding. */
  private readonly byUpperName = new Map<string, ResolvedCommand>();
  /** Every command and subcommand by id. */
  readonly byId: ResolvedCommand[] = [];
  /** Top-level specs sorted by name. */
  readonly specs: readonly CommandSpec[];

  constructor(specs: readonly CommandSpec[]) {
    this.specs = [...specs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const spec of this.specs) {
      const key = spec.name.toLowerCase();
      if (this.byName.has(key)) throw new Error(`duplicate command ${spec.name}`);
      spec.keySpecs ??= keySpecsFromArguments(spec, false);
      const top: ResolvedCommand = {
        spec,
        fullName: key,
        subcommands: null,
        id: this.byId.length,
        parent: null,
        stats: new CommandStats(),
      };
      this.byId.push(top);
      if (spec.subcommands) {
        const subcommands = new Map<string, ResolvedCommand>();
        for (const sub of spec.subcommands) {
          const subKey = sub.name.toLowerCase();
          sub.keySpecs ??= keySpecsFromArguments(sub, true);
          const resolved: ResolvedCommand = {
            spec: sub,
            fullName: `${key}|${subKey}`,
            subcommands: null,
            id: this.byId.length,
            parent: top,
            stats: new CommandStats(),
          };
          this.byId.push(resolved);
          subcommands.set(subKey, resolved);
        }
        top.subcommands = subcommands;
      }
      if (!spec.handler && !top.subcommands) throw new Error(`command ${spec.name} has neither handler nor subcommands`);
      this.byName.set(key, top);
      this.byUpperName.set(asciiUpper(key), top);
    }
  }

  lookup(name: string): ResolvedCommand | undefined {
    return this.byName.get(name) ?? this.byUpperName.get(name) ?? this.byName.get(asciiLower(name));
  }

  /** Every command and subcommand with its stats, for INFO commandstats and /metrics. */
  allResolved(): readonly ResolvedCommand[] {
    return this.byId;
  }

  /** `name` or `container|sub`, case-insensitively. */
  find(name: string): ResolvedCommand | undefined {
    const bar = name.indexOf('|');
    if (bar === -1) return this.lookup(name);
    const sub = asciiLower(name.slice(bar + 1));
    if (sub.includes('|')) return undefined;
    return this.lookup(name.slice(0, bar))?.subcommands?.get(sub);
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
