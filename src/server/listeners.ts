// The sockets the server listens on: plain TCP (--port) and TLS (--tls-port, Redis' tls-* settings), and what
// every new connection passes before it is served: protected mode and, over TLS, the client certificate.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { Settings } from '../settings/settings.js';
import type { AclStore } from '../acl/store.js';
import type { AclUser } from '../acl/user.js';

/** Redis 7's protected-mode refusal, our name in it. */
export const DENIED =
  '-DENIED rbee-registry is running in protected mode because protected mode is enabled and no password is set for the ' +
  'default user. In this mode connections are only accepted from the loopback interface. If you want to connect from ' +
  'external computers to rbee-registry you may adopt one of the following solutions: 1) Just disable protected mode ' +
  "sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to rbee-registry from " +
  'the same host the server is running, however MAKE SURE rbee-registry is not publicly accessible from internet if you ' +
  'do so. 2) Alternatively you can just disable the protected mode by starting the server with ' +
  "'--protected-mode no'. 3) Set up an authentication password for the default user (--requirepass, or ACL SETUSER " +
  'default). NOTE: You only need to do one of the above things in order for the server to start accepting connections ' +
  'from the outside.\r\n';

/**
 * Loopback as Redis up to 7.0 counted it: exactly 127.0.0.1 and ::1 (7.2 takes all of 127.0.0.0/8). The
 * stricter rule, and the one that lets a test be remote from 127.0.0.2. An IPv4 client of a dual-stack socket
 * shows as ::ffff:127.0.0.1.
 */
export function isLocalAddress(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** The refusal protected mode gives this client, or null when it may connect. */
export function protectedModeRefusal(settings: Settings, acl: AclStore, socket: net.Socket): string | null {
  if (settings.get('protected-mode') !== 'yes' || !acl.defaultUser.nopass) return null;
  return isLocalAddress(socket.remoteAddress) ? null : DENIED;
}

/** An address that only this host can reach: binding elsewhere without a password deserves a warning. */
export function isLoopbackBind(bind: string): boolean {
  return bind === 'localhost' || bind === '::1' || /^127\./.test(bind);
}

/** The key, certificate and CA the tls-* settings name, read now (a reload reads them again). */
export function secureContextOptions(setting: (name: string) => unknown): tls.SecureContextOptions {
  const get = (name: string): string => {
    const v = setting(name);
    return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  };
  const file = (name: string) => {
    const path = get(name);
    if (path === '') throw new Error(`${name} is not set`);
    try {
      return readFileSync(path);
    } catch (e) {
      throw new Error(`cannot read ${name} ${path}: ${(e as Error).message}`, { cause: e });
    }
  };
  const options: tls.SecureContextOptions = { cert: file('tls-cert-file'), key: file('tls-key-file') };
  if (get('tls-ca-cert-file') !== '') options.ca = file('tls-ca-cert-file');
  // Fails here (key not matching the certificate, bad PEM) rather than at the first handshake.
  tls.createSecureContext(options);
  return options;
}

/**
 * Why these TLS files cannot be used (CONFIG SET checks before applying, so a bad reload changes nothing), or
 * undefined; nothing to check until both a certificate and a key are named.
 */
export function tlsFilesProblem(get: (name: string) => unknown): string | undefined {
  if (!get('tls-cert-file') || !get('tls-key-file')) return undefined;
  try {
    secureContextOptions(get);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** A TLS server with Redis' tls-auth-clients: yes (a valid certificate required), optional, no. */
export function createTlsServer(settings: Settings, onSocket: (socket: tls.TLSSocket) => void): tls.Server {
  const mode = settings.get('tls-auth-clients');
  const server = tls.createServer(
    { ...secureContextOptions((n) => settings.get(n as 'tls-cert-file')), requestCert: mode !== 'no', rejectUnauthorized: mode === 'yes' },
    (socket) => {
      // optional: no certificate is fine, a certificate that does not verify is not.
      if (mode === 'optional' && !socket.authorized && socket.getPeerCertificate()?.subject !== undefined) {
        socket.destroy();
        return;
      }
      onSocket(socket);
    },
  );
  server.on('tlsClientError', () => {});
  // New certificates apply to new connections; open ones keep the session they have. One CONFIG SET may name
  // the certificate and its key: reload once, after all of it is applied (the settings' check vetted the set).
  let pending = false;
  const reload = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      server.setSecureContext(secureContextOptions((n) => settings.get(n as 'tls-cert-file')));
    });
  };
  settings.onChange('tls-cert-file', reload);
  settings.onChange('tls-key-file', reload);
  settings.onChange('tls-ca-cert-file', reload);
  return server;
}

/** With tls-auth-clients-user CN: the enabled ACL user named by a verified client certificate's CN, or null. */
export function certificateUser(settings: Settings, acl: AclStore, socket: net.Socket): AclUser | null {
  if (!(socket instanceof tls.TLSSocket) || settings.get('tls-auth-clients-user') !== 'CN' || !socket.authorized) return null;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  if (typeof cn !== 'string') return null;
  const user = acl.get(cn);
  return user !== undefined && user.enabled ? user : null;
}

export function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** `host:port`, with an IPv6 host in brackets (CLIENT LIST's addr and laddr). */
export function formatAddress(host: string | undefined, port: number | undefined): string {
  if (host === undefined) return '?:0';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The descriptor behind a TCP socket: Node keeps it on its libuv handle (not a public API, hence the checks). */
export function socketFd(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : -1;
}
