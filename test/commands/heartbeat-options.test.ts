// HBEAT's option table and value validation: option pairs (read as strings here; the byte path shares the
// parser, see hbeat-fast-path.test.ts) and the seed's JSON payload. Every error names the field and the value,
// and a rejected heartbeat leaves the registry exactly as it was.

import { expect } from 'chai';
import fc from 'fast-check';
import { ArgvFrame } from '../../src/commands/argv-frame.js';
import { parseHeartbeatJson, parseHeartbeatOptions as parseFrame } from '../../src/commands/registry/heartbeat-options.js';
import { parsePercent, parseTimestamp, parseUint } from '../../src/registry/heartbeat-input.js';
import { WorkerRegistry } from '../../src/registry/registry.js';
import { HEALTH_VALUES, type HeartbeatFields, RegistryError, WORKER_STATES } from '../../src/registry/types.js';
import { ManualClock } from '../helpers/clock.js';

const parseHeartbeatOptions = (args: string[]): HeartbeatFields => parseFrame(new ArgvFrame(args), 0);

/** The error `fn` throws; fails the test when it throws nothing or something other than a RegistryError. */
function registryErrorOf(fn: () => unknown): RegistryError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(RegistryError);
    return e as RegistryError;
  }
  return expect.fail('expected a RegistryError, nothing was thrown');
}

function optionError(args: string[]): string {
  return registryErrorOf(() => parseHeartbeatOptions(args)).message;
}

function jsonError(payload: unknown): string {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return registryErrorOf(() => parseHeartbeatJson(text)).message;
}

const IDS = { worker_id: 'gpu0-worker', hive_id: 'hive-a' };

