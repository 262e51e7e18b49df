// `<CONTAINER> HELP`, generated from the subcommand specs.

import { SimpleString, type Reply } from '../../resp/reply.js';
import type { ArgSpec, CommandSpec } from '../spec.js';
import { shape } from '../reply-shape.js';

/** Renders an argument tree the way Redis' docs do: `[STATE s]`, `<a | b>`. */
export function argSynopsis(args: readonly ArgSpec[] | undefined): string {
  if (!args) return '';
  return args.map(argText).join(' ');
}

function argText(a: ArgSpec): string {
  let body: string;
  if (a.type === 'pure-token') body = a.token ?? a.name;
  else if (a.type === 'oneof') body = (a.arguments ?? []).map(argText).join(' | ');
  else if (a.type === 'block') body = argSynopsis(a.arguments);
  else body = a.displayText ?? a.name;
  if (a.token && a.type !== 'pure-token') body = `${a.token} ${body}`;
  if (a.multiple) body = `${body} [${a.multipleToken && a.token ? a.token + ' ' : ''}${a.displayText ?? a.name} ...]`;
  if (a.optional) return `[${body}]`;
  if (a.type === 'oneof') return `<${body}>`;
  return body;
}

export function helpReply(container: string, subcommands: readonly CommandSpec[]): Reply {
  const lines = [`${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`];
  for (const s of subcommands) {
    const synopsis = argSynopsis(s.arguments);
    lines.push(`${s.name}${synopsis ? ' ' + synopsis : ''}`);
    lines.push(`    ${s.summary}`);
  }
  return lines.map((l) => new SimpleString(l));
}

/** The `HELP` subcommand of a container, listing `subcommands` (which it joins). */
export function helpSubcommand(container: string, group: string, subcommands: readonly CommandSpec[]): CommandSpec {
  return {
    name: 'HELP',
    summary: 'Returns helpful text about the different subcommands.',
    since: '5.0.0',
    group,
    complexity: 'O(1)',
    arity: 2,
    flags: ['loading', 'stale'],
    aclCategories: ['slow'],
    replyShape: shape.array(shape.simple()),
    reply: 'Array of status lines.',
    handler: () => helpReply(container, subcommands),
  };
}
