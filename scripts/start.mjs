#!/usr/bin/env node
// `npm start`: compiles first only if a source changed since the last build, then runs the server in this same
// process (one node start instead of two: `npm start -- --help` answers in well under 2 s after the first build).

import { build } from './build.mjs';

const status = build({ ifStale: true });
if (status !== 0) process.exit(status);
await import('../dist/src/main.js');
