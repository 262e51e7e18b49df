// The kinds of setting (integer, memory size, yes/no, one of some words, text, or a parser of its own): what
// a row of the settings table is, the builders the table uses, and how a row's default and range read in docs.

import { formatMemory, parseEnum, parseInteger, parseMemory, parseYesNo, type IntRange } from './values.js';

export type SettingType = 'int' | 'memory' | 'bool' | 'enum' | 'string';

/** Reads another setting's value (for defaults and checks that depend on it). */
export type Lookup = (name: string) => unknown;

export interface Setting<N extends string = string, T = unknown> {
  /** The CONFIG name, and the flag's name unless `flag` is false. */
  readonly name: N;
  readonly type: SettingType;
  /** The placeholder in --help (`N`, `MS`, `BYTES`…); absent for a switch (a bool flag without a value). */
  readonly arg?: string;
  /** false: no command-line flag (CONFIG only). */
  readonly flag?: false;
  readonly env?: string;
  /** false: not visible to CONFIG GET/SET (a secret, or a start-up-only switch). */
  readonly config?: false;
  readonly mutable: boolean;
  readonly doc: string;
  readonly range?: IntRange;
  readonly values?: readonly string[];
  readonly default: T | ((get: Lookup) => T);
  /** The default as documented, when it depends on the machine or on another setting. */
  readonly defaultDoc?: string;
  /** The range as documented, beyond what `range` says (`0, or at least --offline-after`). */
  readonly rangeDoc?: string;
  /** The flag may be given more than once; the values parsed from each are concatenated (arrays). */
  readonly multiple?: true;
  /** `current`: the value now, for a setting given in parts (client-output-buffer-limit names some classes). */
  parse(text: string, current?: T): T;
  format(value: T): string;
  /** A check against other settings; returns why the value is refused, or undefined. */
  check?(value: T, get: Lookup): string | undefined;
}

type Options<N extends string, T> = Omit<Setting<N, T>, 'name' | 'type' | 'parse' | 'format'> &
  Partial<Pick<Setting<N, T>, 'parse' | 'format'>>;

export function int<N extends string>(name: N, o: Options<N, number> & { range: IntRange }): Setting<N, number> {
  return { name, type: 'int', arg: 'N', parse: (t) => parseInteger(t, o.range), format: String, ...o };
}

export function memory<N extends string>(name: N, o: Options<N, number> & { range: IntRange }): Setting<N, number> {
  return { name, type: 'memory', arg: 'BYTES', parse: (t) => parseMemory(t, o.range), format: String, ...o };
}

export function bool<N extends string>(name: N, o: Options<N, boolean>): Setting<N, boolean> {
  return { name, type: 'bool', parse: parseYesNo, format: (v) => (v ? 'yes' : 'no'), ...o };
}

export function oneOf<N extends string>(name: N, o: Options<N, string> & { values: readonly string[] }): Setting<N, string> {
  return { name, type: 'enum', arg: 'NAME', parse: (t) => parseEnum(t, o.values), format: String, ...o };
}

export function text<N extends string>(name: N, o: Options<N, string>): Setting<N, string> {
  return { name, type: 'string', arg: 'TEXT', parse: (t) => t, format: String, ...o };
}

/** A setting with its own parser and format. */
export function custom<N extends string, T>(name: N, o: Omit<Setting<N, T>, 'name'>): Setting<N, T> {
  return { name, ...o };
}

/** The value refused, the setting named: `--event-log 99999999999: argument must be between …`. */
export class SettingError extends Error {
  constructor(
    readonly setting: string,
    readonly reason: string,
  ) {
    super(`${setting}: ${reason}`);
  }
}

export function checkRange(s: Setting, value: unknown): string | undefined {
  if (s.range === undefined || typeof value !== 'number') return undefined;
  if (!Number.isSafeInteger(value) || value < s.range.min || value > s.range.max) {
    return `argument must be between ${s.range.min} and ${s.range.max} inclusive`;
  }
  return undefined;
}

/** How the default reads in docs and --help. */
export function defaultText(s: Setting): string {
  if (s.defaultDoc !== undefined) return s.defaultDoc;
  const d = s.default;
  if (typeof d === 'boolean') return d ? 'yes' : 'no';
  if (s.type === 'memory' && typeof d === 'number') return d === 0 ? '0' : formatMemory(d);
  return String(d);
}

/** The range as docs and --help say it. */
export function rangeText(s: Setting): string {
  if (s.rangeDoc !== undefined) return s.rangeDoc;
  if (s.values !== undefined) return s.values.join(', ');
  if (s.type === 'bool') return 'yes, no';
  if (s.range === undefined) return '';
  const units = s.type === 'memory' ? ' (units: 1k 1kb 1m 1mb 1g 1gb)' : '';
  if (s.range.min === s.range.max) return `always ${s.range.min}`;
  if (s.range.max >= Number.MAX_SAFE_INTEGER) return `${s.range.min} or more${units}`;
  return `${s.range.min} to ${s.type === 'memory' ? formatMemory(s.range.max) : s.range.max}${units}`;
}
