// fitMaxClients: the cases a process test cannot reach (Node cannot even load its modules under a limit of 32,
// and the limit is always readable on Linux), with Redis' log lines.

import { expect } from 'chai';
import { fitMaxClients, openFilesLimit } from '../../src/server/open-files.js';

describe('open-file limit and maxclients', () => {
  it('reads this process limit as a number (or unlimited)', () => {
    const limit = openFilesLimit();
    expect(limit).to.be.a('number');
    expect(limit).to.be.greaterThan(32);
  });

  it('keeps maxclients when the limit has room for it and the 32 reserved descriptors', () => {
    expect(fitMaxClients(10_000, 10_032)).to.deep.equal({ maxclients: 10_000, warnings: [] });
    expect(fitMaxClients(10_000, Infinity)).to.deep.equal({ maxclients: 10_000, warnings: [] });
  });

  it('lowers maxclients to the limit minus 32 one descriptor short', () => {
    const fit = fitMaxClients(10_000, 10_031);
    expect(fit.maxclients).to.equal(9_999);
    expect(fit.fatal).to.equal(undefined);
    expect(fit.warnings[0]).to.equal('You requested maxclients of 10000 requiring at least 10032 max file descriptors.');
  });

  it("refuses to start with Redis' words when the limit leaves no descriptor for a client", () => {
    const fit = fitMaxClients(10_000, 32);
    expect(fit.fatal).to.equal(
      "Your current 'ulimit -n' of 32 is not enough for the server to start. Please increase your open file limit to at least 10032. Exiting.",
    );
  });

  it('assumes 1024 when the limit cannot be read, as Redis', () => {
    const fit = fitMaxClients(10_000, new Error('no /bin/sh'));
    expect(fit).to.deep.equal({
      maxclients: 992,
      warnings: [
        'Unable to obtain the current NOFILE limit (no /bin/sh), assuming 1024 and setting the max clients configuration accordingly.',
      ],
    });
    expect(fitMaxClients(100, new Error('x')).maxclients).to.equal(100);
  });
});
