// WORKER.URL in-process, in both protocols: the URL as a bulk string, nil for an unknown worker or one that never
// sent a URL, and the arity error.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

describe('WORKER.URL (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('answers the URL as a bulk string in both protocols', async () => {
    await h.run(['HBEAT', 'w1', 'hive-a', 'URL', 'http://10.0.0.5:8080']);
    const { resp2, resp3 } = await h.both(['WORKER.URL', 'w1']);
    expect([resp2.resp2, resp3.resp3]).to.deep.equal(['$20\r\nhttp://10.0.0.5:8080\r\n', '$20\r\nhttp://10.0.0.5:8080\r\n']);
  });

  it('answers nil for an unknown worker and for one that never sent a URL', async () => {
    await h.run(['HBEAT', 'w2', 'hive-a']);
    for (const id of ['nope', 'w2']) {
      const r = await h.run(['WORKER.URL', id]);
      expect([r.resp2, r.resp3]).to.deep.equal(['$-1\r\n', '_\r\n']);
    }
  });

  it('refuses a wrong number of arguments in Redis words', async () => {
    await h.refuses(['WORKER.URL'], "ERR wrong number of arguments for 'worker.url' command");
  });
});
