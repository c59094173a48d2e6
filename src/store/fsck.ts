/**
 * `bazaar fsck`: checks everything and always finishes with a report. It never throws on
 * damage: a damaged state, unreadable history, a missing or damaged object, stray files
 * and a git ref that disagrees with the state each become one entry naming what it is and
 * what reaches it. Objects missing only from states older than the retention window are
 * what gc pruned: counted, not damage.
 */
import { DerivedPacks, derivedPackKinds } from './caches/derived-packs.js';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../errors.js';
import { BranchView } from './branch-view.js';
import { writeDamage } from './damage.js';
import { tmpDir, tmpOwner } from './layout.js';
import { leaseBoard } from './leases.js';
import { processAlive } from './process-id.js';
import { Reachability } from './reachability.js';
import type { HistoryProblem, ObjectProblem } from './reachability.js';
import { retentionRoots } from './retention.js';
import type { RetentionChoice } from './retention.js';
import type { StateProblem, StoreStateReading } from './state-witness.js';
import { internals } from './store.js';
import type { Store } from './store.js';
import type { ObjectId } from './layout.js';

export type { StateProblem } from './state-witness.js';

export interface FsckReport {
  ok: boolean;
  /** Objects in the object area that were checked. */
  objects: number;
  /** Missing or damaged objects, each with what it is and the branches that reach it. */
  problems: ObjectProblem[];
  /** Branch history that cannot be read. */
  history: HistoryProblem[];
  /** The state's two witnesses (state files, git record and refs) where they disagree. */
  state: StateProblem[];
  /** Not damage: a git record a crash left one behind the state (the next write brings it up). */
  notes: string[];
  /** Entries in objects/ or tmp/ that the store did not write (reported, never touched). */
  stray: string[];
  unreferenced: number;
  staleTemps: number;
  pruned: number;
  /** The state checked (its sequence number). */
  seq: number;
}

/** Temp files of dead processes, and tmp/ entries that are not ours. */
export function scanTmp(root: string): { stale: string[]; stray: string[] } {
  const stale: string[] = [];
  const stray: string[] = [];
  let names: string[];
  try { names = readdirSync(tmpDir(root)); } catch (err) { if (isErrno(err, 'ENOENT')) return { stale, stray }; throw err; }
  for (const name of names) {
    const path = join(tmpDir(root), name);
    const pid = tmpOwner(name);
    let isFile = false;
    try { isFile = statSync(path).isFile(); } catch { continue; }
    if (pid === null || !isFile) stray.push(path);
    else if (!processAlive({ pid, start: 0 })) stale.push(path);
  }
  return { stale, stray };
}

/** Objects checked together (ObjectStore.checkMany): enough to make a native decode call's cost small per object, few enough to hold. */
const CHECK_BATCH = 64;

export async function fsck(store: Store, options: RetentionChoice & { onProgress?: (done: number, total: number) => void } = {}): Promise<FsckReport> {
  const reading = await internals(store).readState();
  // A lease keeps a concurrent gc from collecting what this state reaches while we look.
  const lease = await leaseBoard(store.dir, internals(store).states).take(reading.state.seq);
  const release = internals(store).objects.holdListing();
  try {
    return await check(store, reading, options);
  } finally {
    release();
    lease.release();
  }
}

async function check(store: Store, reading: StoreStateReading, options: RetentionChoice & { onProgress?: (done: number, total: number) => void }): Promise<FsckReport> {
  const { objects, states, repo } = internals(store);
  const state = reading.state;
  const view = new BranchView(objects, repo, state.heads);
  const report: FsckReport = { ok: true, objects: 0, problems: [], history: [], state: [...reading.damage], notes: [...reading.notes], stray: [], unreferenced: 0, staleTemps: 0, pruned: 0, seq: state.seq };

  const { roots, unreadable } = await retentionRoots(store.dir, view, states, { ...options, horizon: state.prunedBefore }, true);
  for (const u of unreadable) report.history.push({ branch: u.branch, commit: u.commit, problem: u.problem });
  const reach = new Reachability(objects);
  // Missing from a state gc keeps is damage (gc would refuse over it); from one older
  // than gc's horizon, it is what a gc collected. A store no gc has recorded a horizon
  // in yet (an older bazaar's) is judged on its heads only, as that bazaar did.
  await reach.walk(view, roots.map((r) => ({ ...r, strict: state.prunedBefore === undefined ? r.head === true : r.live })));
  for (const h of reach.historyProblems) if (!report.history.some((x) => x.branch === h.branch && x.problem === h.problem)) report.history.push(h);
  // Packed history holds objects no kept state reaches too: each pack is verified whole.
  for (const problem of repo.checkPacks()) report.history.push({ branch: 'refs.git', commit: '', problem });

  // streamed: the listing is never held whole (a store of 60,000 builds lists millions);
  // what the walk has not read is checked CHECK_BATCH at a time (one native decode for many)
  let batch: ObjectId[] = [];
  const checkBatch = async (): Promise<void> => {
    const ids = batch;
    batch = [];
    const problems = await objects.checkMany(ids);
    for (let i = 0; i < ids.length; i++) if (problems[i] !== null) reach.reportDamage(ids[i], problems[i] as string);
  };
  for await (const entry of objects.list()) {
    if ('stray' in entry) { report.stray.push(entry.stray); continue; }
    if ('damagedPack' in entry) { report.state.push({ what: `pack ${entry.damagedPack}`, problem: `${entry.problem} (its objects were found by walking it); 'bazaar fsck --repair' rewrites it` }); continue; }
    const id = entry.id;
    report.objects++;
    options.onProgress?.(report.objects, 0);
    if (!reach.reaches(id)) report.unreferenced++;
    if (reach.settled(id)) continue;
    batch.push(id);
    if (batch.length >= CHECK_BATCH) await checkBatch();
  }
  await checkBatch();
  report.problems = await reach.problems();
  report.pruned = reach.pruned;
  const tmp = scanTmp(store.dir);
  report.staleTemps = tmp.stale.length;
  report.stray.push(...tmp.stray);
  // Derived data is not damage (never served: a reader checks each entry and recomputes a
  // bad one), but a damaged pack entry is reported so that a failing disk is noticed.
  for (const kind of derivedPackKinds(store.dir)) {
    for (const d of DerivedPacks.of(store.dir, kind).check().damaged) report.notes.push(`derived cache cache/packs/${d} is damaged (never served: recomputed when next needed; 'bazaar reindex' clears it)`);
  }
  report.ok = report.problems.length === 0 && report.history.length === 0 && report.state.length === 0;
  try {
    writeDamage(store.dir, report.problems.map((p) => ({ id: p.id, problem: p.problem })));
  } catch { /* a read-only store: the list only speeds up healing */ }
  return report;
}
