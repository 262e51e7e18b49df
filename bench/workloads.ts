// What the benchmark sends: the heartbeat's fields, the same record as a Redis hash, the Lua scripts a team
// would write on plain Redis for the same job, and the generated records used to populate both servers.

/** One heartbeat field: HBEAT option, Redis hash field, value. */
export type BeatField = readonly [option: string, hashField: string, value: string];

/** The fixed heartbeat of the HBEAT throughput cases: the hive id plus these 11 fields make 12. */
export const FIXED_BEAT: readonly BeatField[] = [
  ['STATE', 'state', 'Idle'],
  ['HEALTH', 'health', 'healthy'],
  ['URL', 'url', 'http://10.0.0.5:8081'],
  ['MODEL', 'model', 'llama-3-8b'],
  ['BACKEND', 'backend', 'cuda'],
  ['DEVICE', 'device', '0'],
  ['VRAM', 'vram', '8000000000'],
  ['RAM', 'ram', '2000000000'],
  ['CPU', 'cpu', '12.5'],
  ['GPU', 'gpu', '40'],
  ['TS', 'ts', '2025-01-31T12:00:00Z'],
];

// Plain loops: these build millions of commands for the memory test.
export function hbeat(workerId: string, hiveId: string, fields: readonly BeatField[]): string[] {
  const argv = ['HBEAT', workerId, hiveId];
  for (const [option, , value] of fields) argv.push(option, value);
  return argv;
}

/** The same record as Redis hash field/value pairs: the hive is one more field. */
export function hashPairs(hiveId: string, fields: readonly BeatField[]): string[] {
  const pairs = ['hive', hiveId];
  for (const [, field, value] of fields) pairs.push(field, value);
  return pairs;
}

/**
 * What teams build on plain Redis for a heartbeat: one round trip that writes the record, indexes the worker
 * by last-seen time in its hive's sorted set and lets the record expire. Time comes from the server, as in HBEAT.
 */
export const HEARTBEAT_LUA = `-- KEYS[1]: the worker's hash; KEYS[2]: its hive's sorted set of workers by last-seen ms
-- ARGV[1]: time to live in ms; ARGV[2..]: field/value pairs
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('HSET', KEYS[1], 'last_seen_ms', now, unpack(ARGV, 2))
local added = redis.call('ZADD', KEYS[2], now, KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return added`;

/**
 * The plain-Redis counterpart of WORKER.BEST: each model keeps a sorted set of its idle workers scored by
 * (degraded ? 1000 : 0) + GPU load, so the best is its first member. It does not check liveness.
 */
export const BEST_LUA = `-- KEYS[1]: a model's sorted set of idle workers, scored by (degraded ? 1000 : 0) + GPU load
local best = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if best == nil then return false end
return redis.call('HGETALL', best)`;

/**
 * WORKER.CLAIM's nearest Redis pattern: a lock key per worker with SET NX PX (the lease ends by itself), tried down
 * the model's idle set from the best. It reads keys it does not declare (fine outside a cluster).
 */
export const CLAIM_LUA = `-- KEYS[1]: a model's sorted set of idle workers (as for the best-worker script); ARGV[1]: lease ms, ARGV[2]: token
for _, key in ipairs(redis.call('ZRANGE', KEYS[1], 0, 63)) do
  if redis.call('SET', 'claim:' .. key, ARGV[2], 'NX', 'PX', ARGV[1]) then
    return redis.call('HGETALL', key)
  end
end
return false`;

/** redis-benchmark's __rand_int__ is 12 digits, zero-padded; generated ids use the same shape to match. */
export function pad12(n: number): string {
  return String(n).padStart(12, '0');
}

export const modelId = (n: number) => `model-${pad12(n)}`;
export const hiveId = (n: number) => `hive-${pad12(n)}`;
export const workerId = (n: number) => `worker-${pad12(n)}`;

const TS_BASE = Date.UTC(2025, 0, 31, 12, 0, 0);

/** Worker n's full heartbeat, with values that vary across workers as real ones do. */
export function generatedBeat(n: number, models: number): BeatField[] {
  return [
    ['STATE', 'state', n % 4 === 3 ? 'Busy' : 'Idle'],
    ['HEALTH', 'health', n % 10 === 9 ? 'degraded' : 'healthy'],
    ['URL', 'url', `http://10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:8081`],
    ['MODEL', 'model', modelId(n % models)],
    ['BACKEND', 'backend', 'cuda'],
    ['DEVICE', 'device', String(n % 8)],
    ['VRAM', 'vram', String(4_000_000_000 + (n % 1000) * 4_000_000)],
    ['RAM', 'ram', String(1_000_000_000 + (n % 1000) * 1_000_000)],
    ['CPU', 'cpu', String((n % 1000) / 10)],
    ['GPU', 'gpu', String((n * 37) % 100)],
    ['TS', 'ts', new Date(TS_BASE + n).toISOString()],
  ];
}

/** Score of an idle worker in BEST_LUA's per-model set: healthy first, then least GPU load. */
export function bestScore(fields: readonly BeatField[]): number {
  const value = (option: string) => fields.find((f) => f[0] === option)![2];
  return (value('HEALTH') === 'degraded' ? 1000 : 0) + Number(value('GPU'));
}

export function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}
