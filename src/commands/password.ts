// Password comparison for AUTH and HELLO AUTH: in constant time, so a client cannot learn a password byte by
// byte from how long a wrong guess takes.

import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether `given` equals `expected`. Both are hashed first (SHA-256): timingSafeEqual needs equal lengths,
 * and comparing digests leaks neither the length nor any prefix of the password.
 */
export function samePassword(given: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
