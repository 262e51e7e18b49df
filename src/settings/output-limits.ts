// client-output-buffer-limit's value, as Redis writes it: per client class (normal, replica, pubsub), hard
// bytes, soft bytes and soft seconds, given in groups of four.

import { asciiLower, parseInteger, parseMemory, ValueError, type IntRange } from './values.js';

const MB = 1024 ** 2;

/** Redis' `client-output-buffer-limit` value: per class, hard bytes, soft bytes, soft seconds. */
export interface OutputBufferLimit {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}
export type OutputBufferLimits = Record<'normal' | 'replica' | 'pubsub', OutputBufferLimit>;
export const OUTPUT_CLASSES = ['normal', 'replica', 'pubsub'] as const;
const OUTPUT_BYTES: IntRange = { min: 0, max: Number.MAX_SAFE_INTEGER };
const OUTPUT_SECONDS: IntRange = { min: 0, max: 2 ** 31 - 1 };

/** `normal 0 0 0 pubsub 32mb 8mb 60`: groups of four, any classes, memory units allowed (as Redis). */
export function parseOutputLimits(value: string, current: OutputBufferLimits): OutputBufferLimits {
  const words = value.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0 || words.length % 4 !== 0)
    throw new ValueError('Wrong number of arguments in buffer limit configuration.', 'groups of: class hard soft seconds');
  const next = structuredClone(current);
  for (let i = 0; i < words.length; i += 4) {
    const [cls, hard, soft, secs] = words.slice(i, i + 4) as [string, string, string, string];
    const lower = asciiLower(cls);
    const name = lower === 'slave' ? 'replica' : lower;
    if (!(OUTPUT_CLASSES as readonly string[]).includes(name))
      throw new ValueError('Invalid client class specified in buffer limit configuration.', 'a class: normal, replica or pubsub');
    next[name as keyof OutputBufferLimits] = {
      hardBytes: parseMemory(hard, OUTPUT_BYTES),
      softBytes: parseMemory(soft, OUTPUT_BYTES),
      softSeconds: parseInteger(secs, OUTPUT_SECONDS),
    };
  }
  return next;
}

export const DEFAULT_OUTPUT_LIMITS: OutputBufferLimits = {
  normal: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
  replica: { hardBytes: 256 * MB, softBytes: 64 * MB, softSeconds: 60 },
  pubsub: { hardBytes: 32 * MB, softBytes: 8 * MB, softSeconds: 60 },
};

/** As CONFIG GET shows it (Redis still says `slave`). */
export function formatOutputLimits(v: OutputBufferLimits): string {
  return OUTPUT_CLASSES.map((c) => `${c === 'replica' ? 'slave' : c} ${v[c].hardBytes} ${v[c].softBytes} ${v[c].softSeconds}`).join(' ');
}
