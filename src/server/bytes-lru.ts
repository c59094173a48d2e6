/** Values kept in memory, least recently used dropped first, bounded by their total size in bytes. */
export class BytesLru<K, V> {
  private readonly map = new Map<K, V>();
  private bytes = 0;

  constructor(private readonly max: number, private readonly sizeOf: (value: V) => number) {}

  /** The key used last: already the most recent, so a get of it again moves nothing (a hot download asks for the same one many times in a row). */
  private newest: K | undefined;

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (hit !== undefined && key !== this.newest) { this.map.delete(key); this.map.set(key, hit); this.newest = key; }
    return hit;
  }

  /** Keeps `value` under `key`, replacing what was there (a value over the whole budget is not kept); returns it. */
  set(key: K, value: V): V {
    const old = this.map.get(key);
    if (old !== undefined) { this.map.delete(key); this.bytes -= this.sizeOf(old); }
    const size = this.sizeOf(value);
    if (size > this.max) return value;
    this.map.set(key, value);
    this.newest = key;
    this.bytes += size;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.max) break;
      this.map.delete(k);
      this.bytes -= this.sizeOf(v);
    }
    return value;
  }
}
