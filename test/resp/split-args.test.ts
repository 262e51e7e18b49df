// splitArgs against Redis' sdssplitargs, which splits inline requests (and redis-cli input) into words.

import { expect } from 'chai';
import { splitArgs } from '../../src/resp/decoder.js';

function split(line: string): string[] | null {
  const buf = Buffer.from(line, 'latin1');
  const out = splitArgs(buf, 0, buf.length);
  return out === null ? null : out.map((b) => b.toString('latin1'));
}

describe('splitArgs (sdssplitargs)', () => {
  const words: Array<[string, string, string[]]> = [
    ['words separated by spaces', 'set key value', ['set', 'key', 'value']],
    ['runs of blanks, leading and trailing', '  \t set \t\t key   value \r\n ', ['set', 'key', 'value']],
    ['an empty line', '', []],
    ['a blank line', ' \t\r\n\x0b\x0c ', []],
    ['a double-quoted word with spaces', 'echo "hello world"', ['echo', 'hello world']],
    ['a single-quoted word with spaces', "echo 'hello world'", ['echo', 'hello world']],
    ['empty quoted words', `echo "" ''`, ['echo', '', '']],
    ['\\xHH escapes, either case', '"\\x41\\x62\\xfF\\x00"', ['Ab\xff\x00']],
    ['an incomplete \\x escape is an escaped x', '"\\x4" "\\xZZ" "\\x"', ['x4', 'xZZ', 'x']],
    ['C escapes', '"a\\nb\\rc\\td\\be\\af"', ['a\nb\rc\td\be\x07f']],
    ['an escaped quote and backslash', '"say \\"hi\\" \\\\o/"', ['say "hi" \\o/']],
    ['any other escaped character is itself', '"\\q\\\'"', ["q'"]],
    ["only \\' is an escape inside single quotes", "'it\\'s \\n \\x41 \"x\"'", ['it\'s \\n \\x41 "x"']],
    ['a quote inside a word opens a quoted part of it', 'ab"cd ef" x', ['abcd ef', 'x']],
    ['a closing quote followed by a blank', '"a"\t"b"\r"c"\n', ['a', 'b', 'c']],
    ['\\v and \\f inside an unquoted word belong to it', 'a\x0bb c\x0cd', ['a\x0bb', 'c\x0cd']],
    ['bytes above 0x7f are kept as they are', 'caf\xe9 "\xff\x80"', ['caf\xe9', '\xff\x80']],
  ];
  for (const [what, line, expected] of words) {
    it(`${what}: ${JSON.stringify(line)}`, () => {
      expect(split(line)).to.deep.equal(expected);
    });
  }

  const unbalanced: Array<[string, string]> = [
    ['an unterminated double quote', 'echo "abc'],
    ['an unterminated single quote', "echo 'abc"],
    ['a closing double quote followed by a letter', 'echo "abc"def'],
    ['a closing single quote followed by a letter', "echo 'abc'def"],
    ['a closing quote followed by another quote', `echo "a""b"`],
    ['an escaped closing quote', 'echo "abc\\"'],
    ['a backslash at the end inside quotes', 'echo "abc\\'],
    ['only an opening quote', '"'],
  ];
  for (const [what, line] of unbalanced) {
    it(`returns null for ${what}: ${JSON.stringify(line)}`, () => {
      expect(split(line)).to.equal(null);
    });
  }

  it('reads only the given range of the buffer', () => {
    const buf = Buffer.from('xx"ab cd" ef"yy', 'latin1');
    expect(splitArgs(buf, 2, buf.length - 3)!.map(String)).to.deep.equal(['ab cd', 'ef']);
    // The range ends inside what would otherwise be a closed quote.
    expect(splitArgs(buf, 2, 6)).to.equal(null);
  });
});
