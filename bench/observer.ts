// What an open dashboard and a Prometheus scraper do to the server, played from the bench process: one /events
// stream read to the end of every message, the dashboard's twice-a-second reads of its visible page (summary, a
// page of 24 hives, a page of 100 workers), and a /metrics scrape every second. Records how long each scrape
// and page read took, so the report can say what they cost the server.

import http from 'node:http';

export interface ObserverReport {
  scrapes: number[];
  pageReads: number[];
  events: number;
  streamBytes: number;
}

/** GET `path` and read the body; resolves with the milliseconds it took and the body's length. */
export function timedGet(port: number, path: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ ms: performance.now() - t0, bytes, status: res.statusCode ?? 0 }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export class Observer {
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private stream: http.ClientRequest | null = null;
  private report: ObserverReport = { scrapes: [], pageReads: [], events: 0, streamBytes: 0 };
  private busy = { scrape: false, page: false };
  private inFlight = new Set<Promise<void>>();
  private failure: Error | null = null;

  constructor(private readonly port: number) {}

  start(): void {
    this.report = { scrapes: [], pageReads: [], events: 0, streamBytes: 0 };
    this.stream = http.get({ host: '127.0.0.1', port: this.port, path: '/events', agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        this.report.streamBytes += chunk.length;
        for (let i = chunk.indexOf('\nid: '); i >= 0; i = chunk.indexOf('\nid: ', i + 1)) this.report.events++;
      });
      res.on('error', () => {});
    });
    this.stream.on('error', () => {});
    const guard = (what: keyof typeof this.busy, fn: () => Promise<void>) => () => {
      if (this.busy[what]) return; // a slow read is not stacked on: as Prometheus, one scrape at a time
      this.busy[what] = true;
      const read: Promise<void> = fn()
        .catch((e: unknown) => void (this.failure ??= e as Error))
        .finally(() => {
          this.busy[what] = false;
          this.inFlight.delete(read);
        });
      this.inFlight.add(read);
    };
    const scrape = guard('scrape', async () => {
      const r = await timedGet(this.port, '/metrics');
      if (r.status !== 200) throw new Error(`/metrics answered ${r.status}`);
      this.report.scrapes.push(r.ms);
    });
    const readPage = guard('page', async () => {
      const t0 = performance.now();
      for (const path of ['/api/summary', '/api/hives?limit=24', '/api/workers?limit=100']) {
        const r = await timedGet(this.port, path);
        if (r.status !== 200) throw new Error(`${path} answered ${r.status}`);
      }
      this.report.pageReads.push(performance.now() - t0);
    });
    // At once, as a page that opens reads its rows and Prometheus scrapes a new target: a short run (--quick)
    // still sees each read at least once.
    scrape();
    readPage();
    this.timers.push(setInterval(scrape, 1000), setInterval(readPage, 500));
  }

  /** Stops the reads, after waiting for those under way (their times count). */
  async stop(): Promise<ObserverReport> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.all([...this.inFlight]);
    this.stream?.destroy();
    this.stream = null;
    if (this.failure !== null) throw this.failure;
    return this.report;
  }
}

export function stats(values: number[]): { n: number; min: number; median: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, min: s[0] ?? NaN, median: s[Math.floor(s.length / 2)] ?? NaN, max: s[s.length - 1] ?? NaN };
}
