/**
 * A Map that keeps at most `maxKeys` entries, evicting the least recently updated one. Detectors keep one entry per
 * entity (domain, host, user, source), so this is what bounds their memory whatever the input volume.
 * Values must be plain JSON data so the whole map can be snapshotted.
 */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  /**
   * A live iterator over the keys, advanced only by evictions. Every entry behind it is deleted (evicted, or moved
   * to the end by `upsert`), so its next key is the least recently used one. A fresh `keys().next()` per eviction
   * would instead walk over all the deleted slots Map keeps until it rehashes, which made a full map (an
   * 80,000-entry pid table on a long scan) cost time proportional to its size on every insert.
   */
  private oldest: Iterator<string> | undefined;
  evictions = 0;

  constructor(private readonly maxKeys: number) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  /** Returns the entry for `key`, creating it with `create()`; marks it most recently used. */
  upsert(key: string, create: () => V): V {
    let value = this.map.get(key);
    if (value === undefined) {
      value = create();
    } else {
      this.map.delete(key);
    }
    this.map.set(key, value);
    while (this.map.size > this.maxKeys) {
      const oldest = this.nextOldest();
      if (oldest === undefined) break;
      this.map.delete(oldest);
      this.evictions++;
    }
    return value;
  }

  private nextOldest(): string | undefined {
    this.oldest ??= this.map.keys();
    let r = this.oldest.next();
    if (r.done) {
      // A finished iterator stays finished; start over (only after the map was emptied).
      this.oldest = this.map.keys();
      r = this.oldest.next();
    }
    return r.done ? undefined : r.value;
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  /** Calls `prune` on every entry (it may trim the value in place) and drops the entries for which it returns true. */
  sweep(prune: (value: V) => boolean): void {
    for (const [key, value] of this.map) {
      if (prune(value)) this.map.delete(key);
    }
  }

  toJSON(): Array<[string, V]> {
    return [...this.map.entries()];
  }

  /** Loads entries from `toJSON()` output; entries that fail `isValue` are skipped. */
  load(data: unknown, isValue: (v: unknown) => v is V): void {
    this.map.clear();
    this.oldest = undefined;
    if (!Array.isArray(data)) return;
    for (const item of data) {
      if (Array.isArray(item) && item.length === 2 && typeof item[0] === 'string' && isValue(item[1])) {
        this.upsert(item[0], () => item[1] as V);
      }
    }
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
