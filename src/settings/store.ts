// The values of one server's settings over a table of rows: every value checked against its row's range and the
// other settings, CONFIG SET's all-or-nothing parse, and listeners for changes. Generic over the table, so the
// table (settings.ts) imports this and not the other way round.

import { checkRange, SettingError, type Lookup, type Setting } from './kinds.js';
import { ValueError } from './values.js';

type Name<V> = keyof V & string;

export class SettingStore<V extends object> {
  private readonly values = new Map<string, unknown>();
  private readonly listeners = new Map<string, Array<(value: never) => void>>();
  private readonly lookup: Lookup = (name) => this.values.get(name);
  private readonly byName: ReadonlyMap<string, Setting>;

  /** Given values (from flags or from code) override the defaults. */
  constructor(rows: readonly Setting[], given: Partial<V> = {}) {
    this.byName = new Map(rows.map((s) => [s.name, s]));
    // Row order: a default may read the settings above it.
    for (const s of rows) {
      const value = (given as Record<string, unknown>)[s.name];
      if (value === undefined) {
        this.values.set(s.name, typeof s.default === 'function' ? (s.default as (get: Lookup) => unknown)(this.lookup) : s.default);
        continue;
      }
      const why = checkRange(s, value) ?? s.check?.(value, this.lookup);
      if (why !== undefined) throw new SettingError(s.name, why);
      this.values.set(s.name, value);
    }
  }

  get<N extends Name<V>>(name: N): V[N] {
    return this.values.get(name) as V[N];
  }

  /** The value as CONFIG GET shows it. */
  text(name: Name<V>): string {
    const s = this.byName.get(name)!;
    return s.format(this.values.get(name));
  }

  /** Calls `fn` with the new value after each change (CONFIG SET, or `setValue`). */
  onChange<N extends Name<V>>(name: N, fn: (value: V[N]) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn);
    this.listeners.set(name, list);
  }

  /**
   * Parses and applies `name value` pairs, all or none (CONFIG SET): every value is parsed and checked before
   * any is applied. Throws SettingError naming the first refused one.
   */
  setTexts(pairs: ReadonlyArray<readonly [name: string, text: string]>): void {
    const parsed: Array<[Setting, unknown]> = [];
    const proposed = new Map(this.values);
    for (const [name, text] of pairs) {
      const s = this.byName.get(name);
      if (s === undefined) throw new SettingError(name, 'unknown setting');
      try {
        const value = s.parse(text, proposed.get(name));
        parsed.push([s, value]);
        proposed.set(name, value);
      } catch (e) {
        if (e instanceof ValueError) throw new SettingError(name, e.message);
        throw e;
      }
    }
    for (const [s, value] of parsed) {
      const why = s.check?.(value, (n) => proposed.get(n));
      if (why !== undefined) throw new SettingError(s.name, why);
    }
    for (const [s, value] of parsed) this.setValue(s.name as Name<V>, value as V[Name<V>]);
  }

  /** Sets a value the server learnt (the port it bound), or one already parsed; runs the listeners. */
  setValue<N extends Name<V>>(name: N, value: V[N]): void {
    this.values.set(name, value);
    for (const fn of this.listeners.get(name) ?? []) (fn as (v: unknown) => void)(value);
  }
}
