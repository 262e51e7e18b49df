// A Server-Sent Events reader over node:http, parsing the stream as the HTML standard's EventSource does
// (fields, comments, blank-line dispatch, `id:` kept as the last event id), for tests that read /events.

import http from 'node:http';

export interface SseMessage {
  event: string;
  data: string;
  /** The last event id after this message (as EventSource's lastEventId). */
  lastEventId: string;
  /** The `id:` field of this message itself, or null when it had none. */
  id: string | null;
}

export class SseReader {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  lastEventId = '';
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  closed = false;
  private buffer = '';
  private event = { type: '', data: [] as string[], id: null as string | null };
  private waiters = new Set<() => void>();
  private req: http.ClientRequest | null = null;
  /** The body, when the answer was not a stream (401, 400...). */
  body = '';

  /** Opens `url`; resolves once the response headers are in. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const reader = new SseReader();
    return new Promise((resolve, reject) => {
      const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        reader.status = res.statusCode ?? 0;
        reader.headers = res.headers;
        res.setEncoding('utf8');
        const isStream = (res.headers['content-type'] ?? '').startsWith('text/event-stream');
        res.on('data', (chunk: string) => (isStream ? reader.feed(chunk) : (reader.body += chunk)));
        res.on('close', () => {
          reader.closed = true;
          reader.wake();
        });
        resolve(reader);
      });
      req.on('error', (e) => {
        reader.closed = true;
        reader.wake();
        reject(e);
      });
      reader.req = req;
    });
  }

  close(): void {
    this.req?.destroy();
  }

  /** Resolves once `predicate` holds (checked at every message and comment); rejects if the stream closes first. */
  until(predicate: (r: SseReader) => boolean, what = 'the expected messages'): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this)) {
          this.waiters.delete(check);
          resolve();
        } else if (this.closed) {
          this.waiters.delete(check);
          reject(new Error(`stream closed before ${what}; got ${this.messages.length} messages`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The data of the default ("message") events, parsed as JSON. */
  events(): Array<Record<string, unknown>> {
    return this.messages.filter((m) => m.event === 'message').map((m) => JSON.parse(m.data) as Record<string, unknown>);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private feed(chunk: string): void {
    // A CR at the end may be the first half of a CRLF: keep it for the next chunk.
    const text = this.buffer + chunk;
    const cut = text.endsWith('\r') ? text.length - 1 : text.length;
    const lines = text.slice(0, cut).split(/\r\n|\r|\n/);
    this.buffer = lines.pop()! + text.slice(cut);
    for (const line of lines) this.line(line);
    this.wake();
  }

  private line(line: string): void {
    if (line === '') {
      const e = this.event;
      this.event = { type: '', data: [], id: null };
      if (e.data.length === 0 && e.id === null) return;
      if (e.id !== null) this.lastEventId = e.id;
      if (e.data.length === 0) return;
      this.messages.push({ event: e.type || 'message', data: e.data.join('\n'), lastEventId: this.lastEventId, id: e.id });
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event.type = value;
    else if (field === 'data') this.event.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.event.id = value;
  }
}
