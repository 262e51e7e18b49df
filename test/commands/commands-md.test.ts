// COMMANDS.md is generated from the specs; this fails when someone changes a spec and forgets `npm run docs`.

import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { renderCommandsMd } from '../../src/commands/commands-md.js';
import { ALL_COMMANDS } from '../../src/commands/index.js';

describe('COMMANDS.md', () => {
  const committed = readFileSync(new URL('../../../COMMANDS.md', import.meta.url), 'utf8');

  it('is up to date with the command specs (run `npm run docs`)', () => {
    expect(committed).to.equal(renderCommandsMd());
  });

  it('documents every command', () => {
    for (const spec of ALL_COMMANDS) expect(committed).to.include(`### ${spec.name}\n`);
  });

  it('maps every seed function to a command', () => {
    for (const fn of [
      'update_hive_state',
      'get_hive_state',
      'list_active_hives',
      'get_available_resources',
      'remove_hive',
      'list_all_hives',
      'hive_count',
      'is_hive_online',
      'get_workers_on_hive',
      'get_worker_count',
      'get_worker',
      'get_worker_url',
      'list_all_workers',
      'find_idle_workers',
      'find_workers_by_model',
      'find_workers_by_backend',
      'total_worker_count',
      'find_best_worker_for_model',
    ]) {
      expect(committed).to.match(new RegExp('\\| `' + fn + '[ `]'));
    }
  });
});
