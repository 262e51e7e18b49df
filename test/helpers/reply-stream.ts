// Checks one connection's whole reply stream against the commands it sent: every byte belongs to a well-formed
// reply in the protocol in force (RESP2 until HELLO 3, and again after HELLO 2 or RESET), and each command got
// exactly its replies, in order: one, except (P)(UN)SUBSCRIBE (one per channel or pattern, pushes in RESP3), with
// published messages allowed between commands only while the connection is subscribed.

import { isError, isText, readReply, RespFormatError, type RespValue } from './resp-reader.js';
import { parseResp2 } from './resp2.js';

export interface StreamCheck {
  /** Replies read for the commands (messages not counted). */
  replies: number;
  /** Published messages read between them. */
  messages: number;
  /** Offset just past the last command's reply: what follows answers bytes that were not whole commands. */
  end: number;
  /** The protocol in force after the last command. */
  protocol: 2 | 3;
}

const SUBSCRIBE_FAMILY = new Set(['SUBSCRIBE', 'UNSUBSCRIBE', 'PSUBSCRIBE', 'PUNSUBSCRIBE']);

/** ASCII upper case, as the server matches command names. */
const upper = (b: Buffer) => b.toString('latin1').replace(/[a-z]/g, (c) => c.toUpperCase());

class StreamError extends Error {}

class ConnectionModel {
  protocol: 2 | 3 = 2;
  channels = new Set<string>();
  patterns = new Set<string>();
  /** Commands queued since MULTI, or null outside a transaction. */
  queued: Buffer[][] | null = null;
  pos = 0;
  replies = 0;
  messages = 0;
  /** Byte ranges of the replies read as RESP2, for the cross-check with redis-parser. */
  resp2: Buffer[] = [];

  constructor(private readonly bytes: Buffer) {}

  private subscribed(): boolean {
    return this.channels.size + this.patterns.size > 0;
  }

  /** The next reply in `protocol`; throws if the stream ends first or the bytes are not a reply. */
  private read(protocol: 2 | 3 = this.protocol): RespValue {
    const r = readReply(this.bytes, this.pos, protocol);
    if (r === null) throw new StreamError(`stream ended inside or before a reply at byte ${this.pos} of ${this.bytes.length}`);
    if (protocol === 2) this.resp2.push(this.bytes.subarray(this.pos, r.end));
    this.pos = r.end;
    return r.value;
  }

  private isMessage(v: RespValue): boolean {
    if (!this.subscribed() || v.items === null || v.items.length === 0) return false;
    if (this.protocol === 3 ? v.type !== '>' : v.type !== '*') return false;
    const kind = v.items[0]!.text;
    return (kind === 'message' && v.items.length === 3) || (kind === 'pmessage' && v.items.length === 4);
  }

  /** The next reply to a command, reading past published messages (pushes allowed for confirmations). */
  private reply(allowPush = false): RespValue {
    for (;;) {
      const v = this.read();
      if (!this.isMessage(v)) {
        if (v.type === '>' && !allowPush) throw new StreamError(`unexpected push ${describe(v)} before byte ${this.pos}`);
        return v;
      }
      // Only what the connection listens to: a message for anything else is misrouted.
      const source = v.items![1]!.text!;
      const known = v.items!.length === 3 ? this.channels.has(source) : this.patterns.has(source);
      if (!known) throw new StreamError(`a message for ${JSON.stringify(source)}, not subscribed, before byte ${this.pos}`);
      this.messages++;
    }
  }

  /** Reads past published messages without reading the next reply (whose protocol may be in question). */
  private skipMessages(): void {
    while (this.subscribed() && this.bytes[this.pos] === (this.protocol === 3 ? 0x3e : 0x2a)) {
      const r = readReply(this.bytes, this.pos, this.protocol);
      if (r === null || !this.isMessage(r.value)) return;
      this.reply();
    }
  }

