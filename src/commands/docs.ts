// Everything derived from the specs for clients and people: COMMAND INFO and COMMAND DOCS replies (in Redis'
// exact shapes; redis-cli builds its hints from DOCS) and the COMMANDS.md reference.

import { MapReply, SetReply, SimpleString, type Reply } from '../resp/reply.js';
import type { ArgSpec, CommandSpec, KeySpec } from './spec.js';
import type { CommandTable, ResolvedCommand } from './table.js';
import { argSynopsis } from './server/help.js';

/** One COMMAND INFO entry: name, arity, flags, first/last key, step, ACL categories, tips, key specs, subcommands. */
export function commandInfo(cmd: ResolvedCommand): Reply {
  const spec = cmd.spec;
  const subs = cmd.subcommands ? [...cmd.subcommands.values()].map(commandInfo) : [];
  const [first, last, step] = legacyKeyRange(spec.keySpecs ?? []);
  return [
    cmd.fullName,
    spec.arity,
    new SetReply(spec.flags.map((f) => new SimpleString(f))),
    first,
    last,
    step,
    new SetReply(spec.aclCategories.map((c) => new SimpleString('@' + c))),
    new SetReply([]),
    (spec.keySpecs ?? []).map(keySpecReply),
    subs,
  ];
}

/** COMMAND INFO's first-key, last-key and step, which Redis derives from the index-based key specs. */
function legacyKeyRange(specs: readonly KeySpec[]): [number, number, number] {
  if (specs.length === 0 || specs.some((k) => !('index' in k.begin))) return [0, 0, 0];
  const first = Math.min(...specs.map((k) => ('index' in k.begin ? k.begin.index : 0)));
  const open = specs.find((k) => k.lastKey < 0);
  const last = open !== undefined ? open.lastKey : Math.max(...specs.map((k) => ('index' in k.begin ? k.begin.index : 0) + k.lastKey));
  return [first, last, 1];
}

/** One key spec in Redis' COMMAND INFO shape. */
function keySpecReply(k: KeySpec): Reply {
  const entries: Array<[Reply, Reply]> = [];
  if (k.notes) entries.push(['notes', k.notes]);
  entries.push(['flags', new SetReply(k.flags.map((f) => new SimpleString(f)))]);
  entries.push([
    'begin_search',
    'index' in k.begin
      ? new MapReply([
          ['type', 'index'],
          ['spec', new MapReply([['index', k.begin.index]])],
        ])
      : new MapReply([
          ['type', 'keyword'],
          [
            'spec',
            new MapReply([
              ['keyword', k.begin.keyword],
              ['startfrom', k.begin.startFrom],
            ]),
          ],
        ]),
  ]);
  entries.push([
    'find_keys',
    new MapReply([
      ['type', 'range'],
      [
        'spec',
        new MapReply([
          ['lastkey', k.lastKey],
          ['keystep', k.keyStep ?? 1],
          ['limit', 0],
        ]),
      ],
    ]),
  ]);
  return new MapReply(entries);
}

function argDocs(a: ArgSpec): Reply {
  const entries: Array<[Reply, Reply]> = [
    ['name', a.name],
    ['type', a.type],
  ];
  if (a.displayText) entries.push(['display_text', a.displayText]);
  if (a.token) entries.push(['token', a.token]);
  if (a.summary) entries.push(['summary', a.summary]);
  const flags: string[] = [];
  if (a.optional) flags.push('optional');
  if (a.multiple) flags.push('multiple');
  if (a.multipleToken) flags.push('multiple_token');
  if (flags.length) entries.push(['flags', new SetReply(flags.map((f) => new SimpleString(f)))]);
  if (a.arguments) entries.push(['arguments', a.arguments.map(argDocs)]);
  return new MapReply(entries);
}

/** The value half of a COMMAND DOCS entry. */
export function commandDocs(cmd: ResolvedCommand): Reply {
  const spec = cmd.spec;
  const entries: Array<[Reply, Reply]> = [
    ['summary', spec.summary],
    ['since', spec.since],
    ['group', spec.group],
    ['complexity', spec.complexity],
  ];
  if (spec.arguments && spec.arguments.length) entries.push(['arguments', spec.arguments.map(argDocs)]);
  if (cmd.subcommands) {
    entries.push(['subcommands', new MapReply([...cmd.subcommands.values()].map((s) => [s.fullName, commandDocs(s)]))]);
  }
  return new MapReply(entries);
}

