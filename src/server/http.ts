// The HTTP side (--http-port, off by default, on the Redis port's bind address): /metrics for Prometheus,
// /events (the event feed as Server-Sent Events), and the dashboard at / with its JSON reads under /api/. With a
// password or ACL users it asks for HTTP Basic credentials checked against the same users, and a user must be
// allowed the commands that read the same data (INFO for /metrics, EVENTS.READ for /events, WORKER.LIST,
// HIVE.LIST and EVENTS.READ for the dashboard); it never serves anonymously then.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { BadQuery, hivePage, summary, workerPage } from './dashboard-api.js';
import type { RegistryServer } from './server.js';
import { Metrics } from './metrics.js';
import { EventStreams, parseRevision } from './sse.js';
import type { LoggedEvent } from '../registry/events.js';

const REALM = 'Basic realm="rbee-registry", charset="UTF-8"';

/** The dashboard's files (copied next to this module by the build), read once and kept. */
const DASHBOARD_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};
const DASHBOARD_COMMANDS = ['worker.list', 'hive.list', 'events.read'];
const fileCache = new Map<string, Buffer>();
function dashboardFile(name: string): Buffer {
  let body = fileCache.get(name);
  if (body === undefined) fileCache.set(name, (body = readFileSync(new URL(`./dashboard/${name}`, import.meta.url))));
  return body;
}

export class HttpSide {
  private readonly http: http.Server;
  private readonly metrics: Metrics;
  readonly streams: EventStreams;
  port = 0;

  constructor(private readonly server: RegistryServer) {
    this.metrics = new Metrics(server);
    this.streams = new EventStreams(server, server.settings.get('http-events-ping'));
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        server.log.warning(`HTTP ${req.url ?? ''}: ${(e as Error).message}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
    });
    // A scraper that opens and forgets a connection must not keep the process from closing.
    this.http.keepAliveTimeout = 5_000;
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        this.port = (this.http.address() as { port: number }).port;
        resolve(this.port);
      });
    });
  }

  /** Every registry event, as it is logged (the server calls this for whichever registry is current). */
  takeEvent(e: LoggedEvent): void {
    this.streams.take(e);
  }

  close(): Promise<void> {
    this.streams.closeAll();
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  /** True when the request may go on; otherwise the 401/403 is sent. */
  private authorized(req: http.IncomingMessage, res: http.ServerResponse, ...commands: string[]): boolean {
    const acl = this.server.acl;
    if (acl.defaultLogsIn) return true;
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    let user = null;
    if (match !== null) {
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        // An empty user name means `default`, as AUTH <password> does.
        const name = decoded.slice(0, colon) || 'default';
        user = acl.authenticate(name, decoded.slice(colon + 1));
      }
    }
    if (user === null) {
      res.writeHead(401, { 'www-authenticate': REALM, 'content-type': 'text/plain' });
      res.end('credentials required: HTTP Basic with a registry user (user "default" for --requirepass)\n');
      return false;
    }
    for (const command of commands) {
      const resolved = this.server.commands.lookup(command)!;
      if (!user.canRun(resolved.id, () => undefined)) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        res.end(`user '${user.name}' may not run ${command.toUpperCase()}, which this page needs\n`);
        return false;
      }
    }
    return true;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('method not allowed\n');
      return;
    }
    if (url.pathname === '/metrics') {
      if (!this.authorized(req, res, 'info')) return;
      const body = await this.metrics.text();
      res.writeHead(200, { 'content-type': this.metrics.register.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (url.pathname === '/events') {
      if (!this.authorized(req, res, 'events.read')) return;
      // EventSource sends Last-Event-ID when it reconnects; a page's first connection names the revision its
      // full read was taken at (`?since=`); without either, the stream starts with the next event.
      const given = req.headers['last-event-id'] ?? url.searchParams.get('since');
      const since = typeof given === 'string' && given !== '' ? parseRevision(given) : null;
      if (typeof since === 'string') {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(since + '\n');
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        res.end();
        return;
      }
      this.streams.open(req, res, since);
      return;
    }
    const asset = DASHBOARD_FILES[url.pathname];
    if (asset !== undefined) {
      if (!this.authorized(req, res, ...DASHBOARD_COMMANDS)) return;
      const body = dashboardFile(asset.file);
      res.writeHead(200, {
        'content-type': asset.type,
        'content-length': body.length,
        'cache-control': 'no-cache',
        // The page loads nothing from anywhere else: no CDN, no inline script.
        'content-security-policy': "default-src 'self'; img-src 'self' data:",
        'x-content-type-options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (!this.authorized(req, res, ...DASHBOARD_COMMANDS)) return;
      const registry = this.server.registry;
      let body: unknown;
      try {
        if (url.pathname === '/api/summary') body = summary(registry, this.server.version);
        else if (url.pathname === '/api/hives') body = hivePage(registry, url.searchParams);
        else if (url.pathname === '/api/workers') body = workerPage(registry, url.searchParams);
        else {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('not found: /api/ serves summary, hives and workers\n');
          return;
        }
      } catch (e) {
        if (!(e instanceof BadQuery)) throw e;
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(e.message + '\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify(body));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: this server serves / (the dashboard), /api/, /events and /metrics\n');
  }
}
