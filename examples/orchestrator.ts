// An orchestrator loop in TypeScript: claim a worker for each request (no two requests get the same idle GPU),
// send the request to its URL, release it; and follow registry events on the side.
// Run: node dist/examples/orchestrator.js [requests]  (env: REGISTRY_PORT, REGISTRY_HOST, REGISTRY_PASSWORD, MODEL).

import { EventFollower, RegistryClient } from 'rbee-registry/client';

const env = process.env;
const connection = { host: env['REGISTRY_HOST'] ?? '127.0.0.1', port: Number(env['REGISTRY_PORT'] ?? 6390), password: env['REGISTRY_PASSWORD'] };
const model = env['MODEL'] ?? 'llama-3-8b';
const requests = Number(process.argv[2] ?? 10);

const registry = new RegistryClient(connection);

// Events on the side: what came and went (a real orchestrator would keep its own view up to date from here).
const follower = new EventFollower({ ...connection, blockMs: 1000 });
const following = (async () => {
  for await (const item of follower) {
    if (item.kind === 'resync') console.log(JSON.stringify({ resync: item.reason, workers: item.state.workers.length, rev: item.state.rev }));
    else console.log(JSON.stringify({ event: item.event.type, worker: item.event.worker_id ?? null, rev: item.event.rev }));
  }
})();

for (let i = 0; i < requests; i++) {
  // STRICT: only a worker that has the model. Without it a fallback (another model, with a URL) may come back,
  // and the reply says so with match = 'fallback'.
  const worker = await registry.workerClaim(model, { strict: true, leaseMs: 10_000 });
  if (worker === null) {
    console.log(JSON.stringify({ request: i, worker: null }));
    continue;
  }
  // Here the request would go to worker.url; the worker's next beat says Busy, which also ends the claim.
  console.log(JSON.stringify({ request: i, worker: worker.workerId, url: worker.url, match: worker.match }));
  await registry.workerRelease(worker.workerId, worker.claimToken);
}

await follower.close();
await following;
await registry.close();
