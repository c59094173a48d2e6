/**
 * `migrateStore`: copies a store into a new one over other backends (files to S3 and
 * PostgreSQL, and back; docs/engines.md#migrate), then checks both with fsck.
 *
 * What makes a store what it is, copied in this order: every object (its stored bytes,
 * verified as read), the history the newest state's heads reach, the store's own files
 * in its directory (store-files.ts), then the newest state as the destination's state 1,
 * its git record and refs last. The state is the commit point, as in any transaction:
 * until it is written the destination is an empty store (listing nothing) whatever was
 * copied into it, so a run that failed or was killed before it never leaves a store that
 * looks like a copy, and the next run goes on (objects already there are not copied
 * again). A run killed after it finds the copy made and only finishes (the record, the
 * checks). The source is only read: a lease keeps its gc from taking what the copied
 * state reaches; what is written to it after the start is not copied.
 */
import { realpathSync } from 'node:fs';
import { BazaarError, isDamageError } from '../errors.js';
import { syncFilesystem } from '../fs/ops.js';
import type { FsckReport } from './fsck.js';
import { Lease } from './leases.js';
import { withLock } from './lock.js';
import { copyHistory, copyObjects } from './migrate-copy.js';
import type { ObjectCopyCount } from './migrate-copy.js';
import { encodeState } from './state-backend.js';
import type { StoreState } from './state-backend.js';
import { recordState } from './state-witness.js';
import { Store, internals } from './store.js';
import { conflictingStoreFiles, readStoreFiles, writeStoreFiles } from './store-files.js';

export type MigratePhase = 'objects' | 'history' | 'files' | 'state' | 'check source' | 'check destination';

export interface MigrateProgress {
  phase: MigratePhase;
  /** Done so far in this phase (objects copied or found present, history objects, files). */
  done: number;
  /** The phase's total when known ahead, else 0. */
  total: number;
}

export interface MigrateOptions {
  onProgress?: (progress: MigrateProgress) => void;
}

export interface MigrateReport {
  /** Both stores are fsck-clean after the copy. */
  ok: boolean;
  from: { dir: string; objects: string; state: string; history: string };
  to: { dir: string; objects: string; state: string; history: string };
  /** Objects copied, found already in the destination (a run after a killed one), and the stored bytes copied. */
  objects: ObjectCopyCount;
  /** Git objects of the history copied (commits, trees, value blobs). */
  history: number;
  /** States copied: the newest (the destination's state 1). */
  states: number;
  /** The state copied: the source's number, and its heads' count. */
  state: { sourceSeq: number; branches: number };
  /** The store's own files copied (settings, mirrors, tokens, keys), relative to the store's directory. */
  files: string[];
  /** The destination already held this copy (made by a run killed after its commit point, or one that finished): only its files and record were brought up, then both checked. */
  alreadyCopied: boolean;
  fsck: { source: FsckReport; destination: FsckReport };
}

const labels = (s: Store): MigrateReport['from'] => {
  const { objects, states, repo } = internals(s);
  return { dir: s.dir, objects: objects.backend.label, state: states.label, history: repo.backend.label };
};

function realDir(dir: string): string {
  try { return realpathSync(dir); } catch { return dir; }
}

/** The destination's state for the source's newest: the same heads, time and gc horizon, numbered 1. */
function firstState(source: StoreState): StoreState {
  const state: StoreState = { seq: 1, time: source.time, heads: { ...source.heads } };
  if (source.prunedBefore !== undefined) state.prunedBefore = source.prunedBefore;
  return state;
}

/** Damage found in the source while copying: said as such, with what it leaves in the destination. */
function stopped(err: unknown, from: Store, to: Store): unknown {
  if (!(err instanceof BazaarError) || !isDamageError(err)) return err;
  return new BazaarError(err.code, `${err.message} in ${from.dir}: migrate stopped, and ${to.dir} holds no state (it lists nothing; a later run reuses the objects copied so far)`, { cause: err, data: { ...err.data, from: from.dir, to: to.dir } });
}

/**
 * Copies store `from` into `to`, a new store over any backends (made by Store.init and
 * never written: no state yet), and fscks both. Refuses (nothing written) when `to` is
 * `from`, holds a state of its own, or has settings or keys of its own that differ; stops
 * at the first damaged object or history object of `from`, naming it, with `to` still
 * holding no state. Returns the counts and both fsck reports (`ok` when both are clean).
 *
 * @example
 * const from = await Store.open('/srv/bazaar');
 * const to = await Store.init('/srv/bazaar-attached', { objectBackend, stateBackend, historyBackend });
 * const report = await migrateStore(from, to);
 */
