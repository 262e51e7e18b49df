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
});
