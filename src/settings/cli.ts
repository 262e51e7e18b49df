// The command line and the docs made from the settings list: flags for node:util's parseArgs, the --help
// text, values from flags and env variables, and COMMANDS.md's settings table.

import { parseArgs } from 'node:util';
import { defaultText, rangeText, SETTINGS, SettingError, type AnySetting, type SettingValues } from './settings.js';
import { quote, ValueError } from './values.js';

const withFlag = SETTINGS.filter((s) => s.flag !== false);

/** A bool setting is a switch on the command line (`--ignore-bad-snapshot`); every other flag takes a value. */
const isSwitch = (s: AnySetting) => s.type === 'bool';

function flagSynopsis(s: AnySetting): string {
  return isSwitch(s) ? `--${s.name}` : `--${s.name} ${s.arg}`;
}

/** The --help text. */
export function usageText(extra: ReadonlyArray<[flag: string, doc: string]> = []): string {
  const rows: Array<[string, string]> = withFlag.map((s) => {
    const range = rangeText(s);
    const notes = [
      s.env ? `env ${s.env}` : '',
      range && !isSwitch(s) ? `range ${range}` : '',
      `default ${defaultText(s).replace(/`/g, '')}`,
    ].filter(Boolean);
    return [flagSynopsis(s), `${s.doc.replace(/`/g, '')} (${notes.join('; ')})`];
  });
  rows.push(...extra);
  return ['Usage: rbee-registry [options]', ...rows.map(([f, d]) => `  ${f}\n${wrap(d, 100, '      ')}`)].join('\n');
}

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines.join('\n');
}

/** A command-line switch that is not a setting, with its one-letter form (`{ name: 'help', short: 'h' }`). */
export interface Switch {
  name: string;
  short?: string;
}

export interface CommandLine {
  values: Partial<SettingValues>;
  /** Switches that are not settings (`--help`, `--version`), by name. */
  switches: Set<string>;
}

/**
 * Reads flags, then env variables for settings without a flag given. Throws SettingError naming the flag and
 * the refused value: `--event-log 99999999999: argument must be between 1 and 10000000 inclusive`.
 */
export function readCommandLine(args: readonly string[], env: NodeJS.ProcessEnv, switches: readonly Switch[] = []): CommandLine {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const s of withFlag) options[s.name] = { type: isSwitch(s) ? 'boolean' : 'string', multiple: s.multiple === true };
  for (const { name, short } of switches) options[name] = short === undefined ? { type: 'boolean' } : { type: 'boolean', short };
  let parsed: Record<string, string | boolean | string[] | undefined>;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as typeof parsed;
  } catch (e) {
    throw new SettingError('command line', (e as Error).message);
  }
  const values: Record<string, unknown> = {};
  for (const s of withFlag) {
    const given = parsed[s.name];
    if (Array.isArray(given)) {
      try {
        values[s.name] = given.flatMap((t) => (s.parse as (t: string) => unknown[])(t));
      } catch (e) {
        if (e instanceof ValueError) throw new SettingError(`--${s.name}`, e.message);
        throw e;
      }
      continue;
    }
    const text = given ?? (s.env !== undefined ? env[s.env] : undefined);
    if (text === undefined) continue;
    if (typeof text === 'boolean') {
      values[s.name] = text;
      continue;
    }
    const source = given !== undefined ? `--${s.name} ${quote(text)}` : `${s.env}=${quote(text)}`;
    try {
      values[s.name] = (s.parse as (t: string) => unknown)(text);
    } catch (e) {
      if (e instanceof ValueError) throw new SettingError(source, e.message);
      throw e;
    }
  }
  return { values: values, switches: new Set(switches.filter((w) => parsed[w.name] === true).map((w) => w.name)) };
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** COMMANDS.md's table of settings. */
export function settingsMarkdown(): string {
  const rows = SETTINGS.map((s) => {
    const flag = s.flag === false ? '' : `\`${flagSynopsis(s)}\``;
    const env = s.env ? `\`${s.env}\`` : '';
    const config = s.config === false ? '—' : `\`${s.name}\`${s.mutable ? ' (settable)' : ''}`;
    const def = defaultText(s);
    const shown = def.startsWith('`') || /\s/.test(def) ? def : `\`${def}\``;
    return `| ${flag} | ${env} | ${config} | ${s.type} | ${cell(rangeText(s))} | ${cell(shown)} | ${cell(s.doc)} |`;
  });
  return ['| flag | env | CONFIG name | type | range | default | meaning |', '| --- | --- | --- | --- | --- | --- | --- |', ...rows].join(
    '\n',
  );
}
