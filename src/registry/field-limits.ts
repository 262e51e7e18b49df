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

/** A lone surrogate (`\p{Cs}` matches only unpaired ones in a `u` pattern): a string with one has no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether the string can be written as UTF-8 as it is (String.prototype.isWellFormed, before ES2024 typings). */
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
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
  // Every heartbeat checks two ids: the usual id, printable ASCII, passes each check below by its units alone
  // (it has a unit that is not whitespace, no surrogate, and one UTF-8 byte per unit), without a regular expression.
  if (isPrintableAscii(value)) {
    if (value.length > limit) throw new RegistryError(`invalid ${field} '${quote(value)}': longer than ${limit} bytes`);
    return value;
  }
  if (value.length === 0) throw new RegistryError(`invalid ${field} '': expected a non-empty string`);
  if (/^\s+$/.test(value)) throw new RegistryError(`invalid ${field} '${quote(value)}': expected a string that is not only whitespace`);
  // Requests are checked as bytes (the dispatcher); this catches what arrives as a string: a JSON payload's
  // `\udcff` escape, a caller of the registry. Written out, every such character would become U+FFFD, so two
  // ids would show, save and reload as one.
  if (!isWellFormed(value)) {
    const shown = value.replace(/\p{Cs}/gu, (c) => '\\u' + c.charCodeAt(0).toString(16));
    throw new RegistryError(`invalid ${field} '${quote(shown)}': not valid UTF-8 (a lone surrogate)`);
  }
  return checkFieldSize(value, field, limit);
}

/** Non-empty, and every unit from '!' to '~' (no space, no control, nothing past ASCII). */
function isPrintableAscii(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Throws `invalid <field> '…': longer than N bytes` for a value over its bound. */
export function checkFieldSize(value: string, field: string, limit: number): string {
  if (utf8LengthOver(value, limit)) throw new RegistryError(`invalid ${field} '${quote(value)}': longer than ${limit} bytes`);
  return value;
}
