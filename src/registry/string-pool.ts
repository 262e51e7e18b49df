// One kept copy of each string seen often (URLs, model and backend names), so records share one string instead
// of each holding its own, bounded by bytes rather than entries: a count bound lets a few huge strings hold
// gigabytes, and the pool gives memory back as it turns over.
//
// Two generations, each up to half the budget: new strings go to the young one; when it is full it becomes
// the old one (the previous old one is dropped whole) and a string found in the old one moves back to the
// young one. Every call is O(1). Dropping the oldest entry of one Map instead is not: a Map walks past the
// holes its deletions leave at its front, so with a stream of new strings (every worker its own URL) each keep
// cost a walk over tens of thousands of holes, and restoring 500k workers took a minute.

/** What one entry costs: the characters (two bytes each, at worst) plus the string and map-entry headers. */
function cost(value: string): number {
  return 2 * value.length + 64;
}

export class StringPool {
  private young = new Map<string, string>();
  private old = new Map<string, string>();
  private youngBytes = 0;
  private oldBytes = 0;

  constructor(readonly maxBytes: number) {}

  /** The kept copy of `value`, or undefined. */
  get(value: string): string | undefined {
    return this.young.get(value) ?? this.old.get(value);
  }

  /** Keeps `value` (dropping the oldest generation to stay within the budget) and returns the kept copy. */
  keep(value: string): string {
    const known = this.young.get(value);
    if (known !== undefined) return known;
    const c = cost(value);
    if (c > this.maxBytes / 2) return this.old.get(value) ?? value;
    const kept = this.old.get(value) ?? value;
    if (this.youngBytes + c > this.maxBytes / 2) {
      this.old = this.young;
      this.oldBytes = this.youngBytes;
      this.young = new Map();
      this.youngBytes = 0;
    }
    this.young.set(kept, kept);
    this.youngBytes += c;
    return kept;
  }

  /** Bytes held, as estimated (a string in both generations is counted twice: it is held once). */
  get size(): number {
    return this.youngBytes + this.oldBytes;
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
    this.youngBytes = 0;
    this.oldBytes = 0;
  }
}
