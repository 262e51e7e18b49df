// TLS as Redis serves it: --tls-port with certificates made by openssl here, client certificates required
// (tls-auth-clients yes), TLS only with --port 0, a certificate's CN naming the ACL user, certificates
// reloaded with CONFIG SET; through ioredis (tls options and rediss://), node-redis, redis-cli and redis-py.

import { expect } from 'chai';
import { execFile } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { makeCerts, type CertFiles } from '../helpers/certs.js';
import { needProgram } from '../helpers/programs.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import type { ServerOptions } from '../../src/server/server.js';
import { rejection } from './fixture.js';

const run = promisify(execFile);

describe('TLS', function () {
  let certs: CertFiles;
  let srv: TestServer;
  const open: Array<{ disconnect(): void }> = [];

  before(function () {
    this.timeout(120_000);
    certs = makeCerts(needProgram(this, 'openssl'), ['gpu-a', 'stranger'], ['server', 'server2']);
  });

  after(() => certs?.remove());

  afterEach(async () => {
    for (const c of open.splice(0)) c.disconnect();
    await srv?.close();
  });

  const tlsSettings = (more: ServerOptions['settings'] = {}): ServerOptions => ({
    tls: { port: 0 },
    settings: { 'tls-cert-file': certs.cert('server'), 'tls-key-file': certs.key('server'), 'tls-ca-cert-file': certs.caCert, ...more },
  });

  function ioredis(port: number, tlsOptions: tls.ConnectionOptions | null, more: Record<string, unknown> = {}): Redis {
    const c = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      protocol: 2,
      ...(tlsOptions ? { tls: tlsOptions } : {}),
      ...more,
    });
    c.on('error', () => {});
    open.push(c);
    return c;
  }

  const clientCert = (cn: string) => ({
    ca: certs.pem(certs.caCert),
    cert: certs.pem(certs.cert(`client-${cn}`)),
    key: certs.pem(certs.key(`client-${cn}`)),
  });

  it('serves TLS beside plain TCP; a client without a certificate is refused (tls-auth-clients yes)', async () => {
    srv = await startTestServer(tlsSettings());
    const { tlsPort } = srv.server;
    expect(tlsPort).to.be.greaterThan(0).and.not.equal(srv.port);
    const secure = ioredis(tlsPort, clientCert('stranger'));
    await secure.connect();
    expect(await secure.call('HBEAT', 'w1', 'h1')).to.equal(1);
    const plain = ioredis(srv.port, null);
    await plain.connect();
    expect(await plain.call('WORKER.COUNT')).to.equal(1);
    const noCert = ioredis(tlsPort, { ca: certs.pem(certs.caCert) });
    await rejection(noCert.connect().then(() => noCert.call('PING')));
    expect(await plain.call('WORKER.COUNT')).to.equal(1);
  });

  it('tls-auth-clients no: no certificate needed; rediss:// URLs work', async () => {
    srv = await startTestServer(tlsSettings({ 'tls-auth-clients': 'no' }));
    const c = new Redis(`rediss://127.0.0.1:${srv.server.tlsPort}`, {
      tls: { ca: certs.pem(certs.caCert) },
      lazyConnect: true,
      retryStrategy: () => null,
    });
    c.on('error', () => {});
    open.push(c);
    await c.connect();
    expect(await c.call('PING')).to.equal('PONG');
  });

  it('tls-auth-clients optional: no certificate or a valid one is fine; one the CA did not sign is refused', async function () {
    srv = await startTestServer(tlsSettings({ 'tls-auth-clients': 'optional' }));
    const port = srv.server.tlsPort;
    const none = ioredis(port, { ca: certs.pem(certs.caCert) });
    await none.connect();
    expect(await none.call('PING')).to.equal('PONG');
    const valid = ioredis(port, clientCert('stranger'));
    await valid.connect();
    expect(await valid.call('PING')).to.equal('PONG');
    // Self-signed, with a CN that names a user: optional must not mean "any certificate will do".
    const at = (f: string) => path.join(certs.dir, f);
    await run(needProgram(this, 'openssl'), [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', at('rogue.key'), '-out', at('rogue.crt'), '-days', '2', '-subj', '/CN=gpu-a'],
    ]);
    const rogue = ioredis(port, { ca: certs.pem(certs.caCert), cert: certs.pem(at('rogue.crt')), key: certs.pem(at('rogue.key')) });
    await rejection(rogue.connect().then(() => rogue.call('PING')));
    expect(await none.call('PING')).to.equal('PONG');
  });

  it('TLS only: no plain TCP listener', async () => {
    srv = await startTestServer({ ...tlsSettings(), tls: { port: 0, only: true } });
    expect(srv.server.tcpPort).to.equal(0);
    expect(srv.port).to.equal(srv.server.tlsPort);
    const c = ioredis(srv.server.tlsPort, clientCert('stranger'));
    await c.connect();
    expect(await c.call('PING')).to.equal('PONG');
  });

  it("tls-auth-clients-user CN: the certificate's CN is the ACL user, without AUTH; that user has no password to try over TCP", async () => {
    srv = await startTestServer({ ...tlsSettings({ 'tls-auth-clients-user': 'CN' }), requirePass: 'ops-secret' });
    srv.server.acl.setUser('gpu-a', [
      'on',
      'resetchannels',
      '-@all',
      '+@connection',
      '-@dangerous',
      '+info',
      '+hbeat',
      '~worker:gpu-a-*',
      '~hive:hive-a',
    ]);
    const w = ioredis(srv.server.tlsPort, clientCert('gpu-a'));
    await w.connect();
    expect(String(await w.call('CLIENT', 'INFO'))).to.match(/ user=gpu-a /);
    expect(await w.call('HBEAT', 'gpu-a-1', 'hive-a')).to.equal(1);
    expect((await rejection(w.call('HBEAT', 'gpu-b-1', 'hive-a'))).message).to.equal('NOPERM No permissions to access a key');
    // A certificate naming no user: the connection starts as default, which has a password.
    const stranger = ioredis(srv.server.tlsPort, clientCert('stranger'), { enableReadyCheck: false });
    await stranger.connect();
    expect((await rejection(stranger.call('PING'))).message).to.equal('NOAUTH Authentication required.');
    const plain = ioredis(srv.port, null, { enableReadyCheck: false });
    await plain.connect();
    for (const guess of ['', 'gpu-a', 'pw']) {
      expect((await rejection(plain.call('AUTH', 'gpu-a', guess))).message).to.equal(
        'WRONGPASS invalid username-password pair or user is disabled.',
      );
    }
  });

  it('CONFIG SET reloads the certificates for new connections; a bad file changes nothing', async () => {
    srv = await startTestServer(tlsSettings());
    const fingerprint = () =>
      new Promise<string>((resolve, reject) => {
        const s = tls.connect({ port: srv.server.tlsPort, host: '127.0.0.1', ...clientCert('stranger') }, () => {
          resolve(s.getPeerCertificate().fingerprint256);
          s.destroy();
        });
        s.on('error', reject);
      });
    const admin = ioredis(srv.port, null);
    await admin.connect();
    const before = await fingerprint();
    expect(await rejection(admin.call('CONFIG', 'SET', 'tls-cert-file', certs.cert('server2'))).then((e) => e.message)).to.match(
      /^ERR CONFIG SET failed \(possibly related to argument 'tls-cert-file'\) - /,
    );
    expect(await fingerprint()).to.equal(before);
    expect(await admin.call('CONFIG', 'SET', 'tls-cert-file', certs.cert('server2'), 'tls-key-file', certs.key('server2'))).to.equal('OK');
    const after = await fingerprint();
    expect(after).not.to.equal(before);
    expect(await admin.call('CONFIG', 'GET', 'tls-cert-file')).to.deep.equal(['tls-cert-file', certs.cert('server2')]);
  });

  it('node-redis with socket.tls', async () => {
    srv = await startTestServer(tlsSettings());
    const c = createClient({
      socket: { host: '127.0.0.1', port: srv.server.tlsPort, tls: true, ...clientCert('stranger'), reconnectStrategy: false },
    });
    c.on('error', () => {});
    await c.connect();
    open.push({ disconnect: () => void c.destroy() });
    expect(await c.sendCommand(['HBEAT', 'w', 'h'])).to.equal(1);
    expect(await c.sendCommand(['WORKER.URL', 'w'])).to.equal(null);
  });

  it('redis-cli --tls --cacert --cert --key', async function () {
    const cli = needProgram(this, 'redis-cli');
    srv = await startTestServer(tlsSettings());
    const args = [
      '--tls',
      '--cacert',
      certs.caCert,
      '--cert',
      certs.cert('client-stranger'),
      '--key',
      certs.key('client-stranger'),
      '-h',
      '127.0.0.1',
      '-p',
      String(srv.server.tlsPort),
    ];
    expect((await run(cli, [...args, 'HBEAT', 'w', 'h'], { timeout: 20_000 })).stdout).to.equal('1\n');
    expect((await run(cli, [...args, 'WORKER.COUNT'], { timeout: 20_000 })).stdout).to.equal('1\n');
  });

  it('redis-py with ssl=True', async function () {
    const python = needProgram(this, 'python3-redis');
    srv = await startTestServer(tlsSettings());
    const script = [
      'import sys, redis',
      'r = redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), ssl=True, ssl_ca_certs=sys.argv[2], ssl_certfile=sys.argv[3], ssl_keyfile=sys.argv[4], decode_responses=True)',
      'print(r.execute_command("HBEAT", "py-w", "h"), r.execute_command("WORKER.COUNT"))',
    ].join('\n');
    const out = await run(
      python,
      ['-c', script, String(srv.server.tlsPort), certs.caCert, certs.cert('client-stranger'), certs.key('client-stranger')],
      { timeout: 30_000 },
    );
    expect(out.stdout).to.equal('1 1\n');
  });
});

