// Reads a snapshot record straight from the file's bytes when the line is laid out exactly as the writer lays it
// out (the 16 keys in its order, no spaces, no escapes). Why by hand: at a million workers JSON.parse, one
// string per line, and the objects and strings it makes were most of a restore's time. Any line in another
// layout is left to JSON.parse (the caller's slow path), so what a file may hold, and the error a bad line
// gets, stay exactly JSON.parse's and the record check's: this path only takes lines whose values it reads
// the same as JSON.parse, and only records that check accepts.

import type { WorkerSnapshot } from '../registry/snapshot.js';
import { isValidRecordValues } from './snapshot-record.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const NEWLINE = 0x0a;
const CLOSE = 0x7d;

const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
// Each key with what comes before it, as the writer (snapshot-encoder.ts) puts them.
const K_WORKER = bytesOf('{"worker_id":');
const K_HIVE = bytesOf(',"hive_id":');
const K_STATE = bytesOf(',"state":');
const K_HEALTH = bytesOf(',"health":');
const K_URL = bytesOf(',"url":');
const K_MODEL = bytesOf(',"model_id":');
const K_BACKEND = bytesOf(',"backend":');
const K_DEVICE = bytesOf(',"device_id":');
const K_VRAM = bytesOf(',"vram_bytes":');
const K_VRAM_TOTAL = bytesOf(',"vram_total_bytes":');
const K_RAM = bytesOf(',"ram_bytes":');
const K_CPU = bytesOf(',"cpu_percent":');
const K_GPU = bytesOf(',"gpu_percent":');
const K_REPORTED = bytesOf(',"reported_at":');
const K_SKEW = bytesOf(',"skew_ms":');
const K_LAST_SEEN = bytesOf(',"last_seen_ms":');
const NULL = bytesOf('null');

/** Longest value a field's last string is kept for (ids, names and timestamps are far shorter). */
const REMEMBERED_BYTES = 64;

/**
 * The last value of a field that often repeats from one record to the next (a hive's workers, a fleet's few
 * models, states and backends): an equal value is the same string again, with no new string to make, keep
 * and collect.
 */
class Remembered {
  readonly bytes = new Uint8Array(REMEMBERED_BYTES);
  length = -1;
  text = '';
}

/** Failure inside a line: not the writer's layout (the caller parses the line with JSON.parse). */
const NO = undefined;

export class RecordParser {
  /** After a record was read: where the next line starts. */
  next = 0;
  private at = 0;
  private readonly hive = new Remembered();
  private readonly state = new Remembered();
  private readonly health = new Remembered();
  private readonly model = new Remembered();
  private readonly backend = new Remembered();
  private readonly reported = new Remembered();

  /**
   * The record on the line starting at `from` of `b` (valid UTF-8, ending in a newline), or null when the line
   * is not in the writer's layout or its record is not a valid one: parse it with JSON.parse then.
   */
  read(b: Buffer, from: number): WorkerSnapshot | null {
    this.at = from;
    if (!this.key(b, K_WORKER)) return null;
    const workerId = this.string(b, null);
    if (workerId === NO || workerId === null || !this.key(b, K_HIVE)) return null;
    const hiveId = this.string(b, this.hive);
    if (hiveId === NO || hiveId === null || !this.key(b, K_STATE)) return null;
    const state = this.string(b, this.state);
    if (state === NO || !this.key(b, K_HEALTH)) return null;
    const health = this.string(b, this.health);
    if (health === NO || !this.key(b, K_URL)) return null;
    const url = this.string(b, null);
    if (url === NO || !this.key(b, K_MODEL)) return null;
    const modelId = this.string(b, this.model);
    if (modelId === NO || !this.key(b, K_BACKEND)) return null;
    const backend = this.string(b, this.backend);
    if (backend === NO || !this.key(b, K_DEVICE)) return null;
    const deviceId = this.number(b);
    if (deviceId === NO || !this.key(b, K_VRAM)) return null;
    const vram = this.number(b);
    if (vram === NO || !this.key(b, K_VRAM_TOTAL)) return null;
    const vramTotal = this.number(b);
    if (vramTotal === NO || !this.key(b, K_RAM)) return null;
    const ram = this.number(b);
    if (ram === NO || !this.key(b, K_CPU)) return null;
    const cpu = this.number(b);
    if (cpu === NO || !this.key(b, K_GPU)) return null;
    const gpu = this.number(b);
    if (gpu === NO || !this.key(b, K_REPORTED)) return null;
    const reportedAt = this.string(b, this.reported);
    if (reportedAt === NO || !this.key(b, K_SKEW)) return null;
    const skew = this.number(b);
    if (skew === NO || !this.key(b, K_LAST_SEEN)) return null;
    const lastSeen = this.number(b);
    if (lastSeen === NO || lastSeen === null || b[this.at] !== CLOSE || b[this.at + 1] !== NEWLINE) return null;
    this.next = this.at + 2;
    const record = {
      worker_id: workerId,
      hive_id: hiveId,
      state,
      health,
      url,
      model_id: modelId,
      backend,
      device_id: deviceId,
      vram_bytes: vram,
      vram_total_bytes: vramTotal,
      ram_bytes: ram,
      cpu_percent: cpu,
      gpu_percent: gpu,
      reported_at: reportedAt,
      skew_ms: skew,
      last_seen_ms: lastSeen,
    };
    return isValidRecordValues(record) ? (record as WorkerSnapshot) : null;
  }