export async function migrateStore(from: Store, to: Store, options: MigrateOptions = {}): Promise<MigrateReport> {
  if (!(from instanceof Store) || !(to instanceof Store)) throw new BazaarError('ERR_USAGE', 'migrateStore takes two open stores: migrateStore(await Store.open(src), await Store.init(dest, backends))');
  const progress = (phase: MigratePhase, done: number, total = 0): void => options.onProgress?.({ phase, done, total });
  const [src, dst] = [internals(from), internals(to)];
  const fromLabels = labels(from);
  const toLabels = labels(to);
  if (realDir(from.dir) === realDir(to.dir) || (fromLabels.objects === toLabels.objects && fromLabels.state === toLabels.state && fromLabels.history === toLabels.history)) {
    throw new BazaarError('ERR_USAGE', `${from.dir} and ${to.dir} are the same store: migrate copies a store into another one`, { data: { from: from.dir, to: to.dir } });
  }

  const reading = await src.readState();
  if (reading.damage.length) {
    const d = reading.damage[0];
    throw new BazaarError('ERR_STORE_DAMAGED', `the state of ${from.dir} is damaged (${d.what} ${d.problem}); nothing was copied`, { data: { store: from.dir, state: d.what } });
  }
  const source = reading.state;
  const wanted = firstState(source);
  // A lease keeps a gc of the source from collecting what the copied state reaches.
  const lease = Lease.take(from.dir, source.seq);
  let copied: Omit<MigrateReport, 'ok' | 'fsck' | 'from' | 'to'>;
  try {
    copied = await withLock(to.dir, async () => {
      const at = await dst.readState();
      const files = readStoreFiles(from.dir);
      const report = { objects: { copied: 0, present: 0, bytes: 0 }, history: 0, states: 1, state: { sourceSeq: source.seq, branches: Object.keys(source.heads).length }, files: files.map((f) => f.path), alreadyCopied: false };
      // A run killed after the commit point made the copy (so did a run that finished); anything else is another store.
      const made = at.state.seq === 1 && encodeState(at.state) === encodeState(wanted);
      if (at.state.seq !== 0 && !made) {
        throw new BazaarError('ERR_BAD_INPUT', `${to.dir} is not a new store (it holds state ${at.state.seq}${at.state.seq === 1 ? `, not a copy of the newest state of ${from.dir}` : ''}): migrate copies only into a store that was never written`, { data: { to: to.dir, seq: at.state.seq } });
      }
      const conflicts = conflictingStoreFiles(to.dir, files);
      if (conflicts.length) {
        throw new BazaarError('ERR_BAD_INPUT', `${to.dir} has its own ${conflicts.join(', ')}, which differ from ${from.dir}'s: move them away to migrate (nothing was copied)`, { data: { to: to.dir, files: conflicts } });
      }
      if (made) {
        await writeStoreFiles(to.dir, files);
        await recordState(dst.repo, wanted);
        return { ...report, states: 0, alreadyCopied: true };
      }
      try {
        let total = 0;
        for await (const e of src.objects.list()) if ('id' in e) total++;
        progress('objects', 0, total);
        report.objects = await copyObjects(src.objects, dst.objects, (c) => progress('objects', c.copied + c.present, total));
        progress('history', 0);
        report.history = await copyHistory(src.repo, dst.repo, Object.values(source.heads), (n) => progress('history', n));
      } catch (err) {
        throw stopped(err, from, to);
      }
      // Loose history files are written without an fsync (a transaction's syncfs covers
      // them): made durable here, before the state that names them.
      if (dst.repo.backend.kind === 'files') await syncFilesystem(to.dir, () => { /* each file was renamed into place whole */ });
      dst.repo.packLoose();
      await writeStoreFiles(to.dir, files);
      progress('files', files.length, files.length);
      if (!(await dst.states.commit(wanted))) {
        throw new BazaarError('ERR_STORE_LOCKED', `${to.dir} was written by another process during the migration; nothing of it is a copy: migrate into a new store`, { data: { to: to.dir } });
      }
      progress('state', 1, 1);
      await recordState(dst.repo, wanted);
      return report;
    }, dst.lockOptions());
  } finally {
    lease.release();
  }
  const check = async (store: Store, phase: MigratePhase): Promise<FsckReport> => {
    progress(phase, 0);
    return store.fsck({ onProgress: (done) => progress(phase, done) });
  };
  const fsck = { source: await check(from, 'check source'), destination: await check(to, 'check destination') };
  return { ok: fsck.source.ok && fsck.destination.ok, from: fromLabels, to: toLabels, ...copied, fsck };
}