describe('heartbeat input', () => {
  describe('parseHeartbeatOptions', () => {
    it('returns no fields for no options', () => {
      expect(parseHeartbeatOptions([])).to.deep.equal({});
    });

    it('parses every option into its field', () => {
      // prettier-ignore
      const fields = parseHeartbeatOptions([
        'STATE', 'Busy', 'HEALTH', 'degraded', 'URL', 'http://10.0.0.5:8081', 'MODEL', 'llama-3-8b',
        'BACKEND', 'cuda', 'DEVICE', '3', 'VRAM', '8000000000', 'VRAM_TOTAL', '24000000000', 'RAM', '2000000000',
        'CPU', '12.5', 'GPU', '99.75', 'TS', '2025-01-31T12:00:00+02:00',
      ]);
      expect(fields).to.deep.equal({
        state: 'Busy',
        health: 'degraded',
        url: 'http://10.0.0.5:8081',
        modelId: 'llama-3-8b',
        backend: 'cuda',
        deviceId: 3,
        vramBytes: 8_000_000_000,
        vramTotalBytes: 24_000_000_000,
        ramBytes: 2_000_000_000,
        cpuPercent: 12.5,
        gpuPercent: 99.75,
        reportedAt: '2025-01-31T12:00:00+02:00',
        reportedAtMs: Date.UTC(2025, 0, 31, 10, 0, 0),
      });
    });

    it('takes option names in any case and any order', () => {
      expect(parseHeartbeatOptions(['gpu', '40', 'StAtE', 'Loading', 'vram', '7', 'Model', 'm'])).to.deep.equal({
        gpuPercent: 40,
        state: 'Loading',
        vramBytes: 7,
        modelId: 'm',
      });
    });

    it('takes STATE and HEALTH values in any case and stores their canonical spelling', () => {
      for (const state of WORKER_STATES) {
        for (const spelling of [state, state.toLowerCase(), state.toUpperCase()]) {
          expect(parseHeartbeatOptions(['STATE', spelling]).state).to.equal(state);
        }
      }
      for (const health of HEALTH_VALUES) {
        for (const spelling of [health, health.toUpperCase(), health[0]!.toUpperCase() + health.slice(1)]) {
          expect(parseHeartbeatOptions(['HEALTH', spelling]).health).to.equal(health);
        }
      }
    });

    it('keeps string values exactly as sent', () => {
      const fields = parseHeartbeatOptions(['MODEL', 'Llama-3-8B', 'BACKEND', 'CUDA', 'URL', 'HTTP://Gpu0:8081/V1']);
      expect(fields).to.deep.equal({ modelId: 'Llama-3-8B', backend: 'CUDA', url: 'HTTP://Gpu0:8081/V1' });
    });

    it('rejects an unknown option, naming it as sent', () => {
      expect(optionError(['color', 'red'])).to.equal("unknown HBEAT option 'color'");
      expect(optionError(['STATE', 'Idle', 'JSON', '{}'])).to.equal("unknown HBEAT option 'JSON'");
      expect(optionError(['bogus'])).to.equal("unknown HBEAT option 'bogus'");
    });

    it('rejects an option without a value, naming the option', () => {
      expect(optionError(['STATE'])).to.equal('HBEAT option STATE needs a value');
      expect(optionError(['STATE', 'Idle', 'gpu'])).to.equal('HBEAT option GPU needs a value');
      expect(optionError(['vram', '1', 'Ts'])).to.equal('HBEAT option TS needs a value');
    });

    it('rejects a bad STATE', () => {
      for (const v of ['sleeping', '', 'Idle ', 'Idl', 'offline']) {
        expect(optionError(['STATE', v])).to.equal(`invalid STATE '${v}': expected Idle, Busy or Loading`);
      }
    });

    it('rejects a bad HEALTH', () => {
      for (const v of ['ok', 'unhealthy', '', 'healthy!']) {
        expect(optionError(['HEALTH', v])).to.equal(`invalid HEALTH '${v}': expected healthy or degraded`);
      }
    });

    it('accepts absolute URLs and rejects anything else', () => {
      for (const v of ['http://10.0.0.5:8081', 'https://gpu0.example/v1', 'http://[::1]:8080']) {
        expect(parseHeartbeatOptions(['URL', v]).url).to.equal(v);
      }
      for (const v of ['not a url', '', '10.0.0.5:8080', 'http://', '/v1/infer']) {
        expect(optionError(['URL', v])).to.equal(`invalid URL '${v}': expected an absolute URL like http://10.0.0.5:8080`);
      }
    });

    it('rejects an empty MODEL or BACKEND', () => {
      expect(optionError(['MODEL', ''])).to.equal("invalid MODEL '': expected a non-empty string");
      expect(optionError(['BACKEND', ''])).to.equal("invalid BACKEND '': expected a non-empty string");
    });

    it('accepts DEVICE as an integer from 0 to 65535 and rejects anything else', () => {
      expect(parseHeartbeatOptions(['DEVICE', '0']).deviceId).to.equal(0);
      expect(parseHeartbeatOptions(['DEVICE', '17']).deviceId).to.equal(17);
      for (const v of ['-1', '1.5', 'abc', '', '01', '+1', ' 1', '1e3', '0x10', '9007199254740992']) {
        expect(optionError(['DEVICE', v])).to.equal(`invalid DEVICE '${v}': expected an integer from 0 to 65535`);
      }
    });

    for (const [option, key] of [
      ['VRAM', 'vramBytes'],
      ['VRAM_TOTAL', 'vramTotalBytes'],
      ['RAM', 'ramBytes'],
    ] as const) {
      it(`accepts ${option} up to the largest exact integer`, () => {
        expect(parseHeartbeatOptions([option, '0'])[key]).to.equal(0);
        expect(parseHeartbeatOptions([option, '8000000000'])[key]).to.equal(8e9);
        expect(parseHeartbeatOptions([option, String(Number.MAX_SAFE_INTEGER)])[key]).to.equal(Number.MAX_SAFE_INTEGER);
      });

      it(`rejects a negative, fractional, huge or non-numeric ${option}`, () => {
        const huge = String(Number.MAX_SAFE_INTEGER + 1);
        for (const v of ['-1', '-0', '1.5', '8e9', huge, '99999999999999999999999', 'lots', '', ' 5', '5 ']) {
          expect(optionError([option, v])).to.equal(`invalid ${option} '${v}': expected a non-negative integer (bytes)`);
        }
      });
    }

    for (const option of ['CPU', 'GPU'] as const) {
      const key = option === 'CPU' ? 'cpuPercent' : 'gpuPercent';

      it(`accepts ${option} from 0 to 100 inclusive`, () => {
        for (const [v, n] of [
          ['0', 0],
          ['100', 100],
          ['12.5', 12.5],
          ['.5', 0.5],
          ['5.', 5],
          ['100.0', 100],
          ['1e-7', 1e-7],
          ['1E1', 10],
        ] as const) {
          expect(parseHeartbeatOptions([option, v])[key], v).to.equal(n);
        }
      });

      it(`rejects ${option} outside 0-100 or not a number`, () => {
        for (const v of ['-0.1', '-1', '100.0001', '101', '1e3', 'abc', '', 'NaN', 'Infinity', '50%', '0x10', '+5', ' 5']) {
          expect(optionError([option, v])).to.equal(`invalid ${option} '${v}': expected a number from 0 to 100`);
        }
      });
    }

    it('accepts TS with an offset and stores the text as sent', () => {
      for (const v of [
        '2025-01-31T12:00:00Z',
        '2025-01-31T12:00:00.123+02:00',
        '2025-01-31t12:00:00z',
        '2025-01-31 12:00:00Z',
        '2025-01-31T12:00Z',
        '2025-01-31T12:00:00-0530',
        '2024-02-29T23:59:59Z',
        '2000-02-29T00:00:00Z',
        '0000-02-29T00:00:00Z',
        '2025-01-31T12:00:00,5Z',
        '2025-01-31T12:00:00.123456789Z',
      ]) {
        const fields = parseHeartbeatOptions(['TS', v]);
        expect(fields.reportedAt, v).to.equal(v);
        expect(fields.reportedAtMs, v).to.equal(parseTimestamp(v));
      }
      expect(parseHeartbeatOptions(['ts', '2025-01-31T12:00:00-0530']).reportedAtMs).to.equal(Date.UTC(2025, 0, 31, 17, 30, 0));
    });

    it('rejects TS that is not a real date-time with an offset', () => {
      for (const v of [
        '2025-02-30T00:00:00Z',
        '2025-02-29T00:00:00Z',
        '1900-02-29T00:00:00Z',
        '2025-04-31T00:00:00Z',
        '2025-13-01T00:00:00Z',
        '2025-00-10T00:00:00Z',
        '2025-01-00T00:00:00Z',
        '2025-01-31T24:00:00Z',
        '2025-01-31T12:60:00Z',
        '2025-01-31T12:00:61Z',
        '2025-01-31T12:00:00+24:00',
        '2025-01-31T12:00:00+02:60',
        '2025-01-31T12:00:00',
        '2025-01-31T12:00:00.000',
        '2025-01-31',
        '1738324800',
        'yesterday',
        '',
        '2025-1-31T12:00:00Z',
      ]) {
        expect(optionError(['TS', v]), v).to.equal(
          `invalid TS '${v}': expected an ISO 8601 date-time with offset, like 2025-01-31T12:00:00Z`,
        );
      }
    });

    it('fails on the first bad pair, even after valid ones', () => {
      expect(optionError(['STATE', 'Busy', 'VRAM', '1', 'GPU', '101', 'CPU', '-1'])).to.equal(
        "invalid GPU '101': expected a number from 0 to 100",
      );
    });
  });

  describe('value parsers', () => {
    it('parseTimestamp returns the instant, honouring the offset', () => {
      expect(parseTimestamp('2025-01-31T12:00:00+02:00')).to.equal(Date.UTC(2025, 0, 31, 10, 0, 0));
      expect(parseTimestamp('2025-01-31T12:00:00-0530')).to.equal(Date.UTC(2025, 0, 31, 17, 30, 0));
      expect(parseTimestamp('2025-01-31 12:00:00.250Z')).to.equal(Date.UTC(2025, 0, 31, 12, 0, 0, 250));
      expect(parseTimestamp('2025-01-31T12:00:00,5Z')).to.equal(Date.UTC(2025, 0, 31, 12, 0, 0, 500));
    });

    it('parseTimestamp agrees with a regular-expression definition of the form, on any text', () => {
      // The form as one expression, and the instant from Date (its years 0-99 set with setUTCFullYear).
      const form = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;
      const reference = (text: string): number | null => {
        const m = form.exec(text);
        if (m === null) return null;
        const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
        const second = m[6] === undefined ? 0 : Number(m[6]);
        const offset = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
        if (m[8] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return null;
        const date = new Date(0);
        date.setUTCFullYear(year, month - 1, day);
        if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 60) return null;
        date.setUTCHours(hour, minute - offset, second, m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3)));
        return date.getTime();
      };
      const parsed = (text: string): number | null => {
        try {
          return parseTimestamp(text);
        } catch (e) {
          expect(e).to.be.instanceOf(RegistryError);
          return null;
        }
      };
      // Texts of the form (calendar values at random), the same with one character changed, dropped or added,
      // and any text.
      const shaped = fc.stringMatching(form);
      const edit = fc.tuple(shaped, fc.nat(), fc.constantFrom(...'0123456789-:Tt Zz+.,x'), fc.constantFrom('set', 'drop', 'add'));
      const text = fc.oneof(
        shaped,
        edit.map(([t, at, c, how]) => {
          const i = at % (t.length + 1);
          return how === 'set'
            ? t.slice(0, i) + c + t.slice(i + 1)
            : how === 'drop'
              ? t.slice(0, i) + t.slice(i + 1)
              : t.slice(0, i) + c + t.slice(i);
        }),
        fc.string({ maxLength: 40 }),
      );
      fc.assert(
        fc.property(text, (t) => {
          expect(parsed(t), t).to.equal(reference(t));
        }),
        { numRuns: 3000 },
      );
      // Near misses at each end of each part, and some of each kind, so the property cannot pass by rejecting all.
      for (const t of [
        '2025-01-31T12:00:00+02:00x',
        '2025-01-31T12:00:00+02:0',
        '2025-01-31T12:00:00+0200 ',
        '2025-01-31T12:00:00Zz',
        '2025-01-31T12:00:00.Z',
        '2025-01-31T12:00:0Z',
        '2025-01-31t12:00+24:00',
        '2025-01-31T12:00-23:59',
        '2025-1-31T12:00:00Z',
        '2025-01-31T12:00:00.123456789+00:00',
      ]) {
        expect(parsed(t), t).to.equal(reference(t));
      }
      expect(parsed('2025-01-31T12:00-23:59')).to.not.equal(null);
      expect(parsed('0000-02-29T23:59:60.999999999-23:59')).to.equal(reference('0000-02-29T23:59:60.999999999-23:59'));
      expect(parsed('1900-02-29T00:00Z')).to.equal(null);
      expect(parsed('2025-01-31T12:00:00.1234567890Z')).to.equal(null);
    });

    it('name the field they are given', () => {
      expect(registryErrorOf(() => parseUint('x', 'max_age_ms')).message).to.equal(
        "invalid max_age_ms 'x': expected a non-negative integer",
      );
      expect(registryErrorOf(() => parsePercent('x', 'load')).message).to.equal("invalid load 'x': expected a number from 0 to 100");
      expect(registryErrorOf(() => parseTimestamp('x', 'when')).message).to.match(/^invalid when 'x': /);
    });
  });

  describe('parseHeartbeatJson', () => {
    it("maps the seed's full serde payload", () => {
      const hb = parseHeartbeatJson(
        JSON.stringify({
          ...IDS,
          timestamp: '2025-10-22T12:00:00Z',
          health_status: 'degraded',
          state: 'Busy',
          url: 'http://10.0.0.5:8081',
          model_id: 'llama-3-8b',
          backend: 'cuda',
          device_id: 1,
          vram_bytes: 8_000_000_000,
          ram_bytes: 2_000_000_000,
          cpu_percent: 12.5,
          gpu_percent: 40,
        }),
      );
      expect(hb).to.deep.equal({
        workerId: 'gpu0-worker',
        hiveId: 'hive-a',
        fields: {
          reportedAt: '2025-10-22T12:00:00Z',
          reportedAtMs: Date.UTC(2025, 9, 22, 12, 0, 0),
          health: 'degraded',
          state: 'Busy',
          url: 'http://10.0.0.5:8081',
          modelId: 'llama-3-8b',
          backend: 'cuda',
          deviceId: 1,
          vramBytes: 8_000_000_000,
          ramBytes: 2_000_000_000,
          cpuPercent: 12.5,
          gpuPercent: 40,
        },
      });
    });

    it('takes the minimal payload: just the ids', () => {
      expect(parseHeartbeatJson(JSON.stringify(IDS))).to.deep.equal({ workerId: 'gpu0-worker', hiveId: 'hive-a', fields: {} });
    });

    it('treats null as clear, an absent key as not sent, and refuses unknown keys', () => {
      const hb = parseHeartbeatJson(
        JSON.stringify({
          ...IDS,
          timestamp: null,
          health_status: null,
          state: null,
          url: null,
          model_id: null,
          backend: null,
          device_id: null,
          vram_bytes: null,
          vram_total_bytes: null,
          ram_bytes: null,
          cpu_percent: null,
          gpu_percent: 7,
        }),
      );
      expect(hb.fields).to.deep.equal({
        reportedAt: null,
        health: null,
        state: null,
        url: null,
        modelId: null,
        backend: null,
        deviceId: null,
        vramBytes: null,
        vramTotalBytes: null,
        ramBytes: null,
        cpuPercent: null,
        gpuPercent: 7,
      });
      expect(parseHeartbeatJson(JSON.stringify({ ...IDS, gpu_percent: 7 })).fields).to.deep.equal({ gpuPercent: 7 });
      for (const key of ['colour', 'STATE', 'vram']) {
        expect(() => parseHeartbeatJson(JSON.stringify({ ...IDS, [key]: 1 })), key).to.throw(
          RegistryError,
          `invalid HBEAT JSON payload: unknown field '${key}'`,
        );
      }
    });

    it('takes very small and exactly-integral numbers as JSON prints them', () => {
      // serde_json prints small floats with an exponent; integral floats may come as 8000000000.0.
      expect(parseHeartbeatJson(`{"worker_id":"w","hive_id":"h","gpu_percent":1e-7,"cpu_percent":0.0}`).fields).to.deep.equal({
        gpuPercent: 1e-7,
        cpuPercent: 0,
      });
      expect(parseHeartbeatJson(`{"worker_id":"w","hive_id":"h","vram_bytes":8000000000.0,"device_id":2.0}`).fields).to.deep.equal({
        vramBytes: 8e9,
        deviceId: 2,
      });
    });

    it('rejects a string field of another type, naming the key', () => {
      for (const key of ['worker_id', 'hive_id', 'timestamp', 'health_status', 'state', 'url', 'model_id', 'backend']) {
        for (const bad of [1, true, ['x'], { a: 1 }]) {
          expect(jsonError({ ...IDS, [key]: bad }), key).to.equal(`invalid HBEAT JSON field '${key}': expected a string`);
        }
      }
    });

    it('rejects a number field of another type, naming the key', () => {
      for (const key of ['device_id', 'vram_bytes', 'vram_total_bytes', 'ram_bytes', 'cpu_percent', 'gpu_percent']) {
        for (const bad of ['5', true, [5], { n: 5 }]) {
          expect(jsonError({ ...IDS, [key]: bad }), key).to.equal(`invalid HBEAT JSON field '${key}': expected a number`);
        }
      }
    });

    it('rejects bad values, naming the JSON key and the value', () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ state: 'sleeping' }, "invalid state 'sleeping': expected Idle, Busy or Loading"],
        [{ health_status: 'ok' }, "invalid health_status 'ok': expected healthy or degraded"],
        [{ url: 'nope' }, "invalid url 'nope': expected an absolute URL like http://10.0.0.5:8080"],
        [{ model_id: '' }, "invalid model_id '': expected a non-empty string"],
        [{ backend: '' }, "invalid backend '': expected a non-empty string"],
        [{ device_id: -1 }, "invalid device_id '-1': expected an integer from 0 to 65535"],
        [{ device_id: 1.5 }, "invalid device_id '1.5': expected an integer from 0 to 65535"],
        [{ vram_bytes: -1 }, "invalid vram_bytes '-1': expected a non-negative integer (bytes)"],
        [{ vram_bytes: 0.5 }, "invalid vram_bytes '0.5': expected a non-negative integer (bytes)"],
        [{ vram_bytes: 1e21 }, "invalid vram_bytes '1e+21': expected a non-negative integer (bytes)"],
        [{ vram_total_bytes: -5 }, "invalid vram_total_bytes '-5': expected a non-negative integer (bytes)"],
        [{ ram_bytes: 2 ** 53 }, "invalid ram_bytes '9007199254740992': expected a non-negative integer (bytes)"],
        [{ cpu_percent: -1 }, "invalid cpu_percent '-1': expected a number from 0 to 100"],
        [{ gpu_percent: 100.5 }, "invalid gpu_percent '100.5': expected a number from 0 to 100"],
        [{ gpu_percent: 1e300 }, "invalid gpu_percent '1e+300': expected a number from 0 to 100"],
        [
          { timestamp: '2025-02-30T00:00:00Z' },
          "invalid timestamp '2025-02-30T00:00:00Z': expected an ISO 8601 date-time with offset, like 2025-01-31T12:00:00Z",
        ],
        [
          { timestamp: '2025-10-22T12:00:00' },
          "invalid timestamp '2025-10-22T12:00:00': expected an ISO 8601 date-time with offset, like 2025-01-31T12:00:00Z",
        ],
      ];
      for (const [extra, message] of cases) expect(jsonError({ ...IDS, ...extra })).to.equal(message);
    });

    it('rejects a missing or null id', () => {
      expect(jsonError({ hive_id: 'h' })).to.equal("invalid HBEAT JSON payload: missing 'worker_id'");
      expect(jsonError({ worker_id: null, hive_id: 'h' })).to.equal("invalid HBEAT JSON payload: missing 'worker_id'");
      expect(jsonError({ worker_id: 'w' })).to.equal("invalid HBEAT JSON payload: missing 'hive_id'");
      expect(jsonError({ worker_id: 'w', hive_id: null })).to.equal("invalid HBEAT JSON payload: missing 'hive_id'");
      expect(jsonError({})).to.equal("invalid HBEAT JSON payload: missing 'worker_id'");
    });

    it('rejects an empty id', () => {
      expect(jsonError({ worker_id: '', hive_id: 'h' })).to.equal("invalid worker_id '': expected a non-empty string");
      expect(jsonError({ worker_id: 'w', hive_id: '' })).to.equal("invalid hive_id '': expected a non-empty string");
    });

    it('rejects a payload that is not an object', () => {
      for (const text of ['[]', '[{"worker_id":"w","hive_id":"h"}]', '"w"', '42', 'null', 'true']) {
        expect(jsonError(text), text).to.equal('invalid HBEAT JSON payload: expected an object');
      }
    });

    it('rejects text that is not JSON, passing on why', () => {
      for (const text of ['{', '', "{'worker_id':'w'}", '{"worker_id":"w",}', 'worker_id=w']) {
        const message = jsonError(text);
        expect(message, text).to.match(/^invalid HBEAT JSON payload: \S/);
        expect(message, text).not.to.equal('invalid HBEAT JSON payload: expected an object');
      }
    });
  });

  describe('round trip', () => {
    type SentFields = Omit<HeartbeatFields, 'reportedAtMs'>;
    const fieldsArb: fc.Arbitrary<SentFields> = fc.record(
      {
        state: fc.constantFrom(...WORKER_STATES),
        health: fc.constantFrom(...HEALTH_VALUES),
        url: fc.constantFrom('http://10.0.0.5:8081', 'https://gpu.example/v1'),
        // Names of only whitespace are refused (as blank ids are): the round trip takes the valid ones.
        modelId: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim().length > 0),
        backend: fc.constantFrom('cpu', 'cuda', 'metal'),
        deviceId: fc.nat({ max: 64 }),
        vramBytes: fc.maxSafeNat(),
        vramTotalBytes: fc.maxSafeNat(),
        ramBytes: fc.maxSafeNat(),
        cpuPercent: fc.double({ min: 0, max: 100, noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
        gpuPercent: fc.double({ min: 0, max: 100, noNaN: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
        reportedAt: fc
          .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z'), noInvalidDate: true })
          .map((d) => d.toISOString()),
      },
      { requiredKeys: [] },
    );

    const JSON_KEYS: Record<keyof SentFields, string> = {
      state: 'state',
      health: 'health_status',
      url: 'url',
      modelId: 'model_id',
      backend: 'backend',
      deviceId: 'device_id',
      vramBytes: 'vram_bytes',
      vramTotalBytes: 'vram_total_bytes',
      ramBytes: 'ram_bytes',
      cpuPercent: 'cpu_percent',
      gpuPercent: 'gpu_percent',
      reportedAt: 'timestamp',
    };
    const OPTION_NAMES: Record<keyof SentFields, string> = {
      state: 'STATE',
      health: 'HEALTH',
      url: 'URL',
      modelId: 'MODEL',
      backend: 'BACKEND',
      deviceId: 'DEVICE',
      vramBytes: 'VRAM',
      vramTotalBytes: 'VRAM_TOTAL',
      ramBytes: 'RAM',
      cpuPercent: 'CPU',
      gpuPercent: 'GPU',
      reportedAt: 'TS',
    };
    /** What parsing should give back: the fields sent, and the instant of TS beside its text. */
    const parsed = (fields: SentFields): HeartbeatFields =>
      fields.reportedAt === undefined || fields.reportedAt === null ? fields : { ...fields, reportedAtMs: Date.parse(fields.reportedAt) };

    it('the JSON form gives back every valid field it was sent', () => {
      fc.assert(
        fc.property(fieldsArb, (fields) => {
          const payload: Record<string, unknown> = { ...IDS };
          for (const [key, value] of Object.entries(fields)) payload[JSON_KEYS[key as keyof SentFields]] = value;
          expect(parseHeartbeatJson(JSON.stringify(payload))).to.deep.equal({
            workerId: IDS.worker_id,
            hiveId: IDS.hive_id,
            fields: parsed(fields),
          });
        }),
      );
    });

    it('the option form gives back every valid field, in any order and case', () => {
      fc.assert(
        fc.property(fieldsArb, fc.boolean(), (fields, lower) => {
          const args: string[] = [];
          for (const [key, value] of Object.entries(fields).reverse()) {
            const name = OPTION_NAMES[key as keyof SentFields];
            args.push(lower ? name.toLowerCase() : name, String(value));
          }
          expect(parseHeartbeatOptions(args)).to.deep.equal(parsed(fields));
        }),
      );
    });
  });

  describe('a rejected heartbeat', () => {
    /** What HBEAT does: validate the whole heartbeat, then apply it. */
    function hbeat(registry: WorkerRegistry, argv: string[]): boolean {
      if (argv[0] === 'JSON') {
        const hb = parseHeartbeatJson(argv[1]!);
        return registry.heartbeat(hb.workerId, hb.hiveId, hb.fields);
      }
      return registry.heartbeat(argv[0]!, argv[1]!, parseHeartbeatOptions(argv.slice(2)));
    }

    function snapshot(registry: WorkerRegistry): unknown {
      return {
        workers: registry.listWorkers().map((w) => {
          const {
            workerId,
            hiveId,
            state,
            health,
            url,
            modelId,
            backend,
            deviceId,
            vramBytes,
            vramTotalBytes,
            ramBytes,
            cpuPercent,
            gpuPercent,
            reportedAt,
            skewMs,
            lastSeenMs,
            online,
          } = w;
          return {
            workerId,
            hiveId,
            state,
            health,
            url,
            modelId,
            backend,
            deviceId,
            vramBytes,
            vramTotalBytes,
            ramBytes,
            cpuPercent,
            gpuPercent,
            reportedAt,
            skewMs,
            lastSeenMs,
            online,
          };
        }),
        hives: registry.listHives().map((h) => ({
          id: h.hiveId,
          vram: h.vramUsedBytes,
          ram: h.ramUsedBytes,
          last: h.lastHeartbeatMs,
          workers: registry.workersOnHive(h.hiveId).map((w) => w.workerId),
        })),
        recent: [1, 1_000, 30_000].map((ms) => registry.listWorkers({ maxAgeMs: ms }).map((w) => w.workerId)),
        activeHives: [1, 1_000, 30_000].map((ms) => registry.activeHives(ms).map((h) => h.hiveId)),
        counts: [registry.workerCount(), registry.hiveCount(), registry.onlineWorkerCount()],
      };
    }

    it('changes nothing: no field, no liveness, no hive, no new worker', () => {
      const clock = new ManualClock();
      const registry = new WorkerRegistry({ clock });
      hbeat(registry, ['w1', 'hive-a', 'STATE', 'Idle', 'VRAM', '100', 'GPU', '10', 'MODEL', 'm']);
      clock.advance(1_000);
      hbeat(registry, ['w2', 'hive-b', 'RAM', '5']);
      clock.advance(41_000);
      const before = snapshot(registry);
      const lastSeenBefore = registry.getWorker('w1')!.lastSeenMs;
      const rejected: string[][] = [
        ['w1', 'hive-a', 'STATE', 'Busy', 'VRAM', '200', 'GPU', '101'],
        ['w1', 'hive-c', 'MODEL', 'other', 'TS', '2025-02-30T00:00:00Z'],
        ['w1', 'hive-b', 'VRAM', '-1'],
        ['w3', 'hive-c', 'STATE', 'Idle', 'HEALTH', 'ok'],
        ['w1', 'hive-a', 'STATE', 'Busy', 'nonsense', 'x'],
        ['w1', 'hive-a', 'STATE'],
        ['', 'hive-d', 'STATE', 'Idle'],
        ['w1', '', 'STATE', 'Busy'],
        ['w4', '', 'STATE', 'Busy'],
        ['JSON', JSON.stringify({ worker_id: 'w1', hive_id: 'hive-b', state: 'Busy', vram_bytes: 'lots' })],
        ['JSON', JSON.stringify({ worker_id: 'w3', hive_id: 'hive-c', gpu_percent: 150 })],
        ['JSON', JSON.stringify({ worker_id: '', hive_id: 'hive-c' })],
        ['JSON', JSON.stringify({ worker_id: 'w1', hive_id: '', state: 'Busy' })],
        ['JSON', '{"worker_id":"w1","hive_id":"hive-a"'],
      ];
      for (const argv of rejected) {
        registryErrorOf(() => hbeat(registry, argv));
        // A rejected beat is no proof of life: w1 stays as old as it was.
        expect(registry.getWorker('w1')!.lastSeenMs, argv.join(' ')).to.equal(lastSeenBefore);
      }
      expect(snapshot(registry)).to.deep.equal(before);
      expect(registry.isHiveOnline('hive-a')).to.equal(false);

      // The same registry still takes a valid beat afterwards.
      expect(hbeat(registry, ['w1', 'hive-a', 'STATE', 'Busy'])).to.equal(false);
      expect(registry.getWorker('w1')!.state).to.equal('Busy');
      expect(snapshot(registry)).not.to.deep.equal(before);
    });
  });
});
