/**
 * `bazaar serve --workers N`: N processes answering on one listening socket (node:cluster;
 * the primary accepts connections and hands them out in turn). One Node process answers
 * small downloads at about half nginx's rate; several answer on as many cores.
 *
 * Workers share nothing in memory, and need not: every request checks the store's
 * newest state (its state seq, one stat) before answering from a cache, so a package
 * uploaded through one worker is in the next answer of every other — its rpm-md, its
 * `/v1/` records and its .rpm. rpm-md generations are written once to the store's cache
 * (a worker finding another's there uses it). What lives in memory is routed: jobs (an
 * overlay being baked) run in the primary (jobs.ts), so any worker answers for them;
 * an attached store's jobs are rows, which every worker uses itself (shared-jobs.ts).
 *
 * A worker that dies (killed, out of memory) is replaced by the primary at once, and the
 * others go on meanwhile; a worker that cannot start (the port is taken, the store is
 * not one) stops the server with its error. SIGTERM or SIGINT to the primary stops every
 * worker gracefully; a worker whose primary is gone (killed) exits at once.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { BazaarError } from '../errors.js';
import { packageFile } from '../package-files.js';
import type { Store } from '../store/index.js';
import { IN_MEMORY, LocalJobs } from './jobs.js';
import type { Job, JobBoard, OverlayOrder } from './jobs.js';
import { SnapshotPool } from './snapshots.js';
import { serve } from './serve.js';
import type { ServeOptions } from './serve.js';

/** The messages between the primary and its workers. */
type Message =
  | { bazaar: 'job-submit'; ask: number; id: string; order: OverlayOrder }
  | { bazaar: 'job-get'; ask: number; id: string }
  | { bazaar: 'job-answer'; ask: number; job: Job | null }
  | { bazaar: 'stop'; graceMs: number };

const isMessage = (m: unknown): m is Message => typeof m === 'object' && m !== null && typeof (m as { bazaar?: unknown }).bazaar === 'string';

/** Whether this process is a worker of `serve --workers`. */
export const isServeWorker = (): boolean => cluster.isWorker;

/** A worker's jobs: the primary's, over the IPC channel. */
export class PrimaryJobs implements JobBoard {
  readonly where = IN_MEMORY;
  private readonly asks = new Map<number, (job: Job | null) => void>();
  private next = 0;

  constructor() {
    process.on('message', (m: unknown) => {
      if (!isMessage(m) || m.bazaar !== 'job-answer') return;
      this.asks.get(m.ask)?.(m.job);
      this.asks.delete(m.ask);
    });
  }

  private ask(message: { bazaar: 'job-submit'; id: string; order: OverlayOrder } | { bazaar: 'job-get'; id: string }): Promise<Job | null> {
    const ask = ++this.next;
    return new Promise((resolve, reject) => {
      const gone = (): void => reject(new BazaarError('ERR_STORE_LOCKED', 'the server is stopping: try again in a moment'));
      if (!process.send || !process.connected) { gone(); return; }
      this.asks.set(ask, resolve);
      process.send({ ...message, ask }, (err: Error | null) => { if (err) { this.asks.delete(ask); gone(); } });
    });
  }

  async submit(order: OverlayOrder): Promise<Job> {
    return await this.ask({ bazaar: 'job-submit', id: randomBytes(8).toString('hex'), order }) as Job;
  }

  async get(id: string): Promise<Job | undefined> { return (await this.ask({ bazaar: 'job-get', id })) ?? undefined; }
}

/** A worker's life: serves on the primary's socket until it is told to stop, then finishes its requests. */
export async function serveWorker(store: Store, options: ServeOptions): Promise<void> {
  // listened for first: a stop sent while this worker is still starting is not lost
  const stop = new Promise<number | undefined>((resolve) => onWorkerStop(resolve));
  try {
    // an attached store's jobs are rows every worker (and every server) shares: no primary in between
    const running = await serve(store, { ...options, ...(store.jobRows() ? {} : { jobs: new PrimaryJobs() }) });
    await running.close(await stop);
  } finally {
    // the channel to the primary keeps a worker alive: closed, the worker ends (with its error, if any);
    // through cluster, which takes any other disconnect for its primary's death and exits at once, with 0
    if (process.connected) cluster.worker?.disconnect();
  }
}