  private key(b: Buffer, key: Uint8Array): boolean {
    const at = this.at;
    for (let i = 0; i < key.length; i++) if (b[at + i] !== key[i]) return false;
    this.at = at + key.length;
    return true;
  }

  private isNull(b: Buffer): boolean {
    if (b[this.at] !== NULL[0]) return false;
    if (!this.key(b, NULL)) return false;
    return true;
  }

  /**
   * A string without escapes (JSON.parse reads its bytes as they are), or null; NO otherwise. An escape, a
   * control character (a newline included) or anything else ends this path.
   */
  private string(b: Buffer, remembered: Remembered | null): string | null | undefined {
    if (b[this.at] !== QUOTE) return this.isNull(b) ? null : NO;
    const start = this.at + 1;
    let end = start;
    let ascii = true;
    for (;;) {
      const c = b[end]!;
      if (c === QUOTE) break;
      if (c < 0x20 || c === BACKSLASH) return NO;
      if (c >= 0x80) ascii = false;
      end++;
    }
    this.at = end + 1;
    const length = end - start;
    if (remembered !== null && length <= REMEMBERED_BYTES) {
      const kept = remembered.bytes;
      if (remembered.length === length) {
        let same = true;
        for (let i = 0; i < length; i++) {
          if (kept[i] !== b[start + i]) {
            same = false;
            break;
          }
        }
        if (same) return remembered.text;
      }
      for (let i = 0; i < length; i++) kept[i] = b[start + i]!;
      remembered.length = length;
      return (remembered.text = b.toString(ascii ? 'latin1' : 'utf8', start, end));
    }
    return b.toString(ascii ? 'latin1' : 'utf8', start, end);
  }

  /**
   * A number as JSON writes one, or null; NO otherwise. Integers of up to 15 digits are summed digit by digit
   * (exact, as JSON.parse reads them); any other number in JSON's grammar goes through Number(), which reads a
   * decimal to the same nearest double as JSON.parse does.
   */
  private number(b: Buffer): number | null | undefined {
    const start = this.at;
    let at = start;
    let c = b[at]!;
    if (c === NULL[0]) return this.isNull(b) ? null : NO;
    const negative = c === MINUS;
    if (negative) c = b[++at]!;
    if (c < ZERO || c > NINE) return NO;
    let value = 0;
    const digitsFrom = at;
    if (c === ZERO) c = b[++at]!;
    else {
      do {
        value = value * 10 + (c - ZERO);
        c = b[++at]!;
      } while (c >= ZERO && c <= NINE);
    }
    let plain = at - digitsFrom <= 15;
    if (c === DOT) {
      plain = false;
      c = b[++at]!;
      if (c < ZERO || c > NINE) return NO;
      do c = b[++at]!;
      while (c >= ZERO && c <= NINE);
    }
    if (c === LOWER_E || c === UPPER_E) {
      plain = false;
      c = b[++at]!;
      if (c === PLUS || c === MINUS) c = b[++at]!;
      if (c < ZERO || c > NINE) return NO;
      do c = b[++at]!;
      while (c >= ZERO && c <= NINE);
    }
    // A leading zero followed by a digit ("01") is not JSON: the digit is not a comma or a brace here.
    if (c !== COMMA && c !== CLOSE) return NO;
    this.at = at;
    if (plain) return negative ? -value : value;
    return Number(b.toString('latin1', start, at));
  }
}
