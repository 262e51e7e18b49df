// Writes COMMANDS.md from the command specs (`npm run docs`).

import { writeFileSync } from 'node:fs';
import { renderCommandsMd } from '../commands/commands-md.js';

const target = new URL('../../../COMMANDS.md', import.meta.url);
writeFileSync(target, renderCommandsMd());
console.log(`wrote ${target.pathname.split('/').pop()}`);
