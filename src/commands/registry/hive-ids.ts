// Hive id lists (HIVE.ACTIVE, HIVE.LIST) as pre-encoded bulk strings: hive ids repeat in every reply, so each
// is encoded once and reused.

import { BulkArray, encodeBulk } from '../../resp/reply.js';
import type { HiveRecord } from '../../registry/types.js';

const encoded = new Map<string, string>();

export function hiveIdsReply(hives: readonly HiveRecord[]): BulkArray {
  if (encoded.size > 100_000) encoded.clear();
  const items = new Array<string>(hives.length);
  for (let i = 0; i < hives.length; i++) {
    const id = hives[i]!.hiveId;
    let e = encoded.get(id);
    if (e === undefined) encoded.set(id, (e = encodeBulk(id)));
    items[i] = e;
  }
  return new BulkArray(items);
}
