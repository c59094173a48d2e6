/**
 * `bazaar fsck --repair`: re-creates what is damaged or missing from whatever still holds
 * it, and says plainly what cannot be repaired and what that costs.
 *
 * - The state's two witnesses disagreeing (state-witness.ts): the one that is ahead wins.
 *   Lost or damaged newest state files are restored from the git record, byte for byte;
 *   a lagging, missing or damaged git record and refs are rewritten from the state. A
 *   commit the losing witness names that the winner does not reach is kept as a
 *   `trash/` branch (restorable for the retention window), never dropped.
 * - A missing or damaged object of a package (a file, a tree, the header, the manifest):
 *   re-created from an intact .rpm variant of the build, which holds every file. A
 *   layout-1 manifest cannot be re-created byte for byte: the build gets a new manifest
 *   and every branch head that held the old record moves to the new one.
 * - A damaged unreferenced object: deleted (nothing needs it).
 * - A damaged tree of a branch's history: rebuilt from the package index of that commit
 *   when one exists (the git objects come out byte-identical, so nothing else changes).
 * - What remains (a damaged .rpm variant, damaged history without an index) is listed
 *   with what it belongs to and the step that would fix it: re-adding the original .rpm,
 *   or `--reset-ref BRANCH`, which moves the branch back to its last good state and says
 *   which commits that drops. Nothing is dropped without being asked for.
 */
