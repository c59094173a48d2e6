/** The server folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
import cluster from 'node:cluster';
import type { serve as serveNow } from './serve.js';
import type { serveWorker as serveWorkerNow, startWorkers as startWorkersNow } from './workers.js';

/**
 * `serve` (serve.ts), loaded when called: `bazaar add` comes through this door for its
 * rpm-md fragments and must not pay for hono and every route.
 */
export async function serve(...args: Parameters<typeof serveNow>): ReturnType<typeof serveNow> {
  return (await import('./serve.js')).serve(...args);
}

export type { ServeOptions } from './serve.js';
export type { Workers } from './workers.js';

/** Whether this process is a worker of `bazaar serve --workers N` (workers.ts). */
export const isServeWorker = (): boolean => cluster.isWorker;

/** In the primary of `bazaar serve --workers N`: starts the workers (workers.ts). */
export async function startWorkers(...args: Parameters<typeof startWorkersNow>): ReturnType<typeof startWorkersNow> {
  return (await import('./workers.js')).startWorkers(...args);
}

/** In a worker: serves until the primary says stop (workers.ts). */
export async function serveWorker(...args: Parameters<typeof serveWorkerNow>): ReturnType<typeof serveWorkerNow> {
  return (await import('./workers.js')).serveWorker(...args);
}
