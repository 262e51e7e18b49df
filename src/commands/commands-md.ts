// The text of COMMANDS.md around the per-command sections, and the function that renders the whole file.

import { commandsMarkdown } from './docs.js';
import { createCommandTable } from './index.js';
import { settingsMarkdown } from '../settings/cli.js';

const INTRO = `Every command the registry serves, generated from the spec beside each handler (the same specs
answer \`COMMAND INFO\` and \`COMMAND DOCS\` and drive the arity check). Registry commands are case-insensitive,
as are their option names. Records are maps in RESP3 and flat field/value arrays in RESP2 (like HGETALL);
doubles are RESP3 doubles and bulk strings in RESP2; lists come in a stable order (sorted by id).

Errors that any command can return, in Redis' words:

- \`ERR unknown command 'x', with args beginning with: 'a' 'b' \`
- \`ERR wrong number of arguments for 'x' command\`
- \`ERR unknown subcommand 'x'. Try CLIENT HELP.\`
- \`ERR syntax error, unknown option 'x'\` for an option the command does not take
- \`NOAUTH Authentication required.\` when the default user has a password (or is off) and the connection has not
  authenticated
- \`NOPERM User <user> has no permissions to run the '<command>' command\`, \`NOPERM No permissions to access a key\`,
  \`NOPERM No permissions to access a channel\` when the connection's ACL user may not (see "Users and access")
- \`ERR Protocol error: …\` for malformed RESP (the connection is then closed, as Redis does): \`invalid multibulk
  length\`, \`invalid bulk length\`, \`expected '$', got 'x'\`, \`too big inline request\`, \`too big mbulk count
  string\`, \`too big bulk count string\`, \`unbalanced quotes in request\`, and a query buffer over
  \`client-query-buffer-limit\`.
- \`ERR invalid argument #N "…" for 'x': not valid UTF-8 (…)\` for an argument whose bytes are not UTF-8 (shown as
  Redis quotes bytes, \`"bin-\\xff"\`; a password as \`"(redacted)"\`). Ids, key and channel names, passwords and
  options are kept as text, and decoding would turn \`bin-\\xff\` and \`bin-\\xfe\` into one id; only the message of
  ECHO, PING and PUBLISH may hold any bytes (and comes back byte-exact). A JSON payload's \`\\udcff\`-style escape
  (a lone surrogate, which has no UTF-8 form) in an id is refused as \`ERR invalid worker_id '…': not valid UTF-8\`.
- \`ERR max number of clients reached\` to a connection past \`maxclients\` (then closed), which the server lowers at
  start to the open-file limit minus 32 (see the setting).

Liveness: a worker or hive is **online** while its newest heartbeat, timed by the server's clock when it was
received, is younger than \`max_age_ms\` (default: the server's \`--offline-after\`, 30000 ms).`;