import { BazaarError } from '../errors.js';
import { BranchView } from './branch-view.js';
import { readDamage, writeDamage } from './damage.js';
import { fsck } from './fsck.js';
import type { FsckReport } from './fsck.js';
import { readValue, updateTree } from './history/branch-tree.js';
import { prepareRpm } from './ingest-rpm.js';
import { stageKind } from './kinds/index.js';
import type { BuildRecord } from './kinds/build.js';
import { tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';
import { readIndexFile } from './package-index.js';
import { withStoredCopy } from './rpm-blob.js';
import { Reachability } from './reachability.js';
import { checkResetRefs } from './reset-refs.js';
import { CHANNEL_PREFIX, PACKAGES_BRANCH, PINS_BRANCH, buildPath } from './ref-paths.js';
import { internals } from './store.js';
import type { Store } from './store.js';
import type { Transaction } from './transaction.js';
import { TRASH_PREFIX, retentionRoots } from './retention.js';
import { reachableCommits, recordState } from './state-witness.js';

export interface RepairOptions {
  /** Branches to move back to their last good state (or to cut history below damage). */
  resetRefs?: string[];
}

export interface RepairReport {
  /** What was repaired, one line each. */
  repaired: string[];
  /** What could not be repaired, each with the step that would fix it. */
  unrepaired: string[];
  /** fsck's report after the repair. */
  after: FsckReport;
}

/** Runs fsck, repairs what it can under the writers' lock, and runs fsck again. */
export async function repair(store: Store, options: RepairOptions = {}): Promise<RepairReport> {
  await checkResetRefs(store, options.resetRefs ?? []);
  const repaired: string[] = [];
  const unrepaired: string[] = [];
  await store.write((tx) => repairState(store, tx, repaired), { damagedState: 'repairing' });
  await store.write(async (tx) => {
    for (const pack of await internals(store).objects.backend.repairPacks?.() ?? []) repaired.push(`pack ${pack}: its index was damaged; rewritten from the objects it holds`);
    const before = await fsck(store);
    await repairHistory(store, tx, before, options, repaired, unrepaired);
    await repairObjects(store, tx, before, repaired, unrepaired);
  });
  const after = await fsck(store);
  if (after.ok) writeDamage(store.dir, []);
  return { repaired, unrepaired, after };
}

/**
 * The state's witnesses, made to agree again from the one ahead (see the module comment).
 * `tx` is based on the winner; it commits only when a lost commit is kept under trash/.
 */
async function repairState(store: Store, tx: Transaction, repaired: string[]): Promise<void> {
  const { repo, states } = internals(store);
  const reading = await internals(store).readState();
  if (reading.damage.length === 0) return;
  const winner = reading.state;
  for (const seq of reading.damagedFiles) repaired.push(`state ${seq} was damaged: set aside as ${await states.setAside(seq)}`);
  // What the losing witness names, gathered before the refs are rewritten.
  const losing: Array<{ branch: string; commit: string; witness: string }> = [];
  const lose = (heads: Record<string, string> | undefined, witness: string): void => {
    for (const [branch, commit] of Object.entries(heads ?? {})) if (winner.heads[branch] !== commit) losing.push({ branch, commit, witness });
  };
  lose(reading.source === 'git' ? reading.file?.heads : reading.recorded?.heads, reading.source === 'git' ? `state file ${reading.file?.seq}` : 'the git record');
  for (const [branch, ref] of await repo.readRefs('heads')) {
    if (ref !== null && ref !== 'garbage' && winner.heads[branch] !== ref) losing.push({ branch, commit: ref, witness: `git ref refs/heads/${branch}` });
  }
  if (reading.source === 'git') {
    if (!(await states.commit(winner))) throw new BazaarError('ERR_STORE_LOCKED', `state ${winner.seq} appeared while it was being restored; run the repair again`);
    repaired.push(`state ${winner.seq} was ${reading.file === null ? 'missing (no state file read)' : `missing (the newest state file was ${reading.file.seq})`}: restored from its git record`);
  }
  await recordState(repo, winner);
  if (reading.source === 'state') repaired.push(`rewrote the git record of the state and the branch refs from state ${winner.seq}`);
  const kept = await reachableCommits(repo, Object.values(winner.heads));
  const stamp = Math.floor(store.now() / 1000);
  const saved = new Set<string>();
  for (const l of losing) {
    if (kept.has(l.commit) || saved.has(l.commit) || !(await repo.exists(l.commit))) continue;
    saved.add(l.commit);
    const trash = `${TRASH_PREFIX}${stamp}/recovered/${l.branch}`;
    tx.setHead(trash, l.commit);
    tx.commitTree(trash, (await repo.readCommit(l.commit)).tree, `recovered by fsck --repair: ${l.witness} named ${l.commit} for ${l.branch}, which state ${winner.seq} does not reach`);
    repaired.push(`${l.branch}: commit ${l.commit.slice(0, 12)} named by ${l.witness} is not in state ${winner.seq}; kept as ${trash} for the retention window`);
  }
}

/** Damaged history: rebuild trees from the package index; otherwise reset when asked. */
async function repairHistory(store: Store, tx: Transaction, report: FsckReport, options: RepairOptions, repaired: string[], unrepaired: string[]): Promise<void> {
  const { repo } = internals(store);
  const branches = [...new Set(report.history.map((h) => h.branch))];
  for (const branch of branches) {
    const head = tx.head(branch);
    if (head === null) continue;
    // A head that reads in full: the damage is older (only a reset below it helps).
    const rebuilt = (await readable(store, head)) ? null : await rebuildFromIndex(store, tx, branch, head);
    if (rebuilt === 'trees') { repaired.push(`${branch}: rebuilt its damaged history trees from the package index`); continue; }
    if (rebuilt === 'commit') { repaired.push(`${branch}: its head commit ${head.slice(0, 12)} was damaged; its content is rebuilt from the package index as a new commit`); continue; }
    const good = await lastGood(store, tx, branch);
    if (options.resetRefs?.includes(branch)) {
      if (good === null) {
        unrepaired.push(`${branch}: no readable state of it is left; nothing to reset to`);
      } else if (good.commit === head) {
        // the head reads: the damage is older; cut the history below the head
        const tree = (await repo.readCommit(head)).tree;
        tx.setHead(branch, repo.writeCommit({ tree, parents: [], message: `history before ${head} dropped: it was damaged (bazaar fsck --repair --reset-ref)`, timestamp: Math.floor(store.now() / 1000) }));
        repaired.push(`${branch}: history below ${head.slice(0, 12)} was damaged and is dropped, as asked; the current content is unchanged`);
      } else {
        tx.setHead(branch, good.commit);
        repaired.push(`${branch}: reset to ${good.commit.slice(0, 12)} (${good.when}), as asked; the damaged states after it are dropped`);
      }
      continue;
    }
    unrepaired.push(good === null
      ? `${branch}: its history cannot be read and no readable state of it is left`
      : good.commit === head
        ? `${branch}: older history is damaged (the current state reads); 'bazaar fsck --repair --reset-ref ${branch}' drops the history below the head`
        : `${branch}: its current state cannot be read; the last good state is ${good.commit.slice(0, 12)} (${good.when}); 'bazaar fsck --repair --reset-ref ${branch}' resets to it, dropping what came after`);
  }
}

/**
 * Rewrites a commit's damaged git trees and value blobs from its package index (they come
 * out byte-identical): 'trees' when the commit then reads. When the commit object itself
 * is damaged, its content is committed anew on top of the branch's previous readable head
 * (from older states): 'commit'. null when there is no index of that commit.
 */
async function rebuildFromIndex(store: Store, tx: Transaction, branch: string, commit: string): Promise<'trees' | 'commit' | null> {
  const { repo, states } = internals(store);
  const index = readIndexFile(store.dir, commit);
  if (!index || index === 'damaged') return null;
  const changes = [...index.builds.map((b) => ({ path: buildPath(b.name, b.key), id: b.value })), ...index.extras.map(([path, id]) => ({ path, id }))];
  const rebuilt = (await updateTree(repo, null, changes)) ?? repo.writeTree([]);
  let tree: string | null = null;
  try { tree = (await repo.readCommit(commit)).tree; } catch { /* the commit itself is damaged */ }
  if (tree !== null) return tree === rebuilt && (await readable(store, commit)) ? 'trees' : null;
  let parent: string | null = null;
  for (const seq of (await states.list()).reverse()) {
    let c: string | undefined;
    try { c = (await states.read(seq))?.heads[branch]; } catch { continue; }
    if (c && c !== commit && (await readable(store, c))) { parent = c; break; }
  }
  tx.setHead(branch, repo.writeCommit({ tree: rebuilt, parents: parent ? [parent] : [], message: `repair: commit ${commit} was damaged; its content is rebuilt from the package index`, timestamp: Math.floor(store.now() / 1000) }));
  return 'commit';
}

/** Whether a commit and its whole tree read. */
async function readable(store: Store, commit: string): Promise<boolean> {
  const { repo } = internals(store);
  try {
    const walk = async (oid: string): Promise<void> => {
      for (const e of await repo.readTree(oid)) {
        if (e.mode === '40000') await walk(e.oid); else await readValue(repo, e.oid);
      }
    };
    await walk((await repo.readCommit(commit)).tree);
    return true;
  } catch (err) {
    if (err instanceof BazaarError && err.code === 'ERR_STORE_DAMAGED') return false;
    throw err;
  }
}

/** The newest state of a branch that reads in full: from its first-parent chain, then older state files. */
async function lastGood(store: Store, view: BranchView, branch: string): Promise<{ commit: string; when: string } | null> {
  const { repo, states } = internals(store);
  const when = async (c: string): Promise<string> => new Date((await repo.readCommit(c)).timestamp * 1000).toISOString();
  let at: string | undefined = view.head(branch) ?? undefined;
  for (let i = 0; at !== undefined && i < 1000; i++) {
    if (await readable(store, at)) return { commit: at, when: await when(at) };
    try { at = (await repo.readCommit(at)).parents[0]; } catch { break; }
  }
  for (const seq of (await states.list()).reverse()) {
    let heads: Record<string, string>;
    try { heads = (await states.read(seq))?.heads ?? {}; } catch { continue; }
    const c = heads[branch];
    if (c && (await readable(store, c))) return { commit: c, when: await when(c) };
  }
  return null;
}

/** Missing or damaged objects: from an intact .rpm variant of the build that reaches them. */
async function repairObjects(store: Store, tx: Transaction, report: FsckReport, repaired: string[], unrepaired: string[]): Promise<void> {
  const { objects, repo, states } = internals(store);
  const problems = new Map(report.problems.map((p) => [p.id, p]));
  if (problems.size === 0) return;
  const view = new BranchView(objects, repo, tx.allHeads());
  const { roots } = await retentionRoots(store.dir, view, states, { horizon: tx.horizon }, false);
  const reach = new Reachability(objects, { keepAbsentFiles: true });
  await reach.walk(view, roots);
  // each damaged object, by the build records that reach it
  const byRecord = new Map<ObjectId, Set<ObjectId>>();
  for (const id of problems.keys()) {
    if (!reach.reaches(id)) {
      await objects.delete(id);
      repaired.push(`deleted ${id}: damaged, and nothing reaches it`);
      problems.delete(id);
      continue;
    }
    const record = ancestorRecord(reach, id);
    if (record === null) continue;
    const set = byRecord.get(record) ?? new Set();
    set.add(id);
    byRecord.set(record, set);
  }
  const fixed = new Set<ObjectId>();
  const moved = new Map<ObjectId, ObjectId>();
  for (const [recordId, ids] of byRecord) {
    let record: BuildRecord;
    try { record = await store.readKind(recordId, 'build'); } catch { continue; }
    const source = await intactVariant(store, record, problems);
    if (source === null) {
      unrepaired.push(`${record.nevra}: no intact .rpm of it is left to rebuild ${[...ids].join(', ')} from; add the original .rpm again ('bazaar add FILE.rpm') to heal it`);
      continue;
    }
    await withStoredCopy(objects, source, tmpPath(store.dir), async (tmp) => {
      const p = await prepareRpm(objects, tmp, { rewrite: new Set(ids) });
      const keep = [...p.blobStaged, ...p.metaStaged].filter((s) => s.slot !== null && (ids.has(s.id) || (p.manifest !== record.manifest && ids.has(record.manifest))));
      await objects.discard([p.rpmStaged, ...p.blobStaged, ...p.metaStaged].filter((s) => !keep.includes(s)));
      tx.stageAll(keep);
      for (const s of keep) if (ids.has(s.id)) fixed.add(s.id);
      if (ids.has(record.manifest) && p.manifest !== record.manifest) {
        const { kind: _k, v: _v, ...rest } = record;
        const staged = await stageKind(objects, 'build', { ...rest, manifest: p.manifest });
        tx.stage(staged);
        moved.set(recordId, staged.id);
        fixed.add(record.manifest);
        repaired.push(`${record.nevra}: its manifest (an older format) was ${problems.get(record.manifest)?.problem === 'missing' ? 'missing' : 'damaged'}; rebuilt it from its .rpm as a new manifest`);
      }
    });
    const done = [...ids].filter((id) => fixed.has(id));
    if (done.length) repaired.push(`${record.nevra}: re-created ${done.length} object${done.length === 1 ? '' : 's'} from its .rpm (${done.map((id) => problems.get(id)?.what ?? id).join('; ')})`);
  }
  if (moved.size) await moveRecords(store, tx, moved);
  for (const p of problems.values()) {
    if (fixed.has(p.id)) continue;
    if (ancestorRecord(reach, p.id) !== null && unrepaired.some((u) => u.includes(p.id))) continue;
    const layer = /^layers\/(.+)$/.exec(p.branches[0] ?? '')?.[1];
    const step = layer !== undefined
      ? `; importing the layer's directory or archive again ('bazaar layer import ${layer}@VERSION DIR'), or creating it again from the same packages, restores it`
      : p.kind === 'blob' ? '' : ` ('bazaar fsck --repair --reset-ref ${p.branches[0] ?? 'BRANCH'}' would drop what needs it)`;
    unrepaired.push(`${p.id} (${p.what}): ${p.problem}; nothing in the store holds it${step}`);
  }
  writeDamage(store.dir, readDamage(store.dir).filter((d) => !fixed.has(d.id)));
}

/** The build record that reached an object first (walking up the chain), or null. */
function ancestorRecord(reach: Reachability, id: ObjectId): ObjectId | null { return reach.ancestorOfKind(id, 'build'); }

/** An .rpm variant of the build that reads intact, or null. */
async function intactVariant(store: Store, record: BuildRecord, problems: Map<ObjectId, unknown>): Promise<ObjectId | null> {
  for (const v of [...record.variants].reverse()) {
    if (problems.has(v.rpm)) continue;
    if ((await internals(store).objects.check(v.rpm)) === null) return v.rpm;
  }
  return null;
}

/** Points every head that holds an old record at its replacement (packages, channels, pins). */
async function moveRecords(store: Store, tx: Transaction, moved: Map<ObjectId, ObjectId>): Promise<void> {
  const branches = [PACKAGES_BRANCH, ...tx.branches(CHANNEL_PREFIX)];
  for (const branch of branches) {
    const changes: Array<{ path: string; id: ObjectId }> = [];
    for (const [path, id] of await tx.entries(branch)) { const to = moved.get(id); if (to) changes.push({ path, id: to }); }
    if (changes.length) await tx.update(branch, changes, `repair: ${changes.length} build record${changes.length === 1 ? '' : 's'} with rebuilt manifests`);
  }
  const pinChanges: Array<{ path: string; id: ObjectId }> = [];
  for (const [path, id] of await tx.entries(PINS_BRANCH)) {
    const pin = await store.readKind(id, 'pin');
    const to = pin.build ? moved.get(pin.build) : undefined;
    if (!to) continue;
    const staged = await stageKind(tx, 'pin', { build: to, nevra: pin.nevra, reason: pin.reason });
    tx.stage(staged);
    pinChanges.push({ path, id: staged.id });
  }
  if (pinChanges.length) await tx.update(PINS_BRANCH, pinChanges, 'repair: pins follow rebuilt build records');
}
