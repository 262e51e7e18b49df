// The optional max_age_ms argument shared by HIVE.ACTIVE, HIVE.ONLINE and WORKER.LIST.

import { parseUint } from '../../registry/heartbeat-input.js';
import type { ArgSpec } from '../spec.js';

export const MAX_AGE_ARG: ArgSpec = {
  name: 'max_age_ms',
  type: 'integer',
  optional: true,
  summary: 'online means a heartbeat younger than this many ms (default: the server --offline-after, 30000)',
};

export function parseMaxAge(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseUint(value, 'max_age_ms');
}
