/**
 * In-memory caches of derived answers, one per open store: an answer computed from one
 * store is never served for another in the same process (a build tool with two stores,
 * one of them damaged), and a store opened again reads afresh, as a new process would.
 * Bounded: the oldest entry goes first.
 */
export class StoreMemory<K, V> {
  private readonly perStore = new WeakMap<object, Map<K, V>>();

  constructor(private readonly limit: number) {}

  private of(store: object): Map<K, V> {
    let m = this.perStore.get(store);
    if (!m) this.perStore.set(store, (m = new Map()));
    return m;
  }

  get(store: object, key: K): V | undefined { return this.of(store).get(key); }

  set(store: object, key: K, value: V): void {
    const m = this.of(store);
    if (m.size >= this.limit && !m.has(key)) m.delete(m.keys().next().value as K);
    m.set(key, value);
  }
}
