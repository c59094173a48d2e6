/**
 * The store's state has two witnesses: the state files (state-backend.ts, the commit
 * point) and the git repository, whose branch refs and `refs/bazaar/state` record (a
 * commit whose message is the whole state record) are written right after each commit.
 * Either can be lost by a hand or a disk; neither may be believed alone when they differ,
 * or a deleted state file would silently roll back a commit and let gc delete what it
 * reached.
 *
 * `readStoreState` compares them and answers with the one that is ahead, plus what is
 * wrong. Only one disagreement is normal: the git record one commit behind the newest
 * state file, with each branch ref at either of the two, is a write killed between its
 * commit point and the refs (the next write brings them up); with writers on several hosts
 * (a state with a gc fence) the record may lag by as many commits as are in flight. A
 * reading that disagrees because a writer committed between its reads is taken again.
 * Everything else is damage:
 * fsck reports it, writers refuse, and `fsck --repair` restores the lagging witness from
 * the one ahead (repair.ts).
 */
import { BazaarError } from '../errors.js';
import type { GitRepo } from './history/git-repo.js';
import { EMPTY_STATE, decodeState, encodeState } from './state-backend.js';
import type { StateBackend, StoreState } from './state-backend.js';

/** The git ref holding the state record (a commit; its parent is the previous record). */
export const STATE_RECORD_REF = 'bazaar/state';

export interface StateProblem { what: string; problem: string }

export interface StoreStateReading {
  /** The state to use: the newest either witness holds. */
  state: StoreState;
  /** Where it came from. */
  source: 'state' | 'git';
  /** The newest state file that reads, or null (none, or all damaged). */
  file: StoreState | null;
  /** Newer state files that do not read (damaged). */
  damagedFiles: number[];
  /** The git record, or null when absent or unreadable. */
  recorded: StoreState | null;
  /** Damage: the witnesses disagree, or one is missing or unreadable. */
  damage: StateProblem[];
  /** Not damage: an interrupted write's refs, a store last written before the record existed. */
  notes: string[];
}

/** The newest state file that reads, and the damaged ones above it. */
export async function newestStateFile(states: StateBackend): Promise<{ state: StoreState | null; damaged: Array<{ seq: number; problem: string }> }> {
  const damaged: Array<{ seq: number; problem: string }> = [];
  // the newest reads (the common case): one request where the state is in a database
  try {
    const newest = await states.latest();
    return { state: newest.seq === 0 ? null : newest, damaged };
  } catch (err) {
    if (!(err instanceof BazaarError) || err.code !== 'ERR_STORE_DAMAGED') throw err;
  }
  const seqs = await states.list();
  for (let i = seqs.length - 1; i >= 0; i--) {
    try {
      const s = await states.read(seqs[i]);
      if (s) return { state: s, damaged };
    } catch (err) {
      if (!(err instanceof BazaarError) || err.code !== 'ERR_STORE_DAMAGED') throw err;
      damaged.push({ seq: seqs[i], problem: err.message });
    }
  }
  return { state: null, damaged };
}

/** The git record of the state: null when absent, a problem when unreadable. */
export async function readStateRecord(repo: GitRepo): Promise<{ state: StoreState; commit: string } | null | { problem: string }> {
  const ref = await repo.readRef(STATE_RECORD_REF);
  if (ref === null) return null;
  if (ref === 'garbage') return { problem: 'the ref is not a commit id' };
  try {
    const commit = await repo.readCommit(ref);
    const json = commit.message.slice(commit.message.indexOf('\n\n') + 2);
    return { state: decodeState(json, `record ${ref.slice(0, 12)} (refs/${STATE_RECORD_REF})`), commit: ref };
  } catch (err) {
    if (!(err instanceof BazaarError) || err.code !== 'ERR_STORE_DAMAGED') throw err;
    return { problem: err.message };
  }
}

