// Shared by the pub/sub, event feed and liveness wire tests: an inbox that collects the messages a real client
// receives and lets a test await the one it expects (no sleeps), and a reader for INFO fields.

/** A registry event as published on `registry:<type>` and returned by EVENTS.READ. */
export interface RegistryEventJson {
  type: string;
  rev: number;
  at_ms: number;
  worker_id?: string;
  hive_id?: string;
  [detail: string]: unknown;
}

export interface Message {
  channel: string;
  /** The pattern that matched, for pattern subscriptions. */
  pattern: string | null;
  payload: string;
  /** performance.now() when the client delivered it. */
  receivedAt: number;
}

/** Anything that emits ioredis-style `message` / `pmessage` events. */
interface MessageSource {
  on(event: 'message', fn: (channel: string, payload: string) => void): unknown;
  on(event: 'pmessage', fn: (pattern: string, channel: string, payload: string) => void): unknown;
}

export class Inbox {
  readonly messages: Message[] = [];
  private readonly waiters = new Set<() => void>();

  /** An inbox fed by an ioredis client's `message` and `pmessage` events. */
  static of(client: MessageSource): Inbox {
    const inbox = new Inbox();
    client.on('message', (channel, payload) => inbox.add({ channel, pattern: null, payload }));
    client.on('pmessage', (pattern, channel, payload) => inbox.add({ channel, pattern, payload }));
    return inbox;
  }

  add(m: Omit<Message, 'receivedAt'>): void {
    this.messages.push({ ...m, receivedAt: performance.now() });
    for (const w of [...this.waiters]) w();
  }

  /** The registry events received so far (messages on `registry:` channels), parsed. */
  get events(): RegistryEventJson[] {
    return this.messages.filter((m) => m.channel.startsWith('registry:')).map((m) => JSON.parse(m.payload) as RegistryEventJson);
  }

  /** Resolves with the first message that satisfies `match`, received already or later; rejects after `timeoutMs`. */
  waitFor(match: (m: Message) => boolean, what: string, timeoutMs = 5000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.messages.find(match);
        if (found === undefined) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.messages.map((m) => [m.channel, m.payload]))}`));
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  /** Waits for the registry event of `type` that satisfies `match`, and returns it parsed with its arrival time. */
  async event(
    type: string,
    match: (e: RegistryEventJson) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RegistryEventJson & { receivedAt: number }> {
    const m = await this.waitFor(
      (m) => m.channel === `registry:${type}` && match(JSON.parse(m.payload) as RegistryEventJson),
      `registry:${type}`,
      timeoutMs,
    );
    return { ...(JSON.parse(m.payload) as RegistryEventJson), receivedAt: m.receivedAt };
  }

  /** Waits until `n` messages have arrived in total. */
  async count(n: number, timeoutMs = 5000): Promise<Message[]> {
    await this.waitFor(() => this.messages.length >= n, `${n} messages`, timeoutMs);
    return this.messages;
  }
}

/** One field of an INFO reply (`key:value` lines), or undefined. */
export function infoField(info: unknown, key: string): string | undefined {
  for (const line of String(info).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon) === key) return line.slice(colon + 1);
  }
  return undefined;
}

/** Polls `probe` until it returns true (each try awaits a round trip, no fixed sleeps); fails after `timeoutMs`. */
export async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}
