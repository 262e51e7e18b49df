// A side client for the scale benchmark, in its own process so the benchmark's own work never delays it: it
// sends PING every few ms (the next one when the reply is in and the interval has passed) and keeps the
// slowest round trip. Commands on stdin: `reset` starts a new window, `report` prints it as one JSON line.
// Usage: node stall-probe.js PORT [INTERVAL_MS]

import net from 'node:net';
import { createInterface } from 'node:readline';

const port = Number(process.argv[2]);
const intervalMs = Number(process.argv[3] ?? 2);
const socket = net.connect(port, '127.0.0.1');
socket.setNoDelay(true);

let sentAt = 0;
let waiting = false;
let pending = '';
let worst = 0;
let pings = 0;
let latencies: number[] = [];

function send(): void {
  sentAt = performance.now();
  waiting = true;
  socket.write('PING\r\n');
}

socket.on('connect', () => {
  send();
  console.log(JSON.stringify({ ready: true }));
});
socket.on('data', (chunk) => {
  pending += chunk.toString('latin1');
  while (pending.includes('+PONG\r\n')) {
    pending = pending.slice(pending.indexOf('+PONG\r\n') + 7);
    const now = performance.now();
    const ms = now - sentAt;
    waiting = false;
    worst = Math.max(worst, ms);
    latencies.push(ms);
    pings++;
    setTimeout(send, intervalMs);
  }
});
socket.on('error', (e) => {
  console.error(`stall-probe: ${e.message}`);
  process.exit(1);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'reset') {
    // A ping in flight when the window starts counts from the start of the window.
    sentAt = Math.max(sentAt, performance.now());
    worst = 0;
    pings = 0;
    latencies = [];
  } else if (cmd === 'report') {
    // The ping still in flight counts too: a stall not over yet is a stall.
    const inFlight = waiting ? performance.now() - sentAt : 0;
    const sorted = latencies.slice().sort((a, b) => a - b);
    const p99 = sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
    console.log(JSON.stringify({ worstMs: Math.max(worst, inFlight), p99Ms: p99, pings }));
  }
});
