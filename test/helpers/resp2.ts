// RESP2 bytes → JS values through redis-parser, an implementation independent of src/resp, so tests compare
// what the server sends with what a real client library reads. Error replies come back as Error objects.

import Parser from 'redis-parser';

export interface ParseOptions {
  /** Bulk strings as Buffers instead of UTF-8 strings. */
  returnBuffers?: boolean;
  /** Integers as decimal strings (exact beyond 2^53). */
  stringNumbers?: boolean;
}

export interface ParsedResp2 {
  replies: unknown[];
  /** True when every byte belonged to a complete reply (nothing left half-read). */
  complete: boolean;
}

/** Parses a RESP2 stream. Throws when the bytes are not RESP2 (redis-parser's fatal error). */
export function parseResp2(bytes: Buffer, options: ParseOptions = {}): ParsedResp2 {
  const replies: unknown[] = [];
  let fatal: Error | null = null;
  const parser = new Parser({
    returnReply: (reply: unknown) => replies.push(reply),
    returnError: (error: Error) => replies.push(error),
    returnFatalError: (error: Error) => {
      fatal = error;
    },
    returnBuffers: options.returnBuffers ?? false,
    stringNumbers: options.stringNumbers ?? false,
  });
  parser.execute(bytes);
  // TypeScript cannot see the callback's assignment, hence the widening.
  if ((fatal as Error | null) !== null) throw fatal as unknown as Error;
  // The parser keeps the unread tail of an incomplete reply in its (private) buffer.
  const leftover = (parser as unknown as { buffer: Buffer | null }).buffer;
  return { replies, complete: leftover === null };
}

/** Parses bytes that must hold exactly one complete RESP2 reply, and returns it. */
export function parseOneResp2(bytes: Buffer, options: ParseOptions = {}): unknown {
  const { replies, complete } = parseResp2(bytes, options);
  if (!complete || replies.length !== 1) {
    throw new Error(
      `expected exactly one complete reply, got ${replies.length} (complete: ${complete}) in ${JSON.stringify(bytes.toString('latin1'))}`,
    );
  }
  return replies[0];
}

/** How many complete RESP2 replies `bytes` starts with (for waiting on a pipeline's replies). */
export function countResp2Replies(bytes: Buffer): number {
  try {
    return parseResp2(bytes).replies.length;
  } catch {
    return -1;
  }
}
