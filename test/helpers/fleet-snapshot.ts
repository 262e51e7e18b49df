// Writes a snapshot file of a large made-up fleet directly (the format the server writes: header, one JSON
// line per worker, end line with the SHA-256), so tests and benchmarks start a server with a million workers
// in seconds instead of sending a million heartbeats. The server checks it as any snapshot it restores.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

export interface FleetOptions {
  /** Every worker's last heartbeat (epoch ms). Default: now. */
  lastSeenMs?: number;
  /** Workers per hive. Default 8. */
  perHive?: number;
}

/** The record of worker `i`: every field set, as a busy GPU fleet reports them. */
export function fleetRecord(i: number, lastSeenMs: number, perHive = 8): Record<string, unknown> {
  return {
    worker_id: `worker-${i}`,
    hive_id: `hive-${Math.floor(i / perHive)}`,
    state: i % 3 === 0 ? 'Busy' : 'Idle',
    health: 'healthy',
    url: `http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080`,
    model_id: `model-${i % 50}`,
    backend: 'cuda',
    device_id: i % perHive,
    vram_bytes: 8_000_000_000,
    vram_total_bytes: 24_000_000_000,
    ram_bytes: 2_000_000_000,
    cpu_percent: i % 100,
    gpu_percent: (i * 7) % 100,
    reported_at: new Date(lastSeenMs).toISOString(),
    skew_ms: 0,
    last_seen_ms: lastSeenMs,
  };
}

/** Writes `workers` records to `file`; returns its size in bytes and its SHA-256 (of the whole file). */
export async function writeFleetSnapshot(file: string, workers: number, o: FleetOptions = {}): Promise<{ bytes: number; sha256: string }> {
  const lastSeenMs = o.lastSeenMs ?? Date.now();
  const body = createHash('sha256');
  const whole = createHash('sha256');
  const handle = await open(file, 'w');
  let bytes = 0;
  const put = async (text: string, hashed: boolean) => {
    const buffer = Buffer.from(text);
    if (hashed) body.update(buffer);
    whole.update(buffer);
    bytes += buffer.length;
    for (let at = 0; at < buffer.length;) at += (await handle.write(buffer, at, buffer.length - at)).bytesWritten;
  };
  try {
    const header = { format: 'rbee-registry-snapshot', version: 2, rev: 0, saved_at_ms: lastSeenMs, workers };
    await put(JSON.stringify(header) + '\n', true);
    let text = '';
    for (let i = 0; i < workers; i++) {
      text += JSON.stringify(fleetRecord(i, lastSeenMs, o.perHive)) + '\n';
      if (text.length > 4 << 20) {
        await put(text, true);
        text = '';
      }
    }
    await put(text, true);
    await put(JSON.stringify({ end: true, workers, sha256: body.digest('hex') }) + '\n', false);
  } finally {
    await handle.close();
  }
  return { bytes, sha256: whole.digest('hex') };
}
