// Serialises saved workers straight into one reused byte buffer, byte for byte as JSON.stringify would write
// the record's snapshot object. Why by hand: at a million workers, an object and a string per record (then a
// Buffer per chunk) made enough garbage that the collector's pauses, not the writer's slices, stalled clients
// during a save; no JSON library writes into a caller's buffer without building those first.

import type { SavedWorker } from '../registry/snapshot.js';

/** Room past the chunk size for the record that crosses it: a record is at most ~20 KB (fields are bounded). */
const HEADROOM = 64 * 1024;

// The keys, in the order of the snapshot object (the file's format; the loader does not depend on the order).
const K_WORKER = '{"worker_id":';
const K_HIVE = ',"hive_id":';
const K_STATE = ',"state":';
const K_HEALTH = ',"health":';
const K_URL = ',"url":';
const K_MODEL = ',"model_id":';
const K_BACKEND = ',"backend":';
const K_DEVICE = ',"device_id":';
const K_VRAM = ',"vram_bytes":';
const K_VRAM_TOTAL = ',"vram_total_bytes":';
const K_RAM = ',"ram_bytes":';
const K_CPU = ',"cpu_percent":';
const K_GPU = ',"gpu_percent":';
const K_REPORTED = ',"reported_at":';
const K_SKEW = ',"skew_ms":';
const K_LAST_SEEN = ',"last_seen_ms":';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;

export class RecordEncoder {
  private buffer: Buffer;
  /** Bytes written since the last reset. */
  length = 0;

  constructor(readonly chunkBytes: number) {
    this.buffer = Buffer.allocUnsafe(chunkBytes + HEADROOM);
  }

  /** Whether the chunk is full: write it out, then reset. */
  get full(): boolean {
    return this.length >= this.chunkBytes;
  }

  /** The bytes so far: a view of the reused buffer, valid until the next reset or write. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }

  /** One record and its newline. */
  worker(w: SavedWorker): void {
    this.ascii(K_WORKER);
    this.string(w.workerId);
    this.ascii(K_HIVE);
    this.string(w.hiveId);
    this.ascii(K_STATE);
    this.stringOrNull(w.state);
    this.ascii(K_HEALTH);
    this.stringOrNull(w.health);
    this.ascii(K_URL);
    this.stringOrNull(w.url);
    this.ascii(K_MODEL);
    this.stringOrNull(w.modelId);
    this.ascii(K_BACKEND);
    this.stringOrNull(w.backend);
    this.ascii(K_DEVICE);
    this.number(w.deviceId);
    this.ascii(K_VRAM);
    this.number(w.vramBytes);
    this.ascii(K_VRAM_TOTAL);
    this.number(w.vramTotalBytes);
    this.ascii(K_RAM);
    this.number(w.ramBytes);
    this.ascii(K_CPU);
    this.number(w.cpuPercent);
    this.ascii(K_GPU);
    this.number(w.gpuPercent);
    this.ascii(K_REPORTED);
    this.stringOrNull(w.reportedAt);
    this.ascii(K_SKEW);
    this.number(w.skewMs);
    this.ascii(K_LAST_SEEN);
    this.number(w.lastSeenMs);
    this.room(2);
    this.buffer[this.length++] = 0x7d; // }
    this.buffer[this.length++] = 0x0a; // \n
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    // Only a record far past the bounds HEADROOM assumes gets here; grow rather than fail the save.
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  private ascii(text: string): void {
    this.room(text.length);
    const b = this.buffer;
    let at = this.length;
    for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
    this.length = at;
  }

  private stringOrNull(value: string | null): void {
    if (value === null) this.ascii('null');
    else this.string(value);
  }

  private string(value: string): void {
    let ascii = true;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c === QUOTE || c === BACKSLASH || (c >= 0xd800 && c <= 0xdfff)) {
        // Escapes (and surrogates, which JSON.stringify escapes when alone) are rare: let it write those.
        const quoted = JSON.stringify(value);
        this.room(Buffer.byteLength(quoted));
        this.length += this.buffer.write(quoted, this.length, 'utf8');
        return;
      }
      if (c >= 0x80) ascii = false;
    }
    this.room(value.length * 3 + 2);
    const b = this.buffer;
    b[this.length++] = QUOTE;
    if (ascii) {
      let at = this.length;
      for (let i = 0; i < value.length; i++) b[at++] = value.charCodeAt(i);
      this.length = at;
    } else this.length += b.write(value, this.length, 'utf8');
    b[this.length++] = QUOTE;
  }

  private number(value: number | null): void {
    if (value === null) return this.ascii('null');
    if (!Number.isSafeInteger(value)) return this.ascii(JSON.stringify(value));
    // Integers (all but fractional percents) digit by digit: no string per number.
    this.room(17);
    const b = this.buffer;
    let v = value;
    if (v < 0) {
      b[this.length++] = MINUS;
      v = -v;
    }
    let digits = 1;
    for (let rest = v; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    let at = this.length + digits;
    this.length = at;
    do {
      const next = Math.floor(v / 10);
      b[--at] = ZERO + (v - next * 10);
      v = next;
    } while (v > 0);
  }
}
