// A registry server in a child process started with --expose-gc, so a test can force a full collection and
// read the server's own memory figures: memory given back shows only after a collection.
// Usage: node --expose-gc gc-server.js '<ServerOptions.settings as JSON>'; talks to its parent over IPC.

import { RegistryServer } from '../../src/server/server.js';
import { memoryFigures } from '../../src/server/memory.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined || process.send === undefined) throw new Error('run with --expose-gc as a child process with IPC');

const server = new RegistryServer({ port: 0, bind: '127.0.0.1', settings: JSON.parse(process.argv[2] ?? '{}') });
const port = await server.listen();

export interface GcServerMeasure {
  used: number;
  heapUsed: number;
  external: number;
  rss: number;
}

process.on('message', (message: string) => {
  if (message === 'measure') {
    // Several passes: weak references and finalizers let go of more on each.
    for (let i = 0; i < 4; i++) gc();
    const m = memoryFigures();
    process.send!({ used: m.used, heapUsed: m.heapUsed, external: m.external, rss: process.memoryUsage.rss() } satisfies GcServerMeasure);
  } else if (message === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
process.send({ port });