/**
 * Writes the git witness of `state`: every branch ref (and no other), then the state
 * record. A kill in between leaves the record one behind, which `readStoreState` reads
 * as an interrupted write, not damage. The record only moves forward: it moves from the
 * record read here (a compare-and-swap, hosts sharing a history in a database race for
 * it), and a newer state recorded meanwhile by another writer is left standing.
 */
export async function recordState(repo: GitRepo, state: StoreState, previous?: StoreState): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const record = await readStateRecord(repo);
    const at = record !== null && 'state' in record ? record : null;
    if (at !== null && at.state.seq > state.seq) return;
    // After a clean commit only the branches that moved need their refs written (its
    // writer checked every ref against its base); after an interrupted one (the record is
    // not the previous state), a lost race or a repair, every ref is checked.
    const clean = attempt === 0 && previous !== undefined && at !== null && sameState(at.state, previous);
    const refs = clean ? null : await repo.readRefs('heads');
    const branches = refs === null ? changedBranches(previous as StoreState, state) : [...refs.keys(), ...Object.keys(state.heads)];
    const updates: Array<[string, string | null]> = [];
    for (const branch of new Set(branches)) {
      const want = state.heads[branch] ?? null;
      if (refs === null || (refs.get(branch) ?? null) !== want) updates.push([`heads/${branch}`, want]);
    }
    if (at !== null && sameState(at.state, state)) { await repo.setRefs(updates); return; }
    const commit = repo.writeCommit({
      tree: repo.writeTree([]), parents: at ? [at.commit] : [], message: `bazaar state ${state.seq}\n\n${encodeState(state).trimEnd()}`, timestamp: Math.floor(state.time / 1000),
    });
    // The record moves last (files move refs in order, so a kill leaves it behind, never
    // ahead), and only from what was read; an unreadable record (damage, a repair) is replaced.
    const guard = record !== null && 'problem' in record ? undefined : { name: STATE_RECORD_REF, from: at?.commit ?? null, to: commit };
    if (guard === undefined) { await repo.setRefs([...updates, [STATE_RECORD_REF, commit]]); return; }
    if (await repo.setRefs(updates, guard)) return;
  }
}

function changedBranches(a: StoreState, b: StoreState): string[] {
  return [...new Set([...Object.keys(a.heads), ...Object.keys(b.heads)])].filter((k) => a.heads[k] !== b.heads[k]);
}

const short = (c: string | null | undefined): string => (c ? c.slice(0, 12) : 'nothing');

function sameState(a: StoreState, b: StoreState): boolean { return encodeState(a) === encodeState(b); }

/** The branch refs that differ from `heads` (allowing `alt` heads too, when given). */
async function refMismatches(repo: GitRepo, heads: Record<string, string>, alts: Array<Record<string, string>> = []): Promise<StateProblem[]> {
  const out: StateProblem[] = [];
  const refs = await repo.readRefs('heads');
  for (const branch of [...new Set([...refs.keys(), ...Object.keys(heads)])].sort()) {
    const ref = refs.get(branch) ?? null;
    const want = heads[branch] ?? null;
    if (ref === want || alts.some((alt) => ref === (alt[branch] ?? null))) continue;
    const what = `git ref refs/heads/${branch}`;
    if (ref === 'garbage') out.push({ what, problem: 'is unreadable' });
    else if (ref === null) out.push({ what, problem: `is missing; the state has it at ${short(want)}` });
    else if (want === null) out.push({ what, problem: `points at ${short(ref)}, a branch the state does not have` });
    else out.push({ what, problem: `points at ${short(ref)}, the state at ${short(want)}` });
  }
  return out;
}

/**
 * Both witnesses, compared (see the module comment). `quick` (readers): when the state
 * file and the git record agree, the branch refs (written before the record, and read by
 * no bazaar code) are not each read; fsck and writers read them all.
 */