/**
 * In a worker: calls `stop` once, when the primary says so or on SIGTERM or SIGINT (a
 * terminal's Ctrl-C reaches every process of the group). A primary gone without a word
 * (killed with SIGKILL) takes its workers with it at once (node:cluster ends a worker
 * whose channel closes unasked), as a single process would go.
 */
function onWorkerStop(stop: (graceMs?: number) => void): void {
  let stopping = false;
  const once = (graceMs?: number): void => { if (!stopping) { stopping = true; stop(graceMs); } };
  process.on('message', (m: unknown) => { if (isMessage(m) && m.bazaar === 'stop') once(m.graceMs); });
  process.once('SIGTERM', () => once());
  process.once('SIGINT', () => once());
}

export interface Workers {
  /** The address the workers listen on (the first worker's to listen). */
  port: number;
  /** Resolves when the server stopped on its own: a worker replaced after a death could not start. */
  failed: Promise<void>;
  /** Stops every worker gracefully (requests in flight finish, at most `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

/**
 * In the primary: starts `count` workers, each running `args` (a `bazaar serve` command
 * line for one process) of the CLI (or the script `exec`), and answers their job messages. Resolves
 * once one listens; rejects with the exit code of a worker that ended before listening.
 */
export function startWorkers(store: Store, options: { count: number; args: string[]; log: (line: string) => void; exec?: string }): Promise<Workers> {
  const { log } = options;
  const reads = new SnapshotPool(store);
  const jobs = new LocalJobs(store, reads, log);
  // the bundled CLI (package.json's bin), also when `serve` runs inside another program (a test)
  cluster.setupPrimary({ exec: options.exec ?? packageFile('dist/bin/bazaar.js'), args: options.args });
  const listening = new Set<Worker>();
  let stopping = false;
  let stopped: (() => void) | null = null;
  let fail: () => void = () => {};
  const failed = new Promise<void>((resolve) => { fail = resolve; });

  const answer = (worker: Worker, ask: number, job: Job | null): void => {
    if (worker.isConnected()) worker.send({ bazaar: 'job-answer', ask, job } satisfies Message);
  };
  let started = false;
  let resolveStart: (w: Workers) => void = () => {};
  let rejectStart: (err: Error) => void = () => {};
  const start = new Promise<Workers>((resolve, reject) => { resolveStart = resolve; rejectStart = reject; });
  const alive = new Set<Worker>();

  // each worker's own events (not cluster's, which would outlive this server in a process that serves twice)
  const fork = (): Worker => {
    const worker = cluster.fork();
    alive.add(worker);
    worker.on('message', (m: unknown) => {
      if (!isMessage(m)) return;
      if (m.bazaar === 'job-submit') answer(worker, m.ask, jobs.queued(m.order, m.id));
      else if (m.bazaar === 'job-get') void jobs.get(m.id).then((job) => answer(worker, m.ask, job ?? null));
    });
    worker.on('listening', (address: { port: number }) => {
      listening.add(worker);
      if (started) return;
      started = true;
      // one worker first, so that a reason not to start (the port taken) is told once; then the others
      for (let i = 1; i < options.count; i++) fork();
      resolveStart({
        port: address.port,
        failed,
        close: (graceMs = 10_000) => new Promise<void>((done) => {
          stopping = true;
          if (alive.size === 0) { reads.close(); done(); return; }
          stopped = () => { reads.close(); done(); };
          // one still starting may not listen for messages yet: SIGTERM (it has no request in flight)
          for (const w of alive) {
            if (listening.has(w) && w.isConnected()) w.send({ bazaar: 'stop', graceMs } satisfies Message); else w.process.kill('SIGTERM');
          }
        }),
      });
    });
    worker.on('exit', (code: number | null, signal: string | null) => {
      alive.delete(worker);
      const wasUp = listening.delete(worker);
      if (stopping) {
        if (alive.size === 0) stopped?.();
        return;
      }
      if (!wasUp) {
        // it could not start (its one-line error is on stderr): the others are stopped, and the server with them
        stopping = true;
        for (const w of alive) w.process.kill('SIGTERM');
        reads.close();
        if (!started) rejectStart(Object.assign(new Error('a worker could not start'), { exitCode: code ?? 1 }));
        else { log(`a worker (pid ${worker.process.pid}) could not start again (exit ${code ?? signal}); stopping`); fail(); }
        return;
      }
      log(`worker pid ${worker.process.pid} ended (${signal ?? `exit ${code}`}); starting another`);
      fork();
    });
    return worker;
  };
  fork();
  return start;
}
