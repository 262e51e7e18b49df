// Hive id lists (HIVE.ACTIVE, HIVE.LIST) as replies. The registry hands out the same id array for as long as the
// answer is unchanged, so the array's encoded bytes are kept beside it, in a map weakly keyed by the array: once
// the registry lets go of the array (the answer changed, FLUSHALL), the bytes go too. Only ids and bytes are
// kept, never records (an earlier cache of hive records kept every worker alive after FLUSHALL).

import { encodeReply } from '../../resp/encoder.js';
import { RawReply, type Reply } from '../../resp/reply.js';

/**
 * Longer lists are not encoded at once: a plain array is encoded in slices as the socket drains (the reply
 * writer's streams), so a list of 100k hives never stalls other clients for the whole of its encoding.
 */
const ENCODE_MAX_IDS = 4096;

const encoded = new WeakMap<readonly string[], RawReply>();

/** The reply for a list of ids the registry handed out (and keeps unchanged). */
export function idListReply(ids: readonly string[]): Reply {
  if (ids.length > ENCODE_MAX_IDS) return ids;
  let reply = encoded.get(ids);
  if (reply === undefined) {
    // An array of bulk strings is the same bytes in RESP2 and RESP3.
    reply = new RawReply(encodeReply(ids, 2));
    encoded.set(ids, reply);
  }
  return reply;
}
