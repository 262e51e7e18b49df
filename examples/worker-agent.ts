// A worker's side in TypeScript: the HeartbeatAgent keeps the registry up to date while the worker serves.
// Run: node dist/examples/worker-agent.js  (env: REGISTRY_PORT, REGISTRY_HOST, REGISTRY_PASSWORD, WORKER_ID,
// HIVE_ID, MODEL, WORKER_URL). SIGINT/SIGTERM deregister the worker and exit.

import { HeartbeatAgent, type WorkerFields } from 'rbee-registry/client';

const env = process.env;
const workerId = env['WORKER_ID'] ?? 'gpu0-worker';
const model = env['MODEL'] ?? 'llama-3-8b';

// What a real worker would read from its runtime (nvidia-smi, its request queue). Here: a simulated load.
let busy = false;
function report(): WorkerFields {
  return {
    state: busy ? 'Busy' : 'Idle',
    modelId: model,
    backend: 'cuda',
    url: env['WORKER_URL'] ?? 'http://127.0.0.1:8081',
    deviceId: 0,
    vramTotalBytes: 24e9,
    vramBytes: 8e9,
    gpuPercent: busy ? 90 : 5,
  };
}

const agent = new HeartbeatAgent({
  workerId,
  hiveId: env['HIVE_ID'] ?? 'hive-a',
  report,
  host: env['REGISTRY_HOST'] ?? '127.0.0.1',
  port: Number(env['REGISTRY_PORT'] ?? 6390),
  password: env['REGISTRY_PASSWORD'],
});
agent.on('beat', (b: { registered: boolean; full: boolean }) => {
  console.log(JSON.stringify({ beat: true, registered: b.registered, full: b.full }));
});
agent.on('failed', (e: Error) => console.error(`beat failed (will retry): ${e.message}`));
agent.on('error', (e: Error) => {
  // Wrong password or no permission: retrying cannot help.
  console.error(`stopped: ${e.message}`);
  process.exit(1);
});
agent.start();

const stop = () => {
  void agent.stop({ remove: true }).then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// A worker that takes a job would flip `busy` here; the next beat reports it (and ends any claim on it).
process.on('SIGUSR1', () => {
  busy = !busy;
  void agent.beatNow();
});
