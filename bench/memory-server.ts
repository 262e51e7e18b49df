// Bench-only entry: the registry server as main.ts builds it, plus a way to read the heap after a forced GC
// without adding a command. Run with `node --expose-gc`; each "gc" line on stdin prints one JSON line.

import { createInterface } from 'node:readline';
import { RegistryServer } from '../src/server/server.js';
import { readCommandLine } from '../src/settings/cli.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('memory-server: start it with node --expose-gc');
  process.exit(2);
}

// The same flags and defaults as `npm start`: the memory measured is what such a server would hold.
const { values } = readCommandLine(process.argv.slice(2), {});
const server = new RegistryServer({ settings: { port: 0, bind: '127.0.0.1', ...values } });
const port = await server.listen();
console.log(`rbee-registry ${server.version} (memory entry) ready on 127.0.0.1:${port} (pid ${process.pid})`);

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'gc') return;
  // Two passes: the first can leave work for the second (weak references, finalisation).
  gc();
  gc();
  const m = process.memoryUsage();
  console.log(
    JSON.stringify({ heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss }),
  );
});

const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
