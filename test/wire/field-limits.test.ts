// Each heartbeat field has a documented bound (in UTF-8 bytes) and a clear error past it, on every HBEAT path
// (the byte-level fast path, the argument path, the JSON form); nothing of a refused beat is applied.

import { expect } from 'chai';
import { DEVICE_ID_MAX, FIELD_MAX_BYTES } from '../../src/registry/field-limits.js';
import { StringPool } from '../../src/registry/string-pool.js';
import { WireFixture, record, rejection, type Client } from './fixture.js';

describe('heartbeat field bounds', () => {
  let fx: WireFixture;
  let r: Client;

  beforeEach(async () => {
    fx = await WireFixture.start();
    r = await fx.ioredis();
  });
  afterEach(() => fx.close());

  it('takes every field at its bound', async () => {
    const id = 'w'.repeat(FIELD_MAX_BYTES.worker_id);
    const url = 'http://h/' + 'u'.repeat(FIELD_MAX_BYTES.url - 9);
    expect(
      await r.call(
        'HBEAT',
        id,
        'h'.repeat(FIELD_MAX_BYTES.hive_id),
        'URL',
        url,
        'MODEL',
        'm'.repeat(FIELD_MAX_BYTES.model_id),
        'BACKEND',
        'b'.repeat(FIELD_MAX_BYTES.backend),
        'DEVICE',
        String(DEVICE_ID_MAX),
      ),
    ).to.equal(1);
    const w = record(await r.call('WORKER.GET', id));
    expect(w.url).to.equal(url);
    expect(w.device_id).to.equal(DEVICE_ID_MAX);
  });

  it('refuses each field one byte over its bound, naming it, and applies nothing', async () => {
    const over = (n: number, c = 'x') => c.repeat(n + 1);
    const cases: Array<[string[], string]> = [
      [[over(FIELD_MAX_BYTES.worker_id), 'h'], `ERR invalid worker_id '${'x'.repeat(128)}…': longer than 256 bytes`],
      [['w', over(FIELD_MAX_BYTES.hive_id)], `ERR invalid hive_id '${'x'.repeat(128)}…': longer than 256 bytes`],
      [
        ['w', 'h', 'URL', 'http://h/' + over(FIELD_MAX_BYTES.url - 9)],
        `ERR invalid URL 'http://h/${'x'.repeat(119)}…': longer than 2048 bytes`,
      ],
      [['w', 'h', 'MODEL', over(FIELD_MAX_BYTES.model_id)], `ERR invalid MODEL '${'x'.repeat(128)}…': longer than 512 bytes`],
      [['w', 'h', 'BACKEND', over(FIELD_MAX_BYTES.backend)], `ERR invalid BACKEND '${'x'.repeat(65)}': longer than 64 bytes`],
      [['w', 'h', 'DEVICE', String(DEVICE_ID_MAX + 1)], "ERR invalid DEVICE '65536': expected an integer from 0 to 65535"],
      // Bytes, not characters: 86 three-byte characters are 258 bytes.
      [['€'.repeat(86), 'h'], `ERR invalid worker_id '${'€'.repeat(86)}': longer than 256 bytes`],
      // Lower case options take the argument path.
      [['w', 'h', 'model', over(FIELD_MAX_BYTES.model_id)], `ERR invalid MODEL '${'x'.repeat(128)}…': longer than 512 bytes`],
    ];
    for (const [args, message] of cases)
      expect((await rejection(r.call('HBEAT', ...args))).message, args.join(' ').slice(0, 40)).to.equal(message);
    const json = { worker_id: 'w', hive_id: 'h', backend: over(FIELD_MAX_BYTES.backend) };
    expect((await rejection(r.call('HBEAT', 'JSON', JSON.stringify(json)))).message).to.equal(
      `ERR invalid backend '${'x'.repeat(65)}': longer than 64 bytes`,
    );
    expect(await r.call('WORKER.COUNT')).to.equal(0);
    expect(await r.call('HIVE.COUNT')).to.equal(0);
  });
});

describe('StringPool', () => {
  it('stays within its byte budget, dropping the oldest strings first', () => {
    const pool = new StringPool(10_000);
    for (let i = 0; i < 1000; i++) pool.keep(`value-${i}-${'x'.repeat(100)}`);
    expect(pool.size).to.be.at.most(10_000);
    expect(pool.get(`value-999-${'x'.repeat(100)}`)).to.be.a('string');
    expect(pool.get(`value-0-${'x'.repeat(100)}`)).to.equal(undefined);
    // A string larger than the whole budget is handed back, not kept.
    expect(pool.keep('y'.repeat(20_000))).to.have.length(20_000);
    expect(pool.size).to.be.at.most(10_000);
  });

  it('keeps a string in use through any stream of new ones, as the one copy', () => {
    const pool = new StringPool(10_000);
    const often = pool.keep(['http://10.0.0.1', ':8080'].join(''));
    for (let i = 0; i < 10_000; i++) {
      pool.keep(`http://10.1.${i >> 8}.${i & 255}:8080`);
      if (i % 20 === 0) expect(pool.keep('http://10.0.0.1:8080')).to.equal(often);
    }
    expect(pool.get('http://10.0.0.1:8080')).to.equal(often);
    expect(pool.size).to.be.at.most(10_000);
  });
});
