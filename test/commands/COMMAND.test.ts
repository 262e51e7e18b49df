// COMMAND in-process, in both protocols: the full table, COUNT, INFO (nil for an unknown name), DOCS (a map; unknown
// names left out), LIST with its filters, GETKEYS (the registry's derived key names), HELP, and the documented errors.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';
import { ALL_COMMANDS } from '../../src/commands/index.js';

describe('COMMAND (in-process)', () => {
  let h: Harness;
  beforeEach(() => {
    h = new Harness();
  });
  afterEach(() => h.stop());

  it('alone answers one COMMAND INFO entry per command; COUNT answers how many', async () => {
    const all = await h.run(['COMMAND'], h.client(3));
    expect((all.reply as unknown[]).length).to.equal(ALL_COMMANDS.length);
    const count = await h.run(['COMMAND', 'COUNT'], h.client(3));
    expect([count.resp2, count.resp3]).to.deep.equal([`:${ALL_COMMANDS.length}\r\n`, `:${ALL_COMMANDS.length}\r\n`]);
  });

  it("INFO answers Redis' entry for each name (name, arity, flags, first/last key, step, categories, ...), nil if unknown", async () => {
    const { resp2, resp3 } = await h.both(['COMMAND', 'INFO', 'hive.get', 'nope']);
    expect(resp2.resp2).to.match(/^\*2\r\n\*10\r\n\$8\r\nhive\.get\r\n:2\r\n\*2\r\n\+readonly\r\n\+fast\r\n:1\r\n:1\r\n:1\r\n/);
    expect(resp2.resp2).to.match(/\$-1\r\n$/);
    expect(resp3.resp3).to.match(/_\r\n$/);
  });

  it('DOCS answers a map of name to docs, leaving unknown names out', async () => {
    const r = await h.run(['COMMAND', 'DOCS', 'worker.best', 'nope'], h.client(3));
    expect(r.resp3).to.match(/^%1\r\n\$11\r\nworker\.best\r\n%\d+\r\n\$7\r\nsummary\r\n/);
    expect(r.resp2).to.match(/^\*2\r\n\$11\r\nworker\.best\r\n\*\d+\r\n/);
  });

  it('LIST answers every name (subcommands as container|sub), FILTERBY PATTERN / ACLCAT / MODULE', async () => {
    const names = ((await h.run(['COMMAND', 'LIST'])).reply as string[]).map(String);
    expect(names).to.include.members(['hbeat', 'client|list', 'worker.best']);
    const hives = ((await h.run(['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'hive.*'], h.client(3))).reply as string[]).map(String);
    expect(hives.sort()).to.deep.equal([
      'hive.active',
      'hive.count',
      'hive.del',
      'hive.get',
      'hive.list',
      'hive.online',
      'hive.res',
      'hive.workers',
    ]);
    expect(((await h.run(['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', '@heartbeat'])).reply as string[]).map(String)).to.include('hbeat');
    expect((await h.run(['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'])).resp2).to.equal('*0\r\n');
    await h.refuses(['COMMAND', 'LIST', 'FILTERBY', 'COLOR', 'x'], 'ERR syntax error');
    await h.refuses(['COMMAND', 'LIST', 'x'], 'ERR syntax error');
  });

  it('GETKEYS answers the key names a command touches; errors name what is wrong', async () => {
    const r = await h.run(['COMMAND', 'GETKEYS', 'HBEAT', 'w1', 'hive-a'], h.client(3));
    expect([r.resp2, r.resp3]).to.deep.equal([
      '*2\r\n$9\r\nworker:w1\r\n$11\r\nhive:hive-a\r\n',
      '*2\r\n$9\r\nworker:w1\r\n$11\r\nhive:hive-a\r\n',
    ]);
    await h.refuses(['COMMAND', 'GETKEYS', 'NOPE', 'x'], 'ERR Invalid command specified');
    await h.refuses(['COMMAND', 'GETKEYS', 'WORKER.GET'], 'ERR Invalid number of arguments specified for command');
    await h.refuses(['COMMAND', 'GETKEYS', 'PING'], 'ERR The command has no key arguments');
  });

  it('HELP lists the subcommands; an unknown one names HELP', async () => {
    expect((await h.run(['COMMAND', 'HELP'])).resp2).to.match(/^\*\d+\r\n\+COMMAND <subcommand>/);
    await h.refuses(['COMMAND', 'NOPE'], "ERR unknown subcommand 'NOPE'. Try COMMAND HELP.");
  });
});