export async function readStoreState(states: StateBackend, repo: GitRepo, options: { quick?: boolean } = {}): Promise<StoreStateReading> {
  // The witnesses are read one after the other, not at one instant: a writer (another
  // host's, or a killed lock's) may commit between the reads, and its refs and record then
  // read as ahead of the state read before them. Both are written after its state, so
  // reading the state again tells: moved, the reading is stale and is taken again; not
  // moved, what disagrees is damage.
  for (let attempt = 1; ; attempt++) {
    const reading = await readWitnesses(states, repo, options);
    if (reading.damage.length === 0 || attempt === STALE_READINGS) return reading;
    const { state: now } = await newestStateFile(states);
    if ((now?.seq ?? 0) === (reading.file?.seq ?? 0)) return reading;
  }
}

/** Readings in a row taken again because the state moved under them (writers at full speed). */
const STALE_READINGS = 10;
/**
 * How far the git record may lag the state, with writers on several hosts: each moves the
 * record after its commit, so N writers between their commit and their record leave it N
 * behind for that moment (one host's lock allows one, the interrupted write).
 */
const HOSTS_IN_FLIGHT = 16;

async function readWitnesses(states: StateBackend, repo: GitRepo, options: { quick?: boolean }): Promise<StoreStateReading> {
  const { state: file, damaged } = await newestStateFile(states);
  const rec = await readStateRecord(repo);
  const recorded = rec !== null && 'state' in rec ? rec.state : null;
  const damage: StateProblem[] = damaged.map((d) => ({ what: `state ${d.seq}`, problem: d.problem.replace(/^store state .* is damaged: /, 'is damaged: ') }));
  const notes: string[] = [];
  const fileSeq = file?.seq ?? 0;

  if (rec !== null && 'problem' in rec) damage.push({ what: `the git record of the state (refs/${STATE_RECORD_REF})`, problem: `cannot be read: ${rec.problem}` });

  if (recorded !== null && recorded.seq > fileSeq) {
    // The git record is ahead: state files were lost or damaged. It holds the whole record.
    damage.push({
      what: `state ${recorded.seq}`,
      problem: file === null
        ? 'is missing: no state file reads, and the git record holds it'
        : `is missing: the newest state file that reads is ${fileSeq}, and the git record holds ${recorded.seq}`,
    });
    damage.push(...await refMismatches(repo, recorded.heads));
    return { state: recorded, source: 'git', file, damagedFiles: damaged.map((d) => d.seq), recorded, damage: dedupe(damage), notes };
  }

  const state = file ?? EMPTY_STATE;
  if (recorded !== null && recorded.seq === fileSeq) {
    if (!sameState(recorded, state)) damage.push({ what: `state ${fileSeq}`, problem: 'differs from its git record' });
    if (!options.quick || damage.length) damage.push(...await refMismatches(repo, state.heads));
  } else if (recorded !== null && damaged.length === 0 && (recorded.seq === fileSeq - 1 || (states.fence !== undefined && recorded.seq >= fileSeq - HOSTS_IN_FLIGHT))) {
    const previous = await safeRead(states, recorded.seq);
    // each branch ref at the head of the state, the record's, or a state between (their writers' refs)
    const between: Array<Record<string, string>> = [recorded.heads];
    for (let seq = recorded.seq + 1; seq < fileSeq; seq++) { const s = await safeRead(states, seq); if (s) between.push(s.heads); }
    const mismatched = await refMismatches(repo, state.heads, between);
    if ((previous === null || sameState(previous, recorded)) && mismatched.length === 0) {
      notes.push(fileSeq - recorded.seq === 1
        ? `the git record is at state ${recorded.seq}, one behind the state (${fileSeq}): a write was interrupted after its commit; the next write brings it up`
        : `the git record is at state ${recorded.seq}, ${fileSeq - recorded.seq} behind the state (${fileSeq}): writers on other hosts are between their commits and their records (or were killed there); the next write brings it up`);
    } else {
      damage.push({ what: 'the git record of the state', problem: `is at state ${recorded.seq}, behind the state (${fileSeq})` }, ...mismatched);
    }
  } else if (recorded !== null) {
    damage.push({ what: 'the git record of the state', problem: `is at state ${recorded.seq}, behind the state (${fileSeq})` });
    damage.push(...await refMismatches(repo, state.heads));
  } else {
    // A store last written by a bazaar before the record: its refs alone witness the state
    // (one behind after an interrupted write, as then).
    // State 1's predecessor is the empty state, which has no file: a first write killed
    // after its commit, before its refs and record, is one behind as any other.
    const previous = fileSeq === 1 ? EMPTY_STATE : await safeRead(states, fileSeq - 1);
    const mismatched = await refMismatches(repo, state.heads, previous ? [previous.heads] : []);
    if (rec === null && mismatched.length === 0) {
      if (fileSeq === 1) notes.push('the git record of the state is absent: the first write was interrupted after its commit; the next write records it');
      else if (fileSeq > 0) notes.push(`the git record of the state is absent (a store last written by an older bazaar); the next write records it`);
    } else {
      if (rec === null) damage.push({ what: 'the git record of the state', problem: `is missing (refs/${STATE_RECORD_REF})` });
      // Without a record, the branch refs are the git witness: ahead when they reach
      // every head the state file names (newer commits on top, or moved to other branches).
      const ahead = await refsAhead(repo, state);
      if (ahead !== null) {
        damage.push({ what: `state ${ahead.seq}`, problem: `is missing: the newest state file that reads is ${fileSeq}, and the git refs are ahead of it` });
        return { state: ahead, source: 'git', file, damagedFiles: damaged.map((d) => d.seq), recorded, damage: dedupe(damage), notes };
      }
      damage.push(...mismatched);
    }
  }
  return { state, source: 'state', file, damagedFiles: damaged.map((d) => d.seq), recorded, damage: dedupe(damage), notes };
}

