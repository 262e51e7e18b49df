// The text of COMMANDS.md around the per-command sections, and the function that renders the whole file.

import { commandsMarkdown } from './docs.js';
import { createCommandTable } from './index.js';

const INTRO = `Every command the registry serves, generated from the spec beside each handler (the same specs
answer \`COMMAND INFO\` and \`COMMAND DOCS\` and drive the arity check). Registry commands are case-insensitive,
as are their option names. Records are maps in RESP3 and flat field/value arrays in RESP2 (like HGETALL);
doubles are RESP3 doubles and bulk strings in RESP2; lists come in a stable order (sorted by id).

Errors that any command can return, in Redis' words:

- \`ERR unknown command 'x', with args beginning with: 'a' 'b' \`
- \`ERR wrong number of arguments for 'x' command\`
- \`ERR unknown subcommand 'x'. Try CLIENT HELP.\`
- \`ERR syntax error, unknown option 'x'\` for an option the command does not take
- \`NOAUTH Authentication required.\` when the server has a password and the connection has not authenticated
- \`ERR Protocol error: …\` for malformed RESP (the connection is then closed, as Redis does): \`invalid multibulk
  length\`, \`invalid bulk length\`, \`expected '$', got 'x'\`, \`too big inline request\`, \`too big mbulk count
  string\`, \`too big bulk count string\`, \`unbalanced quotes in request\`, and a query buffer over
  \`client-query-buffer-limit\`.

Liveness: a worker or hive is **online** while its newest heartbeat, timed by the server's clock when it was
received, is younger than \`max_age_ms\` (default: the server's \`--offline-after\`, 30000 ms).`;

const APPENDIX = `## Server settings

| flag | env | CONFIG name | default | meaning |
| --- | --- | --- | --- | --- |
| \`--port N\` | \`REGISTRY_PORT\` | \`port\` | 6390 | TCP port; 0 picks a free one |
| \`--bind ADDR\` | \`REGISTRY_BIND\` | \`bind\` | 127.0.0.1 | listen address |
| \`--requirepass P\` | \`REGISTRY_PASSWORD\` | — | none | password of the \`default\` user (AUTH, HELLO AUTH) |
| \`--maxclients N\` | | \`maxclients\` (settable) | 10000 | most connections; more get \`ERR max number of clients reached\` |
| \`--offline-after MS\` | | \`offline-after\` | 30000 | default liveness window |
| | | \`proto-max-bulk-len\` (settable) | 16777216 | longest bulk argument (Redis: 512 MB) |
| | | \`proto-max-multibulk-len\` (settable) | 1048576 | most arguments in one request |
| | | \`proto-inline-max-size\` (settable) | 65536 | longest inline request |
| | | \`client-query-buffer-limit\` (settable) | 67108864 | most unparsed bytes held for one client |

\`CONFIG GET\` also answers \`save\` (empty), \`appendonly\` (no), \`databases\` (1) and \`timeout\` (0), which
tools such as redis-benchmark ask for.`;

export function renderCommandsMd(): string {
  return commandsMarkdown(createCommandTable(), { intro: INTRO, appendix: APPENDIX });
}
