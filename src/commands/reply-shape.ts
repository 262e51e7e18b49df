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
  RawReply,
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
  | { type: 'set'; items: ReplyShape }
  /** A map with these keys in this order (RESP2: a flat key/value array); `rest` allows more keys after them. */
  | { type: 'map'; fields: Readonly<Record<string, ReplyShape>>; rest?: boolean }
  | { type: 'oneOf'; options: readonly ReplyShape[] };

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
  set: (items: ReplyShape): ReplyShape => ({ type: 'set', items }),
  map: (fields: Record<string, ReplyShape>, options: { rest?: boolean } = {}): ReplyShape => ({ type: 'map', fields, ...options }),
  oneOf: (...options: ReplyShape[]): ReplyShape => ({ type: 'oneOf', options }),
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
    case 'oneOf':
      return s.options.map(describeShape).join(' or ');
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

/** The value behind a pre-encoded reply (`:1`, `+OK`, `-ERR ...`: one line, the same in both protocols). */
function fromRaw(raw: RawReply): Reply {
  const line = raw.text.slice(1, raw.text.indexOf('\r\n'));
  switch (raw.text[0]) {
    case ':':
      return Number(line);
    case '+':
      return new SimpleString(line);
    case '-':
      return new ErrorReply(line);
    default:
      return raw;
  }
}

function kindOf(reply: Reply): string {
  if (reply === null) return 'null';
  if (Array.isArray(reply)) return `array(${reply.length})`;
  if (Buffer.isBuffer(reply)) return 'bulk';
  if (typeof reply === 'object') return reply.constructor.name;
  return `${typeof reply} ${JSON.stringify(typeof reply === 'bigint' ? String(reply) : reply)}`;
}