const APPENDIX = `## Server settings

${settingsMarkdown()}

Memory settings take a byte count or Redis' units: \`1k\` = 1000, \`1kb\` = 1024, \`1m\`, \`1mb\`, \`1g\`, \`1gb\`
(case-insensitive); CONFIG GET answers bytes. A flag or CONFIG SET value outside its range is refused with
\`argument must be between MIN and MAX inclusive\` (the server does not start; CONFIG SET changes nothing).

## Users and access (ACL)

Users, rules, categories and errors follow Redis 7.2 (see ACL SETUSER). A new connection runs as \`default\`, which
is on, has no password and may do everything until told otherwise (\`--requirepass\`, \`ACL SETUSER default …\`).
Passwords are kept only as SHA-256 digests and compared in constant time.

**Keys.** The registry's keyspace names a worker \`worker:<worker_id>\` and a hive \`hive:<hive_id>\`. Each command
that takes a worker or hive id declares it as a key (COMMAND INFO key specs; COMMAND GETKEYS returns the names), with
Redis' access flags: reads (ACCESS) need a \`~\` or \`%R~\` pattern, writes (INSERT, UPDATE, DELETE) a \`~\` or \`%W~\`
one. HBEAT writes \`worker:<worker_id>\` and \`hive:<hive_id>\` (in the JSON form, the payload's ids). The keyspace
views (HGETALL, TYPE, OBJECT …) take the key names themselves. Commands without an id (WORKER.BEST, WORKER.LIST,
HIVE.ACTIVE, HIVE.LIST, EVENTS.READ, SCAN, the counts…) are governed by command permissions alone, and so are
HIVE.DEL's and FLUSHALL's effects on the workers they remove.

**Categories.** Redis' categories, plus \`@registry\` (every registry command) and \`@heartbeat\` (HBEAT). FLUSHALL,
FLUSHDB, HIVE.DEL, WORKER.DEL, REGISTRY.GUARD, CONFIG SET, CLIENT KILL and SAVE are \`@dangerous\` (the server ones
\`@admin\` too). As in Redis, \`@connection\` includes CLIENT KILL and CLIENT LIST: grant \`+@connection -@dangerous\`.

**Channels.** \`&pattern\` rules apply to SUBSCRIBE and PUBLISH (glob match) and PSUBSCRIBE (the pattern must
equal a rule's pattern, as in Redis 7). Registry events are not filtered per key: a user allowed \`registry:*\` sees
every worker's and hive's events.

**Denials** reply with Redis 7.2's short NOPERM texts (ACL DRYRUN gives the verbose ones), are counted in INFO
(\`acl_access_denied_auth\`, \`_cmd\`, \`_key\`, \`_channel\`) and logged in ACL LOG. Inside MULTI a denied command
fails to queue (EXEC then aborts); EXEC checks each command again, so rights removed meanwhile apply.

**Protected mode** (\`--protected-mode yes\`, the default): while the default user has no password, a client
connecting from anywhere but 127.0.0.1 or ::1 gets \`-DENIED rbee-registry is running in protected mode …\` and is
closed. This is Redis 7.0's rule for what is local (7.2 counts all of 127.0.0.0/8): the stricter one, and it makes
127.0.0.2 remote. Binding a non-loopback address while the default user has no password logs a warning.

**TLS.** \`--tls-port N --tls-cert-file F --tls-key-file F --tls-ca-cert-file F\` serve TLS beside plain TCP;
\`--port 0\` with a TLS port serves TLS only. \`--tls-auth-clients yes\` (default) requires a client certificate that
chains to the CA, \`optional\` checks one when given, \`no\` does not ask. \`--tls-auth-clients-user CN\` logs a
connection in as the ACL user named by its certificate's Common Name, without AUTH (a CN naming no enabled user
leaves the connection as \`default\`); give such users no password, so they cannot be reached over plain TCP.
\`CONFIG SET tls-cert-file … tls-key-file …\` reloads the files for new connections (checked first: a bad set changes
nothing). Before authentication a client may send at most 10 arguments of 16 KB per request and hold 1 MB of
unparsed input (Redis' limits and errors; the connection is then closed).

## Lifecycle

A worker is **online** from a heartbeat until \`last_seen_ms + --offline-after\`, then **offline** (still readable,
never chosen by WORKER.BEST, not counted in online figures), then **evicted** (removed) at
\`last_seen_ms + --evict-after\`. Each transition happens at its deadline, timed by the server's monotonic clock:
one timer armed for the earliest deadline, and every query first applies what is due, so answers are exact to the
millisecond. A heartbeat from an offline worker brings it back (HBEAT replies 0); from an evicted one, it registers
it anew (HBEAT replies 1). A hive is online while any of its workers is.

**Mass-expiry guard.** When more than \`--expiry-guard\` percent of the workers online at the start of a window (one
\`--offline-after\` long) go offline within that window, the registry still marks them offline but stops evicting and
publishes \`guard.on\`; it lifts (\`guard.off\`) when more than (100 − percent)% of the workers online when it tripped
are back, or once it has held for \`--expiry-guard-max-hold\` (default 15 min: a fleet stopped on purpose is cleaned
up). After such a lift the workers it held get one more \`--offline-after\` window of grace (the rest of them are
likely on their way back), then are evicted in heartbeat order, at most \`--evict-rate\` a second.
\`REGISTRY.GUARD ON|OFF|AUTO\` overrides it (OFF releases what was held at once); INFO shows whether it holds, since
when, and the longest hold. Its hold and grace are saved in the snapshot header: a restart evicts nothing it held.

**Snapshots.** With \`--snapshot FILE\`, the registry is written atomically (temp file, fsync, rename) on SAVE and
BGSAVE, at shutdown and every \`--save-interval\` ms (skipped while another save runs), as JSON lines: a header, one
line per worker, and an end line with the count and the SHA-256 of every byte before it. A save holds the registry
as of its start (a record changed or removed before the writer reached it leaves a copy of itself behind) and is
written in slices of a few milliseconds, so clients are served meanwhile. At start, temp files a crashed save left
are removed; the checksum is checked before anything is loaded, then each record is checked as HBEAT checks it
(bounds, VRAM, GPU…): a bad file stops the start naming its line and why. Liveness follows from each worker's
\`last_seen_ms\`, the current windows and the restart clock (a snapshot saved by a clock ahead of this one is moved back by the difference, and the log says so); the event revision continues. With
\`--ignore-bad-snapshot\`, an unusable file is renamed to \`FILE.corrupt-<ms>\` before the server starts empty; a
snapshot directory the server cannot write to stops the start.

**Shutdown.** SHUTDOWN, SIGTERM and SIGINT hold every connection, write the final snapshot (when configured), then
exit 0. When that save fails the server does not exit, as Redis: it logs \`Error trying to save the DB, can't
exit.\`, goes on serving, and the next SIGTERM or SHUTDOWN tries again; \`SHUTDOWN NOSAVE\` or \`FORCE\` exits
anyway. SIGHUP (a closed terminal) is ignored; a second SIGINT during the final save exits at once.

## Events

Every change gets the next revision and an event, a JSON object:

| field | in | meaning |
| --- | --- | --- |
| \`type\` | all | see below |
| \`rev\` | all | revision, 1, 2, 3… (continues across a snapshot restore) |
| \`at_ms\` | all | when it happened, epoch ms; for a timed transition, its deadline |
| \`worker_id\`, \`hive_id\` | where they apply | |
| \`state\`, \`health\`, \`model_id\`, \`url\`, \`backend\` | worker.online, worker.state | the worker's state after the change |
| \`moved_from\` | worker.state | the hive a worker left when it named another |
| \`model_id\`, \`match\`, \`claim_expires_ms\` | worker.claimed | the model asked for, \`model\` or \`fallback\`, the lease's end |
| \`reason\`, \`state\` | worker.released | \`released\` (WORKER.RELEASE), \`expired\` (at the lease's end) or \`heartbeat\` (with the \`state\` it reported) |
| \`mode\`, \`online\`, \`baseline\` | guard.on, guard.off | guard mode, online workers now, online workers when it tripped |
| \`reason\`, \`evictions_resume_at_ms\` | guard.off | \`back\` (enough workers back), \`max-hold\` or \`operator\` (REGISTRY.GUARD OFF); held workers are not evicted before this |
| \`workers\`, \`hives\` | registry.flushed | how many workers and hives FLUSHALL removed |

| type | when |
| --- | --- |
| \`worker.online\` | a new, returning (offline) or evicted worker heartbeats |
| \`worker.offline\` | at \`last_seen_ms + --offline-after\` |
| \`worker.evicted\` | at \`last_seen_ms + --evict-after\` (unless the guard holds evictions; at most \`--evict-rate\` a second) |
| \`worker.state\` | a heartbeat changes state, health or model, or moves the worker to another hive |
| \`worker.removed\` | WORKER.DEL, or HIVE.DEL of its hive |
| \`worker.claimed\` / \`worker.released\` | WORKER.CLAIM reserves a worker / the reservation ends |
| \`hive.online\` / \`hive.offline\` | its first worker comes online / its last online worker goes offline |
| \`hive.removed\` | HIVE.DEL, or its last worker is removed, evicted or moves away |
| \`guard.on\` / \`guard.off\` | the mass-expiry guard trips / lifts |
| \`registry.flushed\` | FLUSHALL / FLUSHDB removed every worker and hive at once (no event per removal) |

Each event is published on the pub/sub channel \`registry:<type>\` (\`PSUBSCRIBE registry:*\` receives them all) and
kept in a log of the last \`--event-log\` events, and at most \`event-log-max-bytes\` of them (oldest first out), for
\`EVENTS.READ\`. Pub/sub is fire-and-forget; the log lets a
client resume from the last revision it saw, and tells it with \`COMPACTED\` when it must resync instead.

\`CONFIG GET\` also answers \`save\` (empty), \`appendonly\` (no), \`databases\` (1) and \`timeout\` (0), which
tools such as redis-benchmark ask for.`;

export function renderCommandsMd(): string {
  return commandsMarkdown(createCommandTable(), { intro: INTRO, appendix: APPENDIX });
}
