// The list of every command module. Adding a command = adding its file and one line here.

import { CommandTable } from './table.js';
import HBEAT from './registry/HBEAT.js';
import HIVE_ACTIVE from './registry/HIVE.ACTIVE.js';
import HIVE_COUNT from './registry/HIVE.COUNT.js';
import HIVE_DEL from './registry/HIVE.DEL.js';
import HIVE_GET from './registry/HIVE.GET.js';
import HIVE_LIST from './registry/HIVE.LIST.js';
import HIVE_ONLINE from './registry/HIVE.ONLINE.js';
import HIVE_RES from './registry/HIVE.RES.js';
import HIVE_WORKERS from './registry/HIVE.WORKERS.js';
import WORKER_BEST from './registry/WORKER.BEST.js';
import { WORKER_CLAIM, WORKER_RELEASE } from './registry/WORKER.CLAIM.js';
import WORKER_COUNT from './registry/WORKER.COUNT.js';
import WORKER_DEL from './registry/WORKER.DEL.js';
import WORKER_GET from './registry/WORKER.GET.js';
import WORKER_LIST from './registry/WORKER.LIST.js';
import WORKER_URL from './registry/WORKER.URL.js';
import EVENTS_READ from './registry/EVENTS.READ.js';
import EVENTS_REV from './registry/EVENTS.REV.js';
import REGISTRY_GUARD from './registry/REGISTRY.GUARD.js';
import { PSUBSCRIBE, PUNSUBSCRIBE, SUBSCRIBE, UNSUBSCRIBE } from './pubsub/SUBSCRIBE.js';
import PUBLISH from './pubsub/PUBLISH.js';
import PUBSUB from './pubsub/PUBSUB.js';
import { BGSAVE, LASTSAVE, SAVE } from './server/SAVE.js';
import SHUTDOWN from './server/SHUTDOWN.js';
import ACL from './server/ACL.js';
import { UNWATCH, WATCH } from './server/WATCH.js';
import { FLUSHALL, FLUSHDB } from './server/FLUSHALL.js';
import { AUTH, HELLO, RESET } from './server/AUTH.js';
import CLIENT from './server/CLIENT.js';
import COMMAND from './server/COMMAND.js';
import CONFIG from './server/CONFIG.js';
import DBSIZE from './server/DBSIZE.js';
import ECHO from './server/ECHO.js';
import INFO from './server/INFO.js';
import { DISCARD, EXEC, MULTI } from './server/MULTI.js';
import PING from './server/PING.js';
import QUIT from './server/QUIT.js';
import SELECT from './server/SELECT.js';
import TIME from './server/TIME.js';
import { KEYS, SCAN } from './keyspace/scan.js';
import { EXISTS, GET, PTTL, TTL, TYPE } from './keyspace/generic.js';
import { HEXISTS, HGET, HGETALL, HKEYS, HLEN, HMGET, HSCAN, HSTRLEN, HVALS } from './keyspace/hash.js';
import { MEMORY, OBJECT } from './keyspace/object.js';
import { REFUSED_WRITES } from './keyspace/writes.js';
import SLOWLOG from './ops/SLOWLOG.js';
import LATENCY from './ops/LATENCY.js';
import { MONITOR, ROLE } from './ops/MONITOR.js';

// prettier-ignore
export const ALL_COMMANDS = [
  HBEAT, HIVE_ACTIVE, HIVE_COUNT, HIVE_DEL, HIVE_GET, HIVE_LIST, HIVE_ONLINE, HIVE_RES, HIVE_WORKERS,
  WORKER_BEST, WORKER_CLAIM, WORKER_RELEASE, WORKER_COUNT, WORKER_DEL, WORKER_GET, WORKER_LIST, WORKER_URL, EVENTS_READ, EVENTS_REV, REGISTRY_GUARD,
  SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB, SAVE, BGSAVE, LASTSAVE, SHUTDOWN, WATCH, UNWATCH, FLUSHALL, FLUSHDB,
  ACL, AUTH, HELLO, RESET, CLIENT, COMMAND, CONFIG, DBSIZE, ECHO, INFO, MULTI, EXEC, DISCARD, PING, QUIT, SELECT, TIME,
  SCAN, KEYS, EXISTS, TYPE, TTL, PTTL, GET, HGETALL, HGET, HMGET, HLEN, HKEYS, HVALS, HEXISTS, HSTRLEN, HSCAN,
  MEMORY, OBJECT, ...REFUSED_WRITES, SLOWLOG, LATENCY, MONITOR, ROLE,
];

export function createCommandTable(): CommandTable {
  return new CommandTable(ALL_COMMANDS);
}
