// The settings list and the one parser behind flags, CONFIG SET and command arguments: memory units, ranges,
// yes/no, the command line made from the list, and the refusals that name what was wrong.

import { expect } from 'chai';
import { readCommandLine, settingsMarkdown, usageText } from '../../src/settings/cli.js';
import { SETTINGS, Settings, SettingError } from '../../src/settings/settings.js';
import { parseInteger, parseMemory, parseYesNo, quote, ValueError } from '../../src/settings/values.js';

const ANY = { min: 0, max: Number.MAX_SAFE_INTEGER };

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a refusal');
}

describe('settings values', () => {
  it("reads Redis' memory units (k = 1000, kb = 1024, …), case-insensitive", () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['512', 512],
      ['1k', 1000],
      ['1kb', 1024],
      ['512K', 512_000],
      ['32mb', 32 * 1024 ** 2],
      ['1m', 1e6],
      ['1g', 1e9],
      ['1gb', 1024 ** 3],
      ['1GB', 1024 ** 3],
      ['7b', 7],
    ];
    for (const [text, bytes] of cases) expect(parseMemory(text, ANY), text).to.equal(bytes);
  });

  it("refuses what is not a memory value, and values out of range, in Redis' words", () => {
    for (const bad of ['', '1 mb', '-1', '1.5mb', '1tb', 'mb', '01', '1kib', '1\u212Ab']) {
      expect(refusal(() => parseMemory(bad, ANY)).message, bad).to.equal('argument must be a memory value');
    }
    expect(refusal(() => parseMemory('2gb', { min: 1, max: 1024 ** 3 })).message).to.equal(
      'argument must be between 1 and 1073741824 inclusive',
    );
    expect(refusal(() => parseMemory('99999999999gb', ANY))).to.be.instanceOf(ValueError);
  });

  it('parses integers as Redis does (no sign, spaces or leading zeros) within a range', () => {
    expect(parseInteger('-5')).to.equal(-5);
    for (const bad of ['+1', ' 1', '01', '1e3', '0x10', '', '-0', '1.0']) {
      expect(refusal(() => parseInteger(bad)).message, bad).to.equal("argument couldn't be parsed into an integer");
    }
    const e = refusal(() => parseInteger('99999999999', { min: 1, max: 10_000_000 })) as ValueError;
    expect(e.message).to.equal('argument must be between 1 and 10000000 inclusive');
    expect(e.expected).to.equal('an integer from 1 to 10000000');
    // Too long for a double: out of range, not malformed.
    expect(refusal(() => parseInteger('99999999999999999999', { min: 0, max: 10 })).message).to.equal(
      'argument must be between 0 and 10 inclusive',
    );
  });

  it('reads yes/no with ASCII case folding only', () => {
    expect(parseYesNo('YES')).to.equal(true);
    expect(parseYesNo('no')).to.equal(false);
    expect(() => parseYesNo('true')).to.throw(ValueError);
  });

  it('quotes at most 128 characters of a value', () => {
    expect(quote('x'.repeat(200))).to.equal('x'.repeat(128) + '…');
    expect(quote('short')).to.equal('short');
  });
});

describe('the settings list', () => {
  it('every row has a doc, and a flag or CONFIG name, and a default inside its range', () => {
    const settings = new Settings();
    for (const s of SETTINGS) {
      expect(s.doc, s.name).to.have.length.greaterThan(10);
      const value = settings.get(s.name);
      if (s.range !== undefined && typeof value === 'number') expect(value, s.name).to.be.within(s.range.min, s.range.max);
      // What CONFIG GET shows parses back to the same value.
      expect((s.parse as (t: string) => unknown)(settings.text(s.name)), s.name).to.deep.equal(value);
    }
  });

  it('maxmemory defaults to a share of the heap limit, below it', async () => {
    const { getHeapStatistics } = await import('node:v8');
    const maxmemory = new Settings().get('maxmemory');
    expect(maxmemory).to.be.greaterThan(0).and.lessThan(getHeapStatistics().heap_size_limit);
  });

  it('refuses a value out of range given in code, naming the setting', () => {
    const e = refusal(() => new Settings({ 'event-log': 99_999_999_999 })) as SettingError;
    expect(e).to.be.instanceOf(SettingError);
    expect(e.setting).to.equal('event-log');
    expect(() => new Settings({ 'offline-after': 60_000, 'evict-after': 1000 })).to.throw(SettingError, /at least offline-after/);
  });

  it('applies CONFIG SET-style changes all or none, and tells listeners', () => {
    const settings = new Settings();
    const seen: number[] = [];
    settings.onChange('maxmemory', (v) => seen.push(v));
    settings.setTexts([['maxmemory', '64mb']]);
    expect(settings.get('maxmemory')).to.equal(64 * 1024 ** 2);
    expect(settings.text('maxmemory')).to.equal(String(64 * 1024 ** 2));
    expect(() =>
      settings.setTexts([
        ['maxmemory', '1gb'],
        ['maxclients', 'lots'],
      ]),
    ).to.throw(SettingError, /parsed into an integer/);
    expect(settings.get('maxmemory')).to.equal(64 * 1024 ** 2);
    expect(seen).to.deep.equal([64 * 1024 ** 2]);
  });

  it('merges a client-output-buffer-limit given for one class with the others, units allowed', () => {
    const settings = new Settings();
    settings.setTexts([['client-output-buffer-limit', 'pubsub 64mb 16MB 30']]);
    expect(settings.text('client-output-buffer-limit')).to.equal(
      `normal 0 0 0 slave 268435456 67108864 60 pubsub ${64 * 1024 ** 2} ${16 * 1024 ** 2} 30`,
    );
    expect(() => settings.setTexts([['client-output-buffer-limit', 'pubsub 1 2']])).to.throw(SettingError, /Wrong number of arguments/);
    expect(() => settings.setTexts([['client-output-buffer-limit', 'master 1 2 3']])).to.throw(SettingError, /Invalid client class/);
  });
});

describe('the command line, made from the settings list', () => {
  it('has a flag for every row that has one, with its range and default in --help', () => {
    const help = usageText();
    for (const s of SETTINGS) if (s.flag !== false) expect(help).to.include(`--${s.name}`);
    expect(help).to.include('range 1 to 10000000; default 100000');
  });

  it('reads flags, then env variables, through the same parsers', () => {
    const { values } = readCommandLine(['--maxmemory', '2gb', '--event-log', '10', '--ignore-bad-snapshot'], { REGISTRY_PORT: '7000' });
    expect(values).to.deep.equal({ port: 7000, maxmemory: 2 * 1024 ** 3, 'event-log': 10, 'ignore-bad-snapshot': true });
  });

  it('names the flag and the value it refuses', () => {
    expect(refusal(() => readCommandLine(['--event-log', '99999999999'], {})).message).to.equal(
      '--event-log 99999999999: argument must be between 1 and 10000000 inclusive',
    );
    expect(refusal(() => readCommandLine([], { REGISTRY_PORT: '70000' })).message).to.equal(
      'REGISTRY_PORT=70000: argument must be between 0 and 65535 inclusive',
    );
    expect(refusal(() => readCommandLine(['--nope'], {}))).to.be.instanceOf(SettingError);
  });

  it('documents every setting in the COMMANDS.md table', () => {
    const table = settingsMarkdown();
    for (const s of SETTINGS) expect(table).to.include(s.flag === false ? `\`${s.name}\`` : `\`--${s.name}`);
  });
});
