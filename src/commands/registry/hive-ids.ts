// Hive id lists (HIVE.ACTIVE, HIVE.LIST) as pre-encoded bulk strings. Hive ids repeat in every reply, so each
// is encoded once; and the set of live hives changes far less often than an orchestrator asks, so the last
// reply's bytes are kept and reused while the list is the same.

import { encodeBulk, RawReply, type Reply } from '../../resp/reply.js';
import type { HiveView } from '../../registry/types.js';

const encoded = new Map<string, string>();
/** Bytes held by `encoded` (UTF-16 units of keys and values): the cache is bounded by size, not by entries. */
let encodedBytes = 0;
const ENCODED_MAX_BYTES = 8 * 1024 * 1024;

interface LastReply {
  hives: readonly HiveView[];
  bytes: RawReply;
}

/** A cache slot per command, so HIVE.LIST and HIVE.ACTIVE do not evict each other. */
export class HiveIdsReplies {
  private last: LastReply | null = null;

  reply(hives: readonly HiveView[]): Reply {
    const last = this.last;
    if (last !== null && sameHives(last.hives, hives)) return last.bytes;
    if (encodedBytes > ENCODED_MAX_BYTES) {
      encoded.clear();
      encodedBytes = 0;
    }
    const items = new Array<string>(hives.length);
    for (let i = 0; i < hives.length; i++) {
      const id = hives[i]!.hiveId;
      let e = encoded.get(id);
      if (e === undefined) {
        encoded.set(id, (e = encodeBulk(id)));
        encodedBytes += id.length + e.length + 64;
      }
      items[i] = e;
    }
    const bytes = new RawReply(Buffer.from(`*${items.length}\r\n${items.join('')}`, 'utf8'));
    this.last = { hives, bytes };
    return bytes;
  }
}

function sameHives(a: readonly HiveView[], b: readonly HiveView[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
