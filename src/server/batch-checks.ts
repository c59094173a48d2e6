/**
 * The freshness checks of a quick answer (the store's state, the signing keys, the tokens:
 * a stat each) made once for a batch of requests instead of once for each. A check must
 * be made after its request was read, so that a request sees every change completed
 * before it arrived (docs/http-api.md, "Workers"). fast-connection.ts reads every request
 * of a turn of the event loop first and answers them together afterwards, inside
 * `answeringBatch`: a check made then, once, comes after every one of those reads. The
 * stats were a third of a small download's CPU (issue 21).
 *
 * Outside a batch (Node's requests, the routes) each call reads afresh, as before.
 */

/** The values read in the batch being answered, by their reader; null outside one. */
let batch: Map<() => unknown, unknown> | null = null;

/** Runs `answer`, whose requests were all read before this call, as one batch. */
export function answeringBatch(answer: () => void): void {
  if (batch !== null) { answer(); return; }
  batch = new Map();
  try { answer(); } finally { batch = null; }
}

/** `read()`, or inside a batch the value it returned at its first call in that batch. */
export function checkedForBatch<T>(read: () => T): T {
  if (batch === null) return read();
  if (batch.has(read)) return batch.get(read) as T;
  const value = read();
  batch.set(read, value);
  return value;
}
