/**
 * Runs async tasks with at most `limit` in flight: object writes (compress, write to
 * tmp/) overlap with reading the next file while memory stays bounded. The first
 * failure is rethrown by `add` or `drain`; `settle` waits for everything regardless.
 */
export class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failure: unknown = null;

  constructor(private readonly limit: number) {}

  /** Starts `task`; waits while the pool is full. */
  async add(task: () => Promise<void>): Promise<void> {
    if (this.failure) throw this.failure;
    const p: Promise<void> = task().catch((err: unknown) => { this.failure ??= err; }).finally(() => this.running.delete(p));
    this.running.add(p);
    while (this.running.size >= this.limit) await Promise.race(this.running);
    if (this.failure) throw this.failure;
  }

  /** Waits for every task; rethrows the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure) throw this.failure;
  }

  /** Waits for every task and ignores failures (cleanup paths). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.running);
  }
}
