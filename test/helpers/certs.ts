// Test certificates made with openssl at set-up: a CA, a server certificate for 127.0.0.1, and client
// certificates whose Common Names are chosen by the test (ACL user names for the CN mapping).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CertFiles {
  dir: string;
  caCert: string;
  /** Paths to the PEM files. */
  cert: (name: string) => string;
  key: (name: string) => string;
  /** The PEM contents, for clients that take buffers. */
  pem: (file: string) => Buffer;
  remove(): void;
}

/** Makes a CA, `server` (CN localhost, SAN 127.0.0.1) and one client certificate per CN in `clients`. */
export function makeCerts(openssl: string, clients: readonly string[], servers: readonly string[] = ['server']): CertFiles {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rbee-tls-'));
  const at = (f: string) => path.join(dir, f);
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe', timeout: 60_000 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', at('ca.key'), '-out', at('ca.crt'), '-days', '2', '-subj', '/CN=rbee-test-ca');
  writeFileSync(at('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const sign = (name: string, cn: string, ext?: string) => {
    run('req', ...ec, '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', `/CN=${cn}`);
    run(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.crt'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at(`${name}.crt`),
      '-days',
      '2',
      ...(ext ? ['-extfile', at(ext)] : []),
    );
  };
  for (const s of servers) sign(s, 'localhost', 'server.ext');
  for (const cn of clients) sign(`client-${cn}`, cn);
  return {
    dir,
    caCert: at('ca.crt'),
    cert: (name) => at(`${name}.crt`),
    key: (name) => at(`${name}.key`),
    pem: (file) => readFileSync(file),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
