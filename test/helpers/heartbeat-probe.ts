// A side client for the hostile suite, in its own process so the load the test makes never delays it: it
// heartbeats one worker every few ms (the next beat once the reply is in and the interval has passed), checks
// every reply (`:1` for the first beat, `:0` after: the worker is known and kept), and keeps the slowest round
// trip. Commands on stdin: `reset` starts a new window, `report` prints it as one JSON line.
// Usage: node heartbeat-probe.js PORT PASSWORD [INTERVAL_MS]

import net from 'node:net';
import { createInterface } from 'node:readline';

const port = Number(process.argv[2]);
const password = process.argv[3] ?? '';
const intervalMs = Number(process.argv[4] ?? 10);
const BEAT = '*5\r\n$5\r\nHBEAT\r\n$6\r\nside-w\r\n$9\r\nside-hive\r\n$5\r\nSTATE\r\n$4\r\nIdle\r\n';

const socket = net.connect(port, '127.0.0.1');
socket.setNoDelay(true);

let sentAt = 0;
let waiting = false;
let pending = '';
let worst = 0;
let beats = 0;
let authed = false;
let latencies: number[] = [];
/** Replies that were not what a live, correct server answers. */
const wrong: string[] = [];

function beat(): void {
  sentAt = performance.now();
  waiting = true;
  socket.write(BEAT);
}

socket.on('connect', () => {
  socket.write(`*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n`);
});
socket.on('data', (chunk) => {
  pending += chunk.toString('latin1');
  for (let end = pending.indexOf('\r\n'); end >= 0; end = pending.indexOf('\r\n')) {
    const line = pending.slice(0, end);
    pending = pending.slice(end + 2);
    if (!authed) {
      if (line !== '+OK') wrong.push(`AUTH: ${line}`);
      authed = true;
      console.log(JSON.stringify({ ready: true }));
      beat();
      continue;
    }
    const ms = performance.now() - sentAt;
    waiting = false;
    if (line !== (beats === 0 ? ':1' : ':0') && wrong.length < 20) wrong.push(`beat ${beats}: ${line}`);
    worst = Math.max(worst, ms);
    latencies.push(ms);
    beats++;
    setTimeout(beat, intervalMs);
  }
});
socket.on('error', (e) => {
  console.log(JSON.stringify({ error: e.message }));
  process.exit(1);
});
socket.on('close', () => {
  console.log(JSON.stringify({ error: 'the server closed the connection' }));
  process.exit(1);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'reset') {
    // A beat in flight when the window starts counts from the start of the window.
    sentAt = Math.max(sentAt, performance.now());
    worst = 0;
    latencies = [];
  } else if (cmd === 'report') {
    // The beat still in flight counts too: a stall not over yet is a stall.
    const inFlight = waiting ? performance.now() - sentAt : 0;
    const sorted = latencies.slice().sort((a, b) => a - b);
    const p99 = sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))]!;
    console.log(
      JSON.stringify({ worstMs: Math.max(worst, inFlight), inFlightMs: inFlight, p99Ms: p99, beats, windowBeats: latencies.length, wrong }),
    );
  }
});
