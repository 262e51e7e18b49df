// Pub/sub: channels and glob patterns, as in Redis. Registry events are published here on
// `registry:<type>`; clients may publish on their own channels.

import type { ClientState, PubSubHub } from '../commands/context.js';
import { globMatch } from '../commands/glob.js';
import { PushReply } from '../resp/reply.js';

export class PubSub implements PubSubHub {
  private readonly byChannel = new Map<string, Set<ClientState>>();
  private readonly byPattern = new Map<string, Set<ClientState>>();

  subscribe(client: ClientState, channel: string): void {
    client.subscriptions.add(channel);
    let set = this.byChannel.get(channel);
    if (set === undefined) this.byChannel.set(channel, (set = new Set()));
    set.add(client);
  }

  unsubscribe(client: ClientState, channel: string): void {
    client.subscriptions.delete(channel);
    const set = this.byChannel.get(channel);
    if (set === undefined) return;
    set.delete(client);
    if (set.size === 0) this.byChannel.delete(channel);
  }

  psubscribe(client: ClientState, pattern: string): void {
    client.patterns.add(pattern);
    let set = this.byPattern.get(pattern);
    if (set === undefined) this.byPattern.set(pattern, (set = new Set()));
    set.add(client);
  }

  punsubscribe(client: ClientState, pattern: string): void {
    client.patterns.delete(pattern);
    const set = this.byPattern.get(pattern);
    if (set === undefined) return;
    set.delete(client);
    if (set.size === 0) this.byPattern.delete(pattern);
  }

  /** True when publishing on `channel` would reach anyone: lets callers skip building the message. */
  hasSubscribers(channel: string): boolean {
    if (this.byChannel.has(channel)) return true;
    for (const pattern of this.byPattern.keys()) if (globMatch(pattern, channel)) return true;
    return false;
  }

  publish(channel: string, message: string | Buffer): number {
    let receivers = 0;
    const direct = this.byChannel.get(channel);
    if (direct !== undefined) {
      for (const client of [...direct]) {
        client.push(new PushReply(['message', channel, message]));
        receivers++;
      }
    }
    for (const [pattern, clients] of this.byPattern) {
      if (!globMatch(pattern, channel)) continue;
      for (const client of [...clients]) {
        client.push(new PushReply(['pmessage', pattern, channel, message]));
        receivers++;
      }
    }
    return receivers;
  }

  channels(pattern: string | null): string[] {
    const out: string[] = [];
    for (const ch of this.byChannel.keys()) if (pattern === null || globMatch(pattern, ch)) out.push(ch);
    return out.sort();
  }

  numsub(channel: string): number {
    return this.byChannel.get(channel)?.size ?? 0;
  }

  numpat(): number {
    return this.byPattern.size;
  }
}
