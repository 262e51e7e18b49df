// Reply values: what a command handler returns. Handlers never build wire bytes; the encoder decides how a
// value looks in RESP2 or RESP3 (like Redis' addReplyMap / addReplyDouble).
//
// Plain JS values map directly: number (integer) / bigint → integer, string / Buffer → bulk string,
// null → null, array → array. Everything RESP3 distinguishes and RESP2 does not is a small class below.

import { isAscii } from 'node:buffer';

export type Reply =
  | number
  | bigint
  | string
  | Buffer
  | null
  | Reply[]
  | SimpleString
  | ErrorReply
  | MapReply
  | SetReply
  | DoubleReply
  | BoolReply
  | VerbatimReply
  | PushReply
  | NullArray
  | RawReply
  | ReplySequence;

/** `+text` in both protocols. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/** `-CODE message`. `message` includes the code prefix, e.g. `ERR syntax error`. */
export class ErrorReply {
  constructor(readonly message: string) {}
}

/** RESP3 map `%`; in RESP2 a flat array of key, value, key, value (like HGETALL). */
export class MapReply {
  constructor(readonly entries: Array<[Reply, Reply]>) {}
  static of(obj: Record<string, Reply>): MapReply {
    return new MapReply(Object.entries(obj));
  }
}

/** RESP3 set `~`; an array in RESP2. */
export class SetReply {
  constructor(readonly items: Reply[]) {}
}

/** RESP3 double `,`; a bulk string in RESP2 (like ZSCORE). */
export class DoubleReply {
  constructor(readonly value: number) {}
}

/** RESP3 boolean `#t`/`#f`; integer 1/0 in RESP2. */
export class BoolReply {
  constructor(readonly value: boolean) {}
}

/** RESP3 verbatim string `=` (format `txt`); a bulk string in RESP2 (like INFO / CLIENT INFO). */
export class VerbatimReply {
  constructor(
    readonly text: string,
    readonly format = 'txt',
  ) {}
}

/** RESP3 push `>`; an array in RESP2 (pub/sub messages). */
export class PushReply {
  constructor(readonly items: Reply[]) {}
}

/** `$len\r\nvalue\r\n` for one string. */
export function encodeBulk(value: string): string {
  return '$' + Buffer.byteLength(value, 'utf8') + '\r\n' + value + '\r\n';
}

/** Several replies for one command, written back to back (SUBSCRIBE a b → two confirmations). */
export class ReplySequence {
  constructor(readonly replies: Reply[]) {}
}

/** The null array: `*-1` in RESP2, `_` in RESP3 (EXEC after a failed transaction). */
export class NullArray {
  private constructor() {}
  static readonly instance = new NullArray();
}

/** Pre-encoded bytes that are identical in both protocols (`+OK`, `:1`). Used on the hot path. */
export class RawReply {
  readonly text: string;
  readonly ascii: boolean;
  constructor(readonly bytes: Buffer) {
    this.text = bytes.toString('latin1');
    this.ascii = isAscii(bytes);
  }
}

export const OK = new RawReply(Buffer.from('+OK\r\n'));
export const QUEUED = new RawReply(Buffer.from('+QUEUED\r\n'));
export const PONG = new RawReply(Buffer.from('+PONG\r\n'));
export const ZERO = new RawReply(Buffer.from(':0\r\n'));
export const ONE = new RawReply(Buffer.from(':1\r\n'));
