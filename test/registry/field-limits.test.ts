// checkId: the checks every heartbeat runs on its two ids, on the fast path (printable ASCII) and off it.

import { expect } from 'chai';
import { checkId } from '../../src/registry/field-limits.js';

function refusal(value: string, limit = 16): string {
  try {
    checkId(value, 'worker_id', limit);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

describe('checkId', () => {
  it('takes printable ASCII up to its bound, and refuses one byte more', () => {
    expect(checkId('gpu0-worker', 'worker_id', 16)).to.equal('gpu0-worker');
    expect(checkId('!~'.repeat(8), 'worker_id', 16)).to.equal('!~'.repeat(8));
    expect(refusal('x'.repeat(17))).to.equal(`invalid worker_id '${'x'.repeat(17)}': longer than 16 bytes`);
  });

  it('still refuses empty and whitespace-only ids, and lone surrogates; takes spaces and Unicode inside an id', () => {
    expect(refusal('')).to.equal("invalid worker_id '': expected a non-empty string");
    expect(refusal(' ')).to.equal("invalid worker_id ' ': expected a string that is not only whitespace");
    expect(refusal('\u00a0\u2003')).to.equal("invalid worker_id '\u00a0\u2003': expected a string that is not only whitespace");
    expect(refusal('w\udcff')).to.equal("invalid worker_id 'w\\udcff': not valid UTF-8 (a lone surrogate)");
    expect(checkId('gpu 0', 'worker_id', 16)).to.equal('gpu 0');
    expect(checkId('gpu-é-🙂', 'worker_id', 16)).to.equal('gpu-é-🙂');
    // Past ASCII the bound counts UTF-8 bytes, not units: 9 units, 18 bytes.
    expect(refusal('ééééééé🙂')).to.match(/longer than 16 bytes$/);
  });

  it('refuses an id of whitespace alone, as \\s counts it, whatever character it starts with', () => {
    // Every character \s matches, and their neighbours in each range.
    const whitespace = [...'\t\n\v\f\r \u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'];
    const others = [...'\b\u000e\u001f!~\u007f\u0080\u009f\u00a1\u167f\u1681\u1fff\u200b\u202a\u2030\u205e\u2060\u2fff\u3001\ufefe\uffff'];
    for (const a of [...whitespace, ...others]) {
      for (const b of ['', ' ', 'x']) {
        const id = a + b;
        const refused = (() => {
          try {
            checkId(id, 'worker_id', 16);
            return false;
          } catch {
            return true;
          }
        })();
        expect(refused, JSON.stringify(id)).to.equal(/^\s+$/.test(id));
      }
    }
  });
});
