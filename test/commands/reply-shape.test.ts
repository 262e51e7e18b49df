// The reply-shape check itself: it must be able to fail, or the harness proves nothing.

import { expect } from 'chai';
import { replyShapeMismatch, shape } from '../../src/commands/reply-shape.js';
import { DoubleReply, ErrorReply, MapReply, ONE, ZERO } from '../../src/resp/reply.js';

describe('reply shapes', () => {
  it('accepts what matches, reading pre-encoded replies as their value', () => {
    expect(replyShapeMismatch(ONE, shape.integer(0, 1))).to.equal(null);
    expect(replyShapeMismatch(ZERO, shape.integer(0, 1))).to.equal(null);
    expect(replyShapeMismatch(null, shape.oneOf(shape.bulk, shape.nil))).to.equal(null);
    expect(replyShapeMismatch(MapReply.of({ a: 1, b: new DoubleReply(1.5) }), shape.map({ a: shape.integer(), b: shape.double }))).to.equal(
      null,
    );
    expect(replyShapeMismatch(['x', 'y'], shape.array(shape.bulk))).to.equal(null);
    // An error reply is never a shape mismatch: the spec's `errors` list documents those.
    expect(replyShapeMismatch(new ErrorReply('ERR x'), shape.integer())).to.equal(null);
  });

  it('names where and how a reply differs', () => {
    expect(replyShapeMismatch(2, shape.integer(0, 1))).to.equal('reply: expected integer 0|1, got 2');
    expect(replyShapeMismatch('1', shape.integer())).to.equal('reply: expected integer, got string "1"');
    expect(replyShapeMismatch(MapReply.of({ a: 1 }), shape.map({ a: shape.integer(), b: shape.double }))).to.equal(
      'reply: expected keys a, b, got a',
    );
    expect(replyShapeMismatch(MapReply.of({ a: 'x' }), shape.map({ a: shape.integer() }))).to.equal(
      'reply.a: expected integer, got string "x"',
    );
    expect(replyShapeMismatch(['x', 3], shape.array(shape.bulk))).to.equal('reply[1]: expected bulk, got number 3');
  });
});