// ── COMMANDS.md ───────────────────────────────────────────────────────────────────────────────────────────

function usage(spec: CommandSpec, prefix = ''): string {
  const synopsis = argSynopsis(spec.arguments);
  return `${prefix}${spec.name}${synopsis ? ' ' + synopsis : ''}`;
}

function argRows(args: readonly ArgSpec[] | undefined, depth = 0): string[] {
  if (!args) return [];
  const rows: string[] = [];
  for (const a of args) {
    const name = a.token && a.type !== 'pure-token' ? `${a.token} ${a.name}` : (a.token ?? a.name);
    const flags = [a.optional ? 'optional' : 'required', a.multiple ? 'repeatable' : ''].filter(Boolean).join(', ');
    rows.push(`| ${'&nbsp;&nbsp;'.repeat(depth)}\`${name}\` | ${a.type} | ${flags} | ${a.summary ?? ''} |`);
    rows.push(...argRows(a.arguments, depth + 1));
  }
  return rows;
}

function section(spec: CommandSpec, heading: string, prefix = ''): string[] {
  const out = [
    `${heading} ${prefix}${spec.name}`,
    '',
    spec.summary,
    '',
    '```',
    usage(spec, prefix),
    '```',
    '',
    `- Group: ${spec.group} · since ${spec.since} · arity ${spec.arity} · complexity: ${spec.complexity}`,
    `- Flags: ${spec.flags.length ? spec.flags.join(', ') : '—'} · ACL categories: ${spec.aclCategories.map((c) => '@' + c).join(', ')}`,
  ];
  const rows = argRows(spec.arguments);
  if (rows.length) out.push('', '| argument | type | | meaning |', '| --- | --- | --- | --- |', ...rows);
  out.push('', `**Reply.** ${spec.reply}`);
  if (spec.errors?.length) out.push('', '**Errors.**', '', ...spec.errors.map((e) => `- ${e}`));
  if (spec.notes) out.push('', spec.notes);
  out.push('');
  return out;
}

export interface DocsPreamble {
  intro: string;
  /** Extra sections appended verbatim (flags, channels, event formats…). */
  appendix?: string;
}

/** COMMANDS.md: generated; a test fails when the committed file differs from this output. */
export function commandsMarkdown(table: CommandTable, preamble: DocsPreamble): string {
  const out: string[] = [
    '<!-- Generated from the command specs in src/commands by `npm run docs`. Do not edit by hand. -->',
    '',
    '# Commands',
    '',
    preamble.intro,
    '',
  ];
  const groups = new Map<string, CommandSpec[]>();
  for (const spec of table.specs) {
    if (!groups.has(spec.group)) groups.set(spec.group, []);
    groups.get(spec.group)!.push(spec);
  }
  const order = ['registry', ...[...groups.keys()].filter((g) => g !== 'registry').sort()];
  out.push('## Seed function → command', '', '| `queen-rbee-worker-registry` function | command |', '| --- | --- |');
  for (const spec of table.specs) for (const fn of spec.seed ?? []) out.push(`| \`${fn}\` | \`${usage(spec).replace(/\|/g, '\\|')}\` |`);
  out.push('', '## Index', '');
  for (const g of order)
    out.push(
      `- **${g}**: ${groups
        .get(g)!
        .map((s) => `[${s.name}](#${anchor(s.name)})`)
        .join(', ')}`,
    );
  out.push('');
  for (const g of order) {
    out.push(`## Group: ${g}`, '');
    for (const spec of groups.get(g)!) {
      out.push(...section(spec, '###'));
      for (const sub of spec.subcommands ?? []) out.push(...section(sub, '####', spec.name + ' '));
    }
  }
  if (preamble.appendix) out.push(preamble.appendix.trim(), '');
  return out.join('\n');
}

function anchor(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}
