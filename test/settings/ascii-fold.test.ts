// asciiLower/asciiUpper against a plain per-character definition: only the 26 ASCII letters change case, and a
// string with nothing to change comes back as it is (the command lookup folds every upper-case name it gets).

import { expect } from 'chai';
import fc from 'fast-check';
import { asciiLower, asciiUpper } from '../../src/settings/values.js';

const byUnit = (text: string, from: string, to: string): string =>
  Array.from({ length: text.length }, (_, i) => {
    const c = text.charCodeAt(i);
    return c >= from.charCodeAt(0) && c <= to.charCodeAt(0) ? String.fromCharCode(c ^ 0x20) : text[i]!;
  }).join('');

describe('ASCII case folding', () => {
  it('changes only A-Z (asciiLower) and a-z (asciiUpper), past ASCII too', () => {
    expect(asciiLower('HBEAT')).to.equal('hbeat');
    expect(asciiUpper('hbeat')).to.equal('HBEAT');
    expect(asciiLower('Client|KILL')).to.equal('client|kill');
    // The Kelvin sign and the long s are not k and s; ASCII letters beside them still fold.
    expect(asciiLower('+client|\u212Aill')).to.equal('+client|\u212Aill');
    expect(asciiLower('ALL\u212AEYS')).to.equal('all\u212Aeys');
    expect(asciiUpper('re\u017Fet')).to.equal('RE\u017FET');
    expect(asciiLower('ÀBÇ')).to.equal('ÀbÇ');
    expect(asciiUpper('àbç')).to.equal('àBç');
    expect(asciiLower('@[`{')).to.equal('@[`{');
    expect(asciiUpper('@[`{')).to.equal('@[`{');
    expect(asciiLower('')).to.equal('');
  });

  it('agrees with the per-character definition on any string', () => {
    const tricky = fc.constantFrom('A', 'Z', 'a', 'z', 'K', 's', '\u212A', '\u017F', 'À', 'à', '@', '[', '`', '{', '\ud800', 'é');
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: tricky }));
    fc.assert(
      fc.property(text, (s) => {
        expect(asciiLower(s)).to.equal(byUnit(s, 'A', 'Z'));
        expect(asciiUpper(s)).to.equal(byUnit(s, 'a', 'z'));
      }),
      { numRuns: 2000 },
    );
  });
});
