// REGISTRY.GUARD: the operator's override of the mass-expiry guard.

import { asciiLower } from '../../settings/values.js';
import { MapReply, OK } from '../../resp/reply.js';
import { defineCommand } from '../spec.js';
import { CommandError, syntaxError } from '../errors.js';
import { shape } from '../reply-shape.js';

export default defineCommand({
  name: 'REGISTRY.GUARD',
  summary: 'Shows the mass-expiry guard, or forces it on, off, or back to automatic.',
  since: '0.2.0',
  group: 'registry',
  complexity: 'O(1)',
  arity: -1,
  flags: ['admin', 'write'],
  aclCategories: ['registry', 'admin', 'dangerous'],
  arguments: [
    {
      name: 'mode',
      type: 'oneof',
      optional: true,
      arguments: [
        { name: 'on', type: 'pure-token', token: 'ON' },
        { name: 'off', type: 'pure-token', token: 'OFF' },
        { name: 'auto', type: 'pure-token', token: 'AUTO' },
      ],
    },
  ],
  replyShape: shape.oneOf(
    shape.simple('OK'),
    shape.map({
      mode: shape.bulk,
      active: shape.integer(0, 1),
      percent: shape.integer(),
      window_start_ms: shape.integer(),
      online_at_window_start: shape.integer(),
      offlines_in_window: shape.integer(),
      baseline: shape.integer(),
      since_ms: shape.integer(),
      max_hold_ms: shape.integer(),
      evictions_resume_at_ms: shape.integer(),
    }),
  ),
  reply:
    'With a mode: `OK`. Without: a map (RESP2: flat array) of `mode` (auto/on/off), `active` (0/1: evictions held), ' +
    '`percent`, `window_start_ms`, `online_at_window_start`, `offlines_in_window`, `baseline`, `since_ms` (when the ' +
    'hold began; 0 when not holding), `max_hold_ms` (--expiry-guard-max-hold), `evictions_resume_at_ms`.',
  errors: ["`ERR invalid guard mode 'x': expected ON, OFF or AUTO`"],
  notes:
    'When more than `--expiry-guard` percent (default 50) of the workers online at the start of a window (one ' +
    '`--offline-after` long) go offline within it, the registry still marks them offline but stops evicting, and ' +
    'publishes `guard.on`. In AUTO it lifts (publishing `guard.off`) when more than (100 - percent)% of the workers ' +
    'online when it tripped are back, or after `--expiry-guard-max-hold` (default 15 min); the workers it held then ' +
    'get one offline window of grace, and evictions drain at most `--evict-rate` a second. ON holds evictions until ' +
    'OFF or AUTO; OFF never holds them and releases what was held at once. The hold and the grace are saved in the ' +
    'snapshot: a restart evicts nothing the guard held.',
  handler(client, argv) {
    const registry = client.server.registry;
    if (argv.length > 2) throw syntaxError();
    if (argv.length === 2) {
      const mode = asciiLower(argv[1]!);
      if (mode !== 'on' && mode !== 'off' && mode !== 'auto')
        throw new CommandError(`ERR invalid guard mode '${argv[1]}': expected ON, OFF or AUTO`);
      registry.setGuardMode(mode);
      return OK;
    }
    const g = registry.guardStatus();
    return new MapReply([
      ['mode', g.mode],
      ['active', g.active ? 1 : 0],
      ['percent', g.percent],
      ['window_start_ms', g.windowStartMs],
      ['online_at_window_start', g.onlineAtWindowStart],
      ['offlines_in_window', g.offlinesInWindow],
      ['baseline', g.baseline],
      ['since_ms', g.sinceMs],
      ['max_hold_ms', g.maxHoldMs],
      ['evictions_resume_at_ms', g.evictionsResumeAtMs],
    ]);
  },
});
