// Reply shapes: what a command's reply looks like, declared in its spec (Redis' reply_schema idea, kept small), and
// the check that a reply value has that shape. The in-process test harness checks every reply it sees, so a spec's
// documented reply cannot drift from what its handler returns. Error replies are outside the shape: every command
// may answer with one, and the spec's `errors` list documents them.

import {
  BoolReply,
  DoubleReply,
  ErrorReply,
  MapReply,
  NullArray,
  PushReply,
  RawReply,
  ReplySequence,
  SetReply,
  SimpleString,
  VerbatimReply,
  type Reply,
} from '../resp/reply.js';

export type ReplyShape =
  | { type: 'integer'; values?: readonly number[] }
  | { type: 'double' }
  | { type: 'bool' }
  | { type: 'bulk' }
  | { type: 'simple'; value?: string }
  | { type: 'verbatim' }
  | { type: 'null' }
  | { type: 'array'; items: ReplyShape }
  /** An array of exactly these items, in order (a cursor page: the next cursor, then the page). */
  | { type: 'tuple'; items: readonly ReplyShape[] }
  | { type: 'set'; items: ReplyShape }
  /** A map with these keys in this order (RESP2: a flat key/value array); `rest` allows more keys after them. */
  | { type: 'map'; fields: Readonly<Record<string, ReplyShape>>; rest?: boolean }
  | { type: 'oneOf'; options: readonly ReplyShape[] }
  /** A map whose keys are data (CONFIG GET's parameters, HGETALL's fields), every value of one shape. */
  | { type: 'dict'; values: ReplyShape }
  /** A pub/sub push (RESP3 `>`, RESP2 an array) of exactly these items. */
  | { type: 'push'; items: readonly ReplyShape[] }
  /** Several replies to one request (SUBSCRIBE a b: one confirmation per channel), each of this shape. */
  | { type: 'sequence'; each: ReplyShape }
  /** Anything: a part whose structure is Redis' own and documented there (COMMAND INFO entries, EXEC's replies). */
  | { type: 'any' }
  /** Nothing but an error: a command that is always refused (Redis' write commands on read-only keys). */
  | { type: 'error' };

/** Builders, so a spec reads `shape.oneOf(shape.map({...}), shape.nil)`. */
export const shape = {
  integer: (...values: number[]): ReplyShape => (values.length > 0 ? { type: 'integer', values } : { type: 'integer' }),
  double: { type: 'double' } as ReplyShape,
  bool: { type: 'bool' } as ReplyShape,
  bulk: { type: 'bulk' } as ReplyShape,
  simple: (value?: string): ReplyShape => (value === undefined ? { type: 'simple' } : { type: 'simple', value }),
  verbatim: { type: 'verbatim' } as ReplyShape,
  nil: { type: 'null' } as ReplyShape,
  array: (items: ReplyShape): ReplyShape => ({ type: 'array', items }),
  tuple: (...items: ReplyShape[]): ReplyShape => ({ type: 'tuple', items }),
  set: (items: ReplyShape): ReplyShape => ({ type: 'set', items }),
  map: (fields: Record<string, ReplyShape>, options: { rest?: boolean } = {}): ReplyShape => ({ type: 'map', fields, ...options }),
  oneOf: (...options: ReplyShape[]): ReplyShape => ({ type: 'oneOf', options }),
  dict: (values: ReplyShape): ReplyShape => ({ type: 'dict', values }),
  push: (...items: ReplyShape[]): ReplyShape => ({ type: 'push', items }),
  sequence: (each: ReplyShape): ReplyShape => ({ type: 'sequence', each }),
  any: { type: 'any' } as ReplyShape,
  error: { type: 'error' } as ReplyShape,
  /** Common unions. */
  optional: (s: ReplyShape): ReplyShape => ({ type: 'oneOf', options: [s, { type: 'null' }] }),
};

/** A short text for a shape, for mismatch messages. */
export function describeShape(s: ReplyShape): string {
  switch (s.type) {
    case 'integer':
      return s.values === undefined ? 'integer' : `integer ${s.values.join('|')}`;
    case 'simple':
      return s.value === undefined ? 'simple string' : `+${s.value}`;
    case 'array':
    case 'set':
      return `${s.type} of ${describeShape(s.items)}`;
    case 'map':
      return `map {${Object.keys(s.fields).join(', ')}${s.rest === true ? ', ...' : ''}}`;
    case 'tuple':
      return `[${s.items.map(describeShape).join(', ')}]`;
    case 'oneOf':
      return s.options.map(describeShape).join(' or ');
    case 'error':
      return 'an error only';
    case 'dict':
      return `map of ${describeShape(s.values)}`;
    case 'push':
      return `push [${s.items.map(describeShape).join(', ')}]`;
    case 'sequence':
      return `replies of ${describeShape(s.each)}`;
    default:
      return s.type;
  }
}

