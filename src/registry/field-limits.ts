// How large each field of a worker may be. Every byte a client sends into a record stays in memory as long as
// the worker lives (and in the event log after), so each field has a documented bound and a clear error.

import { quote } from '../settings/values.js';
import { RegistryError } from './types.js';

/** Most UTF-8 bytes of each string field. */
export const FIELD_MAX_BYTES = {
  worker_id: 256,
  hive_id: 256,
  /** Longer than any URL a browser or proxy takes (2,000-odd characters), for a host, a port and a path. */
  url: 2048,
  /** Room for `organisation/repository:file` model names. */
  model_id: 512,
  backend: 64,
} as const;

/** Highest device ordinal (DEVICE). */
export const DEVICE_ID_MAX = 65_535;

/** Whether the string can be written as UTF-8 as it is: it has no lone surrogate. */
export function isWellFormed(value: string): boolean {
  // Node 20's native check (ES2024, not in our TypeScript lib yet) answers a one-byte string (what a request's
  // ASCII id decodes to) without a scan; a regular expression walked every id of every heartbeat.
  return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}

const BLANK = /^\s+$/;

/** Whether a string is only whitespace (an id HBEAT refuses, and a snapshot record may not hold). */
export function isBlank(value: string): boolean {
  // \s matches U+0009-U+000D, U+0020 and characters past ASCII only: any other first character already shows
  // the string is more than whitespace, and the regular expression (run on every id of every heartbeat) is skipped.
  const first = value.charCodeAt(0);
  return (first <= 32 || first >= 127) && BLANK.test(value);
}

/** UTF-8 length without encoding, stopping once past `limit`. */
function utf8LengthOver(value: string, limit: number): boolean {
  // Each UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, 2 units, is 4 bytes).
  if (value.length * 3 <= limit) return false;
  if (value.length > limit) return true;
  return Buffer.byteLength(value, 'utf8') > limit;
}

/**
 * An id (worker, hive, model): not empty, not only whitespace (such ids cannot be told apart in any listing
 * or log), and within its bound.
 */
export function checkId(value: string, field: string, limit: number): string {
  if (value.length === 0) throw new RegistryError(`invalid ${field} '': expected a non-empty string`);
  if (isBlank(value)) throw new RegistryError(`invalid ${field} '${quote(value)}': expected a string that is not only whitespace`);
  // Requests are checked as bytes (the dispatcher); this catches what arrives as a string: a JSON payload's
  // `\udcff` escape, a caller of the registry. Written out, every such character would become U+FFFD, so two
  // ids would show, save and reload as one.
  if (!isWellFormed(value)) {
    const shown = value.replace(/\p{Cs}/gu, (c) => '\\u' + c.charCodeAt(0).toString(16));
    throw new RegistryError(`invalid ${field} '${quote(shown)}': not valid UTF-8 (a lone surrogate)`);
  }
  return checkFieldSize(value, field, limit);
}

/** Throws `invalid <field> '…': longer than N bytes` for a value over its bound. */
export function checkFieldSize(value: string, field: string, limit: number): string {
  if (utf8LengthOver(value, limit)) throw new RegistryError(`invalid ${field} '${quote(value)}': longer than ${limit} bytes`);
  return value;
}
