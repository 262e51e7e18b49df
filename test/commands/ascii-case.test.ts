// Names and tokens a client sends are compared ignoring ASCII case only, as Redis compares them (strcasecmp and
// its case-insensitive dictionaries fold A-Z and nothing else). JavaScript's toLowerCase/toUpperCase fold more:
// 'ſ' (long s) upper-cases to 'S', and the Kelvin sign 'K' lower-cases to 'k', so each place below once took a
// word Redis refuses. LATENCY event names are not folded at all: Redis keeps them in a case-sensitive dictionary.

import { expect } from 'chai';
import { Harness } from '../helpers/inject.js';

const KELVIN = '\u212a';
const LONG_S = '\u017f';

describe('ASCII-only case folding of client input', () => {
  let h: Harness;
  let exits: number[];
  beforeEach(() => {
    exits = [];
    h = new Harness({ onExit: (code) => exits.push(code) });
  });
  afterEach(() => h.stop());

  const error = async (...argv: string[]) => (await h.run(argv)).error;

  it('ACL rules: category, keyword, command|subcommand and key-permission letters', async () => {
    const modifier = (rule: string, why: string) => `ERR Error in ACL SETUSER modifier '${rule}': ${why}`;
    for (const [rule, why] of [
      [`+@${KELVIN}eyspace`, 'Unknown command or category name in ACL'],
      [`all${KELVIN}eys`, 'Syntax error'],
      [`+client|${KELVIN}ill`, 'Unknown command or category name in ACL'],
      [`%${LONG_S}~x`, 'Syntax error'],
    ] as const) {
      expect(await error('ACL', 'SETUSER', 'u', rule), rule).to.equal(modifier(rule, why));
    }
    expect(h.server.acl.get('u')).to.equal(undefined);
    // The ASCII spellings still work in any case.
    expect(await error('ACL', 'SETUSER', 'u', 'ResetKeys', '+@KEYSPACE', '+CLIENT|Kill', '%rW~x', 'AllChannels')).to.equal(null);
  });

  it('an allowed first argument (+cmd|arg) matches its ASCII case variants only', async () => {
    expect(await error('ACL', 'SETUSER', 'u', 'on', 'nopass', `+ping|${KELVIN}`, '+echo|ab')).to.equal(null);
    expect((await h.run(['ACL', 'DRYRUN', 'u', 'PING', 'k'])).resp2).to.equal(
      "$51\r\nUser u has no permissions to run the 'ping' command\r\n",
    );
    expect((await h.run(['ACL', 'DRYRUN', 'u', 'PING', KELVIN])).resp2).to.equal('+OK\r\n');
    expect((await h.run(['ACL', 'DRYRUN', 'u', 'ECHO', 'AB'])).resp2).to.equal('+OK\r\n');
  });

  it('subcommand lookups: ACL DRYRUN, COMMAND GETKEYS and the stats of a refused call', async () => {
    expect(await error('ACL', 'DRYRUN', 'default', 'CLIENT', `${KELVIN}ILL`)).to.equal("ERR Command 'CLIENT' not found");
    expect(await error('COMMAND', 'GETKEYS', 'CLIENT', `${KELVIN}ILL`, 'x')).to.equal('ERR Invalid command specified');
    expect(await error('CLIENT', `${KELVIN}ILL`)).to.equal(`ERR unknown subcommand '${KELVIN}ILL'. Try CLIENT HELP.`);
    expect(h.server.commands.find('client|kill')!.stats.rejectedCalls).to.equal(0);
  });

  it('ACL LOG RESET, BGSAVE SCHEDULE and SHUTDOWN NOSAVE: a long s is not an s', async () => {
    await h.run(['AUTH', 'nobody', 'wrong']);
    expect(await error('ACL', 'LOG', `RE${LONG_S}ET`)).to.equal('ERR value is not an integer or out of range');
    expect((await h.run(['ACL', 'LOG'])).reply).to.have.length(1);
    expect(await error('BGSAVE', `${LONG_S}CHEDULE`)).to.equal('ERR syntax error');
    expect(await error('SHUTDOWN', `NO${LONG_S}AVE`)).to.equal('ERR syntax error');
    expect(exits).to.deep.equal([]);
  });

  it('HBEAT STATE and HEALTH values fold ASCII only', async () => {
    expect(await error('HBEAT', 'w', 'h', 'STATE', 'BUSY', 'HEALTH', 'Degraded')).to.equal(null);
    expect(await error('HBEAT', 'w', 'h', 'STATE', '\u0130dle')).to.equal("ERR invalid STATE '\u0130dle': expected Idle, Busy or Loading");
    expect(await error('HBEAT', 'w', 'h', 'HEALTH', `HEALTHY${KELVIN}`)).to.match(/^ERR invalid HEALTH /);
  });

  it("LATENCY HISTORY and RESET take the event's exact name, as Redis (whose event table is case-sensitive)", async () => {
    h.server.ops.latency.add('command', 100, 250);
    expect((await h.run(['LATENCY', 'HISTORY', 'COMMAND'])).reply).to.deep.equal([]);
    expect((await h.run(['LATENCY', 'HISTORY', 'command'])).reply).to.deep.equal([[100, 250]]);
    expect((await h.run(['LATENCY', 'RESET', 'Command'])).reply).to.equal(0);
    expect((await h.run(['LATENCY', 'RESET', 'command'])).reply).to.equal(1);
  });
});