describe('protected mode', () => {
  let srv: TestServer;

  afterEach(() => srv?.close());

  /** Connects from `localAddress` and reads until the server closes or answers PING. */
  function tryFrom(localAddress: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', localAddress }, () => s.write('PING\r\n'));
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if (got === '+PONG\r\n' || got.startsWith('-NOAUTH')) s.destroy();
      });
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
  }

  it('refuses 127.0.0.2 (remote by the Redis 7.0 rule) with DENIED, serves 127.0.0.1', async () => {
    srv = await startTestServer();
    const denied = await tryFrom('127.0.0.2', srv.port);
    expect(denied).to.match(
      /^-DENIED rbee-registry is running in protected mode because protected mode is enabled and no password is set for the default user\. /,
    );
    expect(denied).to.include("'--protected-mode no'");
    expect(denied.endsWith('\r\n')).to.equal(true);
    expect(await tryFrom('127.0.0.1', srv.port)).to.equal('+PONG\r\n');
    // Counted as Redis counts it: a rejected connection, not a received one.
    const c = new Redis({ port: srv.port, host: '127.0.0.1', retryStrategy: () => null });
    const stats = String(await c.call('INFO', 'stats'));
    c.disconnect();
    expect(/\r\nrejected_connections:(\d+)\r\n/.exec(stats)?.[1]).to.equal('1');
    expect(/\r\ntotal_connections_received:(\d+)\r\n/.exec(stats)?.[1]).to.equal('2');
  });

  it('a password on the default user, or protected-mode no, lets remote clients in', async () => {
    srv = await startTestServer();
    const admin = await new Promise<net.Socket>((resolve) => {
      const s = net.connect(srv.port, '127.0.0.1', () => resolve(s));
    });
    const say = (line: string) =>
      new Promise<string>((resolve) => {
        admin.once('data', (d) => resolve(String(d)));
        admin.write(line);
      });
    expect(await say('CONFIG SET requirepass s3cret\r\n')).to.equal('+OK\r\n');
    expect(await tryFrom('127.0.0.2', srv.port)).to.equal('-NOAUTH Authentication required.\r\n');
    expect(await say('CONFIG SET requirepass ""\r\n')).to.equal('+OK\r\n');
    expect(await tryFrom('127.0.0.2', srv.port)).to.match(/^-DENIED/);
    expect(await say('CONFIG SET protected-mode no\r\n')).to.equal('+OK\r\n');
    expect(await tryFrom('127.0.0.2', srv.port)).to.equal('+PONG\r\n');
    admin.destroy();
  });

  it('warns when listening beyond loopback without a password', async () => {
    const warnings: string[] = [];
    const log = { debug() {}, verbose() {}, notice() {}, warning: (m: string) => void warnings.push(m), enabled: () => true };
    srv = await startTestServer({ bind: '0.0.0.0', logger: log });
    expect(warnings.join('\n')).to.match(
      /Listening on 0\.0\.0\.0 and the default user has no password: protected mode refuses clients from other hosts/,
    );
    await srv.close();
    warnings.length = 0;
    srv = await startTestServer({ bind: '0.0.0.0', logger: log, requirePass: 'x' });
    expect(warnings.join('\n')).not.to.match(/no password/);
  });
});