  /** One command sent at the top level: reads its replies. */
  command(argv: Buffer[]): void {
    const name = upper(argv[0]!);
    if (this.queued !== null && name !== 'EXEC' && name !== 'DISCARD' && name !== 'RESET') {
      // Queued, or refused, or run at once (MULTI, WATCH): one reply either way.
      const v = this.reply();
      this.replies++;
      if (v.type === '+' && v.text === 'QUEUED') this.queued.push(argv);
      return;
    }
    if (SUBSCRIBE_FAMILY.has(name)) {
      this.replies++;
      this.subscription(name, argv.length - 1, () => this.reply(true));
      return;
    }
    if (name === 'HELLO') {
      this.replies++;
      this.hello(this.helloReply());
      return;
    }
    if (name === 'EXEC' && this.queued !== null) {
      this.replies++;
      this.exec(this.queued);
      return;
    }
    const v = this.reply();
    this.replies++;
    if (name === 'RESET' && !isError(v)) {
      if (v.type !== '+' || v.text !== 'RESET') throw new StreamError(`RESET answered ${describe(v)}`);
      this.protocol = 2;
      this.channels.clear();
      this.patterns.clear();
      this.queued = null;
    } else if (name === 'DISCARD' && !isError(v)) {
      this.queued = null;
    } else if (name === 'MULTI' && !isError(v)) {
      this.queued = [];
    }
  }

  /** A HELLO reply announces its own protocol by its first byte: a map in RESP3, an array in RESP2. */
  private helloReply(): RespValue {
    this.skipMessages();
    const first = this.bytes[this.pos];
    if (first === 0x25) return this.read(3);
    if (first === 0x2a) return this.read(2);
    return this.reply();
  }

  private hello(v: RespValue): void {
    if (isError(v)) return;
    const items = v.items ?? [];
    const at = items.findIndex((x, i) => i % 2 === 0 && x.text === 'proto');
    const proto = items[at + 1];
    if ((v.type !== '%' && v.type !== '*') || at < 0 || proto === undefined || (proto.text !== '2' && proto.text !== '3')) {
      throw new StreamError(`HELLO answered ${describe(v)}`);
    }
    if ((v.type === '%') !== (proto.text === '3')) throw new StreamError(`HELLO's reply is not in the protocol it names: ${describe(v)}`);
    this.protocol = proto.text === '3' ? 3 : 2;
  }

  /**
   * The replies of one (P)(UN)SUBSCRIBE with `args` arguments, taken from `next`: an error, or one confirmation
   * per channel (per channel held, for UNSUBSCRIBE without any), each with the count the connection then holds.
   */
  private subscription(name: string, args: number, next: () => RespValue, wire: 2 | 3 = this.protocol): void {
    const first = next();
    if (isError(first)) return;
    const patterns = name.startsWith('P');
    const set = patterns ? this.patterns : this.channels;
    const adding = !name.includes('UN');
    const expected = args > 0 ? args : Math.max(1, set.size);
    for (let i = 0; i < expected; i++) {
      const v = i === 0 ? first : next();
      const kind = name.toLowerCase();
      const items = v.items;
      const ok =
        v.type === (wire === 3 ? '>' : '*') &&
        items !== null &&
        items.length === 3 &&
        items[0]!.text === kind &&
        (isText(items[1]!) || (args === 0 && set.size === 0 && items[1]!.text === null)) &&
        items[2]!.type === ':';
      if (!ok) throw new StreamError(`${name} confirmation ${i + 1} of ${expected} is ${describe(v)}`);
      if (items[1]!.text !== null) {
        if (adding) set.add(items[1]!.text);
        else set.delete(items[1]!.text);
      }
      const held = this.channels.size + this.patterns.size;
      if (items[2]!.text !== String(held))
        throw new StreamError(`${name} says ${items[2]!.text} subscriptions, the connection holds ${held}`);
    }
  }