/** The state the branch refs name, as the next state after `file`, when they are ahead of it; else null. */
async function refsAhead(repo: GitRepo, file: StoreState): Promise<StoreState | null> {
  const heads: Record<string, string> = {};
  for (const [branch, ref] of await repo.readRefs('heads')) {
    if (ref === 'garbage') return null;
    if (ref !== null) heads[branch] = ref;
  }
  if (Object.keys(heads).length === 0 || sameHeads(heads, file.heads)) return null;
  for (const c of Object.values(heads)) if (!(await repo.exists(c))) return null;
  const reached = await reachableCommits(repo, Object.values(heads));
  if (!Object.values(file.heads).every((c) => reached.has(c))) return null;
  let time = file.time;
  for (const c of Object.values(heads)) time = Math.max(time, (await repo.readCommit(c)).timestamp * 1000);
  const state: StoreState = { seq: file.seq + 1, time, heads };
  if (file.prunedBefore !== undefined) state.prunedBefore = file.prunedBefore;
  return state;
}

function sameHeads(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Every commit the heads reach (all parents); an unreadable one ends its line. */
export async function reachableCommits(repo: GitRepo, heads: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  const todo = [...heads];
  while (todo.length) {
    const c = todo.pop() as string;
    if (seen.has(c)) continue;
    seen.add(c);
    try { todo.push(...(await repo.readCommit(c)).parents); } catch (err) {
      if (!(err instanceof BazaarError) || err.code !== 'ERR_STORE_DAMAGED') throw err;
    }
  }
  return seen;
}

async function safeRead(states: StateBackend, seq: number): Promise<StoreState | null> {
  try { return await states.read(seq); } catch { return null; }
}

function dedupe(list: StateProblem[]): StateProblem[] {
  const seen = new Set<string>();
  return list.filter((p) => { const k = `${p.what}\u0000${p.problem}`; if (seen.has(k)) return false; seen.add(k); return true; });
}

/** The error a writer (and gc) gives while the witnesses disagree. */
export function stateDamageError(reading: StoreStateReading): BazaarError {
  const first = reading.damage[0];
  return new BazaarError('ERR_STORE_DAMAGED', `the store's state is damaged (${first.what} ${first.problem}); nothing was changed`, { data: { state: first.what } });
}
