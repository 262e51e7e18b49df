// maxclients against the open-file limit: a server started under `ulimit -n 128` lowers maxclients to 128 − 32,
// logs it in Redis' words, answers every client past it with Redis' error (none is reset without a word), and
// refuses CONFIG SET maxclients above what the limit allows, as Redis does.

import { expect } from 'chai';
import { Redis } from 'ioredis';
import { ServerProcess } from '../helpers/process.js';
import { RawClient } from '../helpers/server.js';
import { rejection } from './fixture.js';

const FULL = '-ERR max number of clients reached\r\n';
/** Low, but not so low that Node cannot load its modules (its loader opens many files at once). */
const LIMIT = 128;
const ALLOWED = LIMIT - 32;

describe('maxclients and the open-file limit (server process under ulimit -n)', function () {
  this.timeout(60_000);
  let server: ServerProcess | null = null;
  let admin: Redis | null = null;
  const raws: RawClient[] = [];

  afterEach(async () => {
    for (const c of raws.splice(0)) c.socket.destroy();
    admin?.disconnect();
    admin = null;
    await server?.stop();
    server = null;
  });

  it('lowers maxclients to the limit minus 32, logs it, and sends the error to every client past it', async () => {
    server = ServerProcess.startWithShell(`ulimit -n ${LIMIT}`);
    const port = await server.ready();
    expect(server.stdout).to.include('# You requested maxclients of 10000 requiring at least 10032 max file descriptors.\n');
    expect(server.stdout).to.include(
      `# Current maximum open files is ${LIMIT}. maxclients has been reduced to ${ALLOWED} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.\n`,
    );
    admin = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
    admin.on('error', () => {});
    expect(await admin.call('CONFIG', 'GET', 'maxclients')).to.deep.equal(['maxclients', String(ALLOWED)]);
    expect(await admin.call('INFO', 'clients')).to.include(`\r\nmaxclients:${ALLOWED}\r\n`);

    // The admin client and these fill every place, and every one is served.
    for (let i = 1; i < ALLOWED; i++) {
      const c = await RawClient.connect(port);
      raws.push(c);
      expect(await c.request('PING\r\n', '\r\n')).to.equal('+PONG\r\n');
    }
    // Past the limit, one after another (each closed before the next, as a client that retries does): each gets
    // the error and is closed. Before the fix they were served until the descriptors ran out, then reset.
    for (let i = 0; i < 40; i++) {
      const over = await RawClient.connect(port);
      over.send('PING\r\n');
      await over.closed;
      expect(over.received.toString('latin1'), `connection #${ALLOWED + 1 + i}`).to.equal(FULL);
    }
    // The clients inside the limit are untouched.
    for (const c of raws) expect(await c.request('PING\r\n', '\r\n')).to.match(/\+PONG\r\n$/);
    expect(await admin.call('PING')).to.equal('PONG');
    const rejected = /\r\nrejected_connections:(\d+)\r\n/.exec(String(await admin.call('INFO', 'stats')));
    expect(Number(rejected?.[1])).to.equal(40);
  });

  it("CONFIG SET maxclients above what the limit allows is refused with Redis' words; at or below it, taken", async () => {
    server = ServerProcess.startWithShell(`ulimit -n ${LIMIT}`, ['--maxclients', '20']);
    const port = await server.ready();
    // 20 + 32 fit: nothing lowered, nothing logged.
    expect(server.stdout).not.to.include('maxclients has been reduced');
    admin = new Redis({ port, host: '127.0.0.1', retryStrategy: () => null, maxRetriesPerRequest: 0 });
    admin.on('error', () => {});
    expect((await rejection(admin.call('CONFIG', 'SET', 'maxclients', String(ALLOWED + 1)))).message).to.equal(
      `ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating system is not able to handle the specified number of clients, try with ${ALLOWED}`,
    );
    expect(await admin.call('CONFIG', 'GET', 'maxclients')).to.deep.equal(['maxclients', '20']);
    expect(await admin.call('CONFIG', 'SET', 'maxclients', String(ALLOWED))).to.equal('OK');
    expect(await admin.call('CONFIG', 'GET', 'maxclients')).to.deep.equal(['maxclients', String(ALLOWED)]);
  });
});