  /**
   * EXEC's reply holds the queued commands' replies, encoded in the protocol in force once they ran (a queued
   * HELLO may change it): read it in the current one, or else the other, and check the HELLOs in it agree.
   */
  private exec(queued: Buffer[][]): void {
    this.queued = null;
    const start = this.pos;
    const resp2Before = this.resp2.length;
    const attempt = (protocol: 2 | 3): string | null => {
      this.pos = start;
      this.resp2.length = resp2Before;
      const saved = { protocol: this.protocol, channels: new Set(this.channels), patterns: new Set(this.patterns) };
      try {
        const v = this.protocol === protocol ? this.reply() : this.read(protocol);
        if (v.type !== '*' || v.items === null) return null;
        const items = v.items;
        let i = 0;
        const next = () => {
          const x = items[i++];
          if (x === undefined) throw new StreamError(`EXEC's array ends before the replies of its ${queued.length} commands`);
          return x;
        };
        for (const argv of queued) {
          const name = upper(argv[0]!);
          if (SUBSCRIBE_FAMILY.has(name)) this.subscription(name, argv.length - 1, next, protocol);
          else if (name === 'HELLO') this.hello(next());
          else next();
        }
        if (i !== items.length) throw new StreamError(`EXEC's array has ${items.length} replies for ${queued.length} commands`);
        if (this.protocol !== protocol) throw new StreamError(`EXEC's reply is in RESP${protocol}, its commands left RESP${this.protocol}`);
        return null;
      } catch (e) {
        this.protocol = saved.protocol;
        this.channels = saved.channels;
        this.patterns = saved.patterns;
        if (e instanceof StreamError || e instanceof RespFormatError) return e.message;
        throw e;
      }
    };
    const first = attempt(this.protocol);
    if (first === null) return;
    const hasHello = queued.some((argv) => upper(argv[0]!) === 'HELLO');
    const second = hasHello ? attempt(this.protocol === 2 ? 3 : 2) : first;
    if (second !== null) throw new StreamError(first === second ? first : `${first}; read as the other protocol: ${second}`);
  }
}

/** A short description of a reply, for failure messages. */
export function describe(v: RespValue): string {
  const s = JSON.stringify(v, (_k, x: unknown) => x);
  return s.length > 200 ? s.slice(0, 200) + '…' : s;
}

/**
 * Reads `bytes` (everything the server sent on one connection) as the replies to `commands`, in order. Throws
 * with what went wrong and where. The RESP2 replies are parsed again by redis-parser, which must agree on their
 * number and find nothing left over.
 */
export function checkReplyStream(bytes: Buffer, commands: Buffer[][]): StreamCheck {
  const m = new ConnectionModel(bytes);
  for (let i = 0; i < commands.length; i++) {
    try {
      m.command(commands[i]!);
    } catch (e) {
      if (e instanceof StreamError || e instanceof RespFormatError) {
        throw new Error(`command ${i + 1} of ${commands.length} (${upper(commands[i]![0]!)}): ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
  const oracle = parseResp2(Buffer.concat(m.resp2));
  if (!oracle.complete || oracle.replies.length !== m.resp2.length) {
    throw new Error(
      `redis-parser read ${oracle.replies.length} replies (complete: ${oracle.complete}) where the reader read ${m.resp2.length}`,
    );
  }
  return { replies: m.replies, messages: m.messages, end: m.pos, protocol: m.protocol };
}

/**
 * Reads what follows the commands' replies (the answers to a hostile frame) as whole replies of either protocol:
 * the stream must end on a reply's last byte, and a protocol error, after which the server closes, comes last.
 */
export function checkTail(bytes: Buffer, from: number): number {
  let pos = from;
  let count = 0;
  while (pos < bytes.length) {
    const r = readReply(bytes, pos, 'either');
    if (r === null) throw new Error(`the stream ends inside a reply at byte ${pos} of ${bytes.length}`);
    if (r.value.type === '-' && r.value.text?.startsWith('ERR Protocol error') && r.end !== bytes.length) {
      throw new Error(`bytes after a protocol error: ${JSON.stringify(bytes.subarray(r.end, r.end + 40).toString('latin1'))}`);
    }
    pos = r.end;
    count++;
  }
  return count;
}
