/**
 * `bazaar fsck`: checks everything and always finishes with a report. It never throws on
 * damage: a damaged state, unreadable history, a missing or damaged object, stray files
 * and a git ref that disagrees with the state each become one entry naming what it is and
 * what reaches it. Objects missing only from states older than the retention window are
 * what gc pruned: counted, not damage.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { BranchView } from './branch-view.js';
import { writeDamage } from './damage.js';
import { tmpDir, tmpOwner } from './layout.js';
import { Lease } from './leases.js';
import type { ObjectId } from './layout.js';
import { processAlive } from './process-id.js';
import { Reachability } from './reachability.js';
import type { HistoryProblem, ObjectProblem } from './reachability.js';
import { retentionRoots } from './retention.js';
import type { RetentionChoice } from './retention.js';
import type { StateBackend, StoreState } from './state-backend.js';
import type { Store } from './store.js';

export interface StateProblem { what: string; problem: string }

export interface FsckReport {
  ok: boolean;
  /** Objects in the object area that were checked. */
  objects: number;
  /** Missing or damaged objects, each with what it is and the branches that reach it. */
  problems: ObjectProblem[];
  /** Branch history that cannot be read. */
  history: HistoryProblem[];
  /** The state and the git refs that mirror it. */
  state: StateProblem[];
  /** Not damage: a git ref a crash left behind the state (the next write updates it). */
  notes: string[];
  /** Entries in objects/ or tmp/ that the store did not write (reported, never touched). */
  stray: string[];
  unreferenced: number;
  staleTemps: number;
  pruned: number;
  /** The state checked (its sequence number). */
  seq: number;
}

/** The newest state that reads, and the damaged ones above it. */
export function usableState(states: StateBackend): { state: StoreState; damaged: StateProblem[] } {
  const damaged: StateProblem[] = [];
  const seqs = states.list();
  for (let i = seqs.length - 1; i >= 0; i--) {
    try {
      const s = states.read(seqs[i]);
      if (s) return { state: s, damaged };
    } catch (err) {
      if (!(err instanceof BazaarError) || err.code !== 'ERR_STORE_DAMAGED') throw err;
      damaged.push({ what: `state ${seqs[i]}`, problem: err.message });
    }
  }
  return { state: { seq: 0, time: 0, heads: {} }, damaged };
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

export async function fsck(store: Store, options: RetentionChoice & { onProgress?: (done: number, total: number) => void } = {}): Promise<FsckReport> {
  const { state, damaged } = usableState(store.states);
  // A lease keeps a concurrent gc from collecting what this state reaches while we look.
  const lease = Lease.take(store.dir, state.seq);
  try {
    return await check(store, state, damaged, options);
  } finally {
    lease.release();
  }
}

async function check(store: Store, state: StoreState, damaged: StateProblem[], options: RetentionChoice & { onProgress?: (done: number, total: number) => void }): Promise<FsckReport> {
  const view = new BranchView(store.repo, state.heads);
  const report: FsckReport = { ok: true, objects: 0, problems: [], history: [], state: [...damaged], notes: [], stray: [], unreferenced: 0, staleTemps: 0, pruned: 0, seq: state.seq };

  for (const branch of view.branches()) {
    const mirror = store.repo.readRef(`heads/${branch}`);
    if (mirror === state.heads[branch]) continue;
    if (mirror === 'garbage') report.state.push({ what: `git ref refs/heads/${branch}`, problem: 'is unreadable' });
    else report.notes.push(`git ref refs/heads/${branch} ${mirror === null ? 'is missing' : `points at ${mirror.slice(0, 12)}`}, behind the state (${state.heads[branch].slice(0, 12)}): a write was interrupted after its commit; the next write updates it`);
  }

  const { roots, unreadable } = await retentionRoots(store.dir, view, store.states, options, true);
  for (const u of unreadable) report.history.push({ branch: u.branch, commit: u.commit, problem: u.problem });
  const reach = new Reachability(store.objects);
  // Missing from a current state is damage; from an older one, it is what a gc pruned
  // (gc may run with any window, so fsck cannot tell a pruned object from a lost one there).
  await reach.walk(view, roots.map((r) => ({ ...r, live: r.head === true })));
  for (const h of reach.historyProblems) if (!report.history.some((x) => x.branch === h.branch && x.problem === h.problem)) report.history.push(h);

  const ids: ObjectId[] = [];
  for await (const entry of store.objects.list()) {
    if ('stray' in entry) report.stray.push(entry.stray);
    else if ('damagedPack' in entry) report.state.push({ what: `pack ${entry.damagedPack}`, problem: `${entry.problem} (its objects were found by walking it); 'bazaar fsck --repair' rewrites it` });
    else ids.push(entry.id);
  }
  for (const id of ids) {
    report.objects++;
    options.onProgress?.(report.objects, ids.length);
    if (!reach.reached.has(id)) report.unreferenced++;
    if (reach.verified.has(id) || reach.objectProblems.has(id)) continue;
    const problem = await store.objects.check(id);
    if (problem !== null) reach.reportDamage(id, problem);
  }
  report.problems = reach.problems();
  report.pruned = reach.pruned.size;
  const tmp = scanTmp(store.dir);
  report.staleTemps = tmp.stale.length;
  report.stray.push(...tmp.stray);
  report.ok = report.problems.length === 0 && report.history.length === 0 && report.state.length === 0;
  try {
    writeDamage(store.dir, report.problems.filter((p) => p.problem !== 'missing').map((p) => ({ id: p.id, problem: p.problem })));
  } catch { /* a read-only store: the list only speeds up healing */ }
  return report;
}
