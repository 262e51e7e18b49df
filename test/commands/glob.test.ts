// The glob matcher against the real thing: random patterns and texts over the bytes that mean something to
// stringmatchlen, matched by a real redis-server (KEYS) and by ours; plus the quirks and the worst patterns.

import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { globMatch, globMatchByAutomaton } from '../../src/commands/glob.js';
import { describeNeeding, findProgram } from '../helpers/programs.js';

describe('globMatch: Redis stringmatchlen semantics', () => {
  const cases: Array<[string, string, boolean, boolean?]> = [
    ['*', '', false], // stringmatchlen looks at nothing for an empty text
    ['', '', true],
    ['a*', 'a', true],
    ['h?llo', 'hello', true],
    ['h[^e]llo', 'hello', false],
    ['h[^e]llo', 'hallo', true],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hbllo', true], // reversed range
    ['\\*', '*', true],
    ['\\*', 'x', false],
    ['[\\]]', ']', true],
    ['[', 'x', false],
    ['[abc', 'c', true], // an unclosed class ends at the end of the pattern
    ['HELLO', 'hello', true, true],
    ['H[A-Z]LLO', 'hello', true, true],
    ['HELLO', 'hello', false],
    ['[a-é]', 'b', false], // C compares signed chars: é's first byte 0xc3 is -61, the range is -61..'a'
    ['[a-é]', 'A', true],
    ['caf?', 'café', false], // `?` is one byte; é is two
    ['caf??', 'café', true],
  ];
  for (const [pattern, text, expected, nocase] of cases) {
    it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(text)}${nocase ? ' (nocase)' : ''}`, () => {
      expect(globMatch(pattern, text, nocase ?? false)).to.equal(expected);
    });
  }

  it('the greedy matcher and the automaton agree on random patterns and texts, nocase too', () => {
    const byte = fc.constantFrom('a', 'b', 'A', '-', '^', '[', ']', '\\', '*', '?', 'é');
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), fc.array(byte, { maxLength: 40 }), fc.boolean(), (p, t, nocase) => {
        const pattern = p.join('');
        const text = t.join('');
        expect(globMatch(pattern, text, nocase)).to.equal(globMatchByAutomaton(pattern, text, nocase));
      }),
      { numRuns: 5000, seed: 3 },
    );
  });

  it('the worst patterns cost little: (*a)x14 b and a*…b against runs of a, *?…b against 64 KB', () => {
    const started = performance.now();
    expect(globMatch('*a'.repeat(14) + 'b', 'a'.repeat(60))).to.equal(false);
    expect(globMatch('a*'.repeat(20) + 'b', 'a'.repeat(40))).to.equal(false);
    expect(globMatch('*' + '?'.repeat(1000) + 'b', 'a'.repeat(65536))).to.equal(false);
    expect(globMatch('*' + '?'.repeat(1000) + 'b', 'a'.repeat(65536) + 'b')).to.equal(true);
    expect(globMatch('*[ab]*[ab]*[ab]*[ab]*[ab]*[ab]*[ab]*[ab]*[ab]*[ab]*c', 'ab'.repeat(5000))).to.equal(false);
    // Not a timing assertion of the matcher's speed, only of its order: exponential would not finish.
    expect(performance.now() - started).to.be.below(10_000);
  });
});

describeNeeding(['redis-server'], 'globMatch agrees with redis-server on random patterns (KEYS)', function () {
  this.timeout(120_000);
  let dir: string;
  let server: ChildProcess;
  let redis: Redis;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'glob-'));
    const socket = path.join(dir, 'redis.sock');
    server = spawn(
      findProgram('redis-server')!,
      ['--port', '0', '--unixsocket', socket, '--save', '', '--appendonly', 'no', '--dir', dir],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise<void>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (/ready to accept connections/i.test(out)) resolve();
      });
      server.once('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
    });
    redis = new Redis({ path: socket, retryStrategy: () => null, lazyConnect: true });
    redis.on('error', () => {});
    await redis.connect();
  });

  after(async () => {
    redis?.disconnect();
    server?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('matches the same keys for 2,000 random patterns', async () => {
    const byte = fc.constantFrom('a', 'b', 'c', 'A', '-', '^', '[', ']', '\\', '*', '?', '\xe9');
    const texts = fc.sample(
      fc.array(fc.constantFrom('a', 'b', 'c', 'A', '-', '^', '[', ']', '\\', '*', '?', '\xe9'), { minLength: 1, maxLength: 8 }),
      { numRuns: 300, seed: 7 },
    );
    const keys = [...new Set(texts.map((t) => t.join('')))];
    // UTF-8 on both sides: é is two bytes from 0x80 up, which reach the signed-char ranges and one-byte `?`.
    const asBytes = (s: string) => Buffer.from(s, 'utf8');
    await redis.flushall();
    for (const k of keys) await redis.set(asBytes(k), '1');
    const patterns = fc.sample(fc.array(byte, { minLength: 0, maxLength: 10 }), { numRuns: 2000, seed: 11 }).map((p) => p.join(''));
    const pipeline = redis.pipeline();
    for (const p of patterns) pipeline.keysBuffer(asBytes(p) as unknown as string);
    const results = (await pipeline.exec())!;
    for (let i = 0; i < patterns.length; i++) {
      const [err, found] = results[i]!;
      expect(err).to.equal(null);
      const theirs = (found as Buffer[]).map((b) => b.toString('utf8')).sort();
      // KEYS * is "every key" in both servers; as a pattern, Redis' matcher takes the same path.
      const ours = keys.filter((k) => patterns[i] === '*' || globMatch(patterns[i]!, k)).sort();
      expect(ours, `pattern ${JSON.stringify(patterns[i])}`).to.deep.equal(theirs);
      // The automaton, which hostile patterns fall back to, must agree too.
      const automaton = keys.filter((k) => patterns[i] === '*' || globMatchByAutomaton(patterns[i]!, k)).sort();
      expect(automaton, `automaton, pattern ${JSON.stringify(patterns[i])}`).to.deep.equal(theirs);
    }
  });
});