/** Why `reply` does not have shape `s` (a path and the difference), or null when it does. Errors always pass. */
export function replyShapeMismatch(reply: Reply, s: ReplyShape, path = 'reply'): string | null {
  if (reply instanceof RawReply) reply = fromRaw(reply);
  if (reply instanceof ErrorReply) return null;
  const wrong = () => `${path}: expected ${describeShape(s)}, got ${kindOf(reply)}`;
  switch (s.type) {
    case 'integer':
      if (typeof reply !== 'number' && typeof reply !== 'bigint') return wrong();
      if (typeof reply === 'number' && !Number.isInteger(reply)) return wrong();
      return s.values === undefined || s.values.includes(Number(reply)) ? null : `${path}: expected ${describeShape(s)}, got ${reply}`;
    case 'double':
      return reply instanceof DoubleReply ? null : wrong();
    case 'bool':
      return reply instanceof BoolReply ? null : wrong();
    case 'bulk':
      return typeof reply === 'string' || Buffer.isBuffer(reply) ? null : wrong();
    case 'simple':
      if (!(reply instanceof SimpleString)) return wrong();
      return s.value === undefined || reply.value === s.value ? null : `${path}: expected +${s.value}, got +${reply.value}`;
    case 'verbatim':
      return reply instanceof VerbatimReply ? null : wrong();
    case 'null':
      return reply === null || reply instanceof NullArray ? null : wrong();
    case 'array':
    case 'set': {
      const items: readonly Reply[] | null =
        s.type === 'array' ? (Array.isArray(reply) ? (reply as Reply[]) : null) : reply instanceof SetReply ? reply.items : null;
      if (items === null) return wrong();
      for (let i = 0; i < items.length; i++) {
        const m = replyShapeMismatch(items[i]!, s.items, `${path}[${i}]`);
        if (m !== null) return m;
      }
      return null;
    }
    case 'tuple': {
      if (!Array.isArray(reply) || reply.length !== s.items.length) return wrong();
      for (let i = 0; i < s.items.length; i++) {
        const m = replyShapeMismatch((reply as Reply[])[i]!, s.items[i]!, `${path}[${i}]`);
        if (m !== null) return m;
      }
      return null;
    }
    case 'error':
      return wrong();
    case 'any':
      return null;
    case 'dict': {
      if (!(reply instanceof MapReply)) return wrong();
      for (const [k, v] of reply.entries) {
        const m = replyShapeMismatch(v, s.values, `${path}.${keyText(k)}`);
        if (m !== null) return m;
      }
      return null;
    }
    case 'push':
      return reply instanceof PushReply ? replyShapeMismatch(reply.items, { type: 'tuple', items: s.items }, path) : wrong();
    case 'sequence': {
      if (!(reply instanceof ReplySequence)) return replyShapeMismatch(reply, s.each, path);
      for (let i = 0; i < reply.replies.length; i++) {
        const m = replyShapeMismatch(reply.replies[i]!, s.each, `${path}[${i}]`);
        if (m !== null) return m;
      }
      return null;
    }
    case 'map': {
      if (!(reply instanceof MapReply)) return wrong();
      const expected = Object.keys(s.fields);
      const keys = reply.entries.map(([k]) => keyText(k));
      const head = keys.slice(0, expected.length);
      const keysMatch = s.rest === true ? head.join() === expected.join() : keys.join() === expected.join();
      if (!keysMatch) return `${path}: expected keys ${expected.join(', ')}${s.rest === true ? ', ...' : ''}, got ${keys.join(', ')}`;
      for (const [k, v] of reply.entries) {
        const field = s.fields[keyText(k)];
        if (field === undefined) continue;
        const m = replyShapeMismatch(v, field, `${path}.${keyText(k)}`);
        if (m !== null) return m;
      }
      return null;
    }
    case 'oneOf': {
      const misses: string[] = [];
      for (const option of s.options) {
        const m = replyShapeMismatch(reply, option, path);
        if (m === null) return null;
        misses.push(m);
      }
      return `${path}: matches none of ${describeShape(s)} (${misses.join('; ')})`;
    }
  }
}

function keyText(k: Reply): string {
  return typeof k === 'string' ? k : Buffer.isBuffer(k) ? k.toString('utf8') : JSON.stringify(k);
}

/**
 * The value behind a pre-encoded reply (`:1`, `+OK`, a cached array of bulk strings: RESP2 bytes, which for these
 * types RESP3 shares). Parsed on the latin1 text, where one character is one byte, so bulk lengths index it.
 */
function fromRaw(raw: RawReply): Reply {
  const text = raw.text;
  let pos = 0;
  const line = (): string => {
    const end = text.indexOf('\r\n', pos);
    const out = text.slice(pos + 1, end);
    pos = end + 2;
    return out;
  };
  const value = (): Reply => {
    const type = text[pos];
    const head = line();
    switch (type) {
      case ':':
        return Number(head);
      case '+':
        return new SimpleString(head);
      case '-':
        return new ErrorReply(head);
      case '_':
        return null;
      case '$': {
        const n = Number(head);
        if (n < 0) return null;
        const bytes = Buffer.from(text.slice(pos, pos + n), 'latin1');
        pos += n + 2;
        return bytes;
      }
      case '*': {
        const n = Number(head);
        if (n < 0) return null;
        const items: Reply[] = [];
        for (let i = 0; i < n; i++) items.push(value());
        return items;
      }
      default:
        return raw;
    }
  };
  return value();
}

function kindOf(reply: Reply): string {
  if (reply === null) return 'null';
  if (Array.isArray(reply)) return `array(${reply.length})`;
  if (Buffer.isBuffer(reply)) return 'bulk';
  if (typeof reply === 'object') return reply.constructor.name;
  return `${typeof reply} ${JSON.stringify(typeof reply === 'bigint' ? String(reply) : reply)}`;
}
