// The few `expect(...)` forms the model tests call thousands of times per history, on node:assert: chai's
// proxies were more than half of those suites' time (measured with node --cpu-prof), which brought them near their
// timeout on two busy cores. Same messages, same strictness (deep equality compares like chai's: by value, with
// prototypes).

import assert from 'node:assert/strict';

export function fastExpect(actual: unknown, message?: string) {
  return {
    to: {
      equal: (expected: unknown) => assert.equal(actual, expected, message),
      deep: { equal: (expected: unknown) => assert.deepEqual(actual, expected, message) },
    },
    not: { to: { equal: (expected: unknown) => assert.notEqual(actual, expected, message) } },
  };
}
