// One kept copy of each string seen often (URLs, model and backend names), so records share one string instead
// of each holding its own, bounded by bytes rather than entries: a count bound lets a few huge strings hold
// gigabytes, and the pool gives memory back as it turns over.

/** What one entry costs: the characters (two bytes each, at worst) plus the string and map-entry headers. */
function cost(value: string): number {
  return 2 * value.length + 64;
}

export class StringPool {
  private readonly kept = new Map<string, string>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** The kept copy of `value`, or undefined. */
  get(value: string): string | undefined {
    return this.kept.get(value);
  }

  /** Keeps `value` (dropping the oldest entries to stay within the budget) and returns the kept copy. */
  keep(value: string): string {
    const known = this.kept.get(value);
    if (known !== undefined) return known;
    const c = cost(value);
    if (c > this.maxBytes) return value;
    // Oldest first: Map iterates in insertion order.
    for (const old of this.kept.keys()) {
      if (this.bytes + c <= this.maxBytes) break;
      this.kept.delete(old);
      this.bytes -= cost(old);
    }
    this.kept.set(value, value);
    this.bytes += c;
    return value;
  }

  /** Bytes held, as estimated. */
  get size(): number {
    return this.bytes;
  }

  clear(): void {
    this.kept.clear();
    this.bytes = 0;
  }
}
