/**
 * `bazaar fsck --repair`: re-creates what is damaged or missing from whatever still holds
 * it, and says plainly what cannot be repaired and what that costs.
 *
 * - A damaged newest state: the git refs that mirror each state hold its heads; the
 *   newest state that agrees with readable history becomes current again.
 * - A git ref that disagrees with the state: rewritten from the state.
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
import { fsck, usableState } from './fsck.js';
import type { FsckReport } from './fsck.js';
import { renameFile } from './fs-ops.js';
import { readValue, updateTree } from './history/branch-tree.js';
import { prepareRpm } from './ingest-rpm.js';
import { readKind, stageKind } from './kinds/index.js';
import type { BuildRecord } from './kinds/build.js';
import { statePath, tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';
import { readIndexFile } from './package-index.js';
import { withStoredCopy } from './rpm-blob.js';
import { Reachability } from './reachability.js';
import { retentionRoots } from './retention.js';
import { checkResetRefs } from './reset-refs.js';
import { CHANNEL_PREFIX, PACKAGES_BRANCH, PINS_BRANCH, buildPath } from './ref-paths.js';
import type { Store } from './store.js';
import type { Transaction } from './transaction.js';
import { withLock } from './lock.js';

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
  checkResetRefs(store, options.resetRefs ?? []);
  const repaired: string[] = [];
  const unrepaired: string[] = [];
  await withLock(store.dir, () => repairState(store, repaired), store.lockOptions());
  await store.write(async (tx) => {
    for (const pack of await store.objects.backend.repairPacks?.() ?? []) repaired.push(`pack ${pack}: its index was damaged; rewritten from the objects it holds`);
    const before = await fsck(store);
    for (const branch of tx.branches()) {
      if (store.repo.readRef(`heads/${branch}`) === tx.head(branch)) continue;
      store.repo.setRef(`heads/${branch}`, tx.head(branch));
      repaired.push(`rewrote git ref refs/heads/${branch} from the store state`);
    }
    await repairHistory(store, tx, before, options, repaired, unrepaired);
    await repairObjects(store, tx, before, repaired, unrepaired);
  });
  const after = await fsck(store);
  if (after.ok) writeDamage(store.dir, []);
  return { repaired, unrepaired, after };
}

/** Damaged newest states: set aside; the mirror refs say what the last one held. */
async function repairState(store: Store, repaired: string[]): Promise<void> {
  const { state, damaged } = usableState(store.states);
  if (damaged.length === 0) return;
  const mirror: Record<string, string> = {};
  let mirrorUsable = true;
  for (const branch of new Set([...Object.keys(state.heads), ...listMirror(store)])) {
    const ref = store.repo.readRef(`heads/${branch}`);
    if (ref === 'garbage') { mirrorUsable = false; break; }
    if (ref === null) continue;
    try { await store.repo.readCommit(ref); } catch { mirrorUsable = false; break; }
    mirror[branch] = ref;
  }
  const newest = Math.max(...store.states.list());
  for (const d of damaged) {
    const seq = Number(/state (\d+)/.exec(d.what)?.[1]);
    renameFile(statePath(store.dir, seq), `${statePath(store.dir, seq)}.damaged`);
  }
  const sameAsGood = mirrorUsable && JSON.stringify(Object.entries(mirror).sort()) === JSON.stringify(Object.entries(state.heads).sort());
  if (mirrorUsable && !sameAsGood) {
    await store.states.commit({ seq: newest + 1, time: store.now(), heads: mirror });
    repaired.push(`state ${damaged.map((d) => d.what).join(', ')} was damaged: restored its heads from the git refs that mirror it`);
  } else {
    repaired.push(`state ${damaged.map((d) => d.what).join(', ')} was damaged: set aside; state ${state.seq} is current${mirrorUsable ? '' : ' (the git refs could not say more)'}`);
  }
}

function listMirror(store: Store): string[] { return store.repo.listRefs('heads'); }

/** Damaged history: rebuild trees from the package index; otherwise reset when asked. */
async function repairHistory(store: Store, tx: Transaction, report: FsckReport, options: RepairOptions, repaired: string[], unrepaired: string[]): Promise<void> {
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
        const tree = (await store.repo.readCommit(head)).tree;
        tx.setHead(branch, store.repo.writeCommit({ tree, parents: [], message: `history before ${head} dropped: it was damaged (bazaar fsck --repair --reset-ref)`, timestamp: Math.floor(store.now() / 1000) }));
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
  const index = readIndexFile(store.dir, commit);
  if (!index || index === 'damaged') return null;
  const changes = [...index.builds.map((b) => ({ path: buildPath(b.name, b.key), id: b.value })), ...index.extras.map(([path, id]) => ({ path, id }))];
  const rebuilt = (await updateTree(store.repo, null, changes)) ?? store.repo.writeTree([]);
  let tree: string | null = null;
  try { tree = (await store.repo.readCommit(commit)).tree; } catch { /* the commit itself is damaged */ }
  if (tree !== null) return tree === rebuilt && (await readable(store, commit)) ? 'trees' : null;
  let parent: string | null = null;
  for (const seq of store.states.list().reverse()) {
    let c: string | undefined;
    try { c = store.states.read(seq)?.heads[branch]; } catch { continue; }
    if (c && c !== commit && (await readable(store, c))) { parent = c; break; }
  }
  tx.setHead(branch, store.repo.writeCommit({ tree: rebuilt, parents: parent ? [parent] : [], message: `repair: commit ${commit} was damaged; its content is rebuilt from the package index`, timestamp: Math.floor(store.now() / 1000) }));
  return 'commit';
}

/** Whether a commit and its whole tree read. */
async function readable(store: Store, commit: string): Promise<boolean> {
  try {
    const walk = async (oid: string): Promise<void> => {
      for (const e of await store.repo.readTree(oid)) {
        if (e.mode === '40000') await walk(e.oid); else await readValue(store.repo, e.oid);
      }
    };
    await walk((await store.repo.readCommit(commit)).tree);
    return true;
  } catch (err) {
    if (err instanceof BazaarError && err.code === 'ERR_STORE_DAMAGED') return false;
    throw err;
  }
}

/** The newest state of a branch that reads in full: from its first-parent chain, then older state files. */
async function lastGood(store: Store, view: BranchView, branch: string): Promise<{ commit: string; when: string } | null> {
  const when = async (c: string): Promise<string> => new Date((await store.repo.readCommit(c)).timestamp * 1000).toISOString();
  let at: string | undefined = view.head(branch) ?? undefined;
  for (let i = 0; at !== undefined && i < 1000; i++) {
    if (await readable(store, at)) return { commit: at, when: await when(at) };
    try { at = (await store.repo.readCommit(at)).parents[0]; } catch { break; }
  }
  for (const seq of store.states.list().reverse()) {
    let heads: Record<string, string>;
    try { heads = store.states.read(seq)?.heads ?? {}; } catch { continue; }
    const c = heads[branch];
    if (c && (await readable(store, c))) return { commit: c, when: await when(c) };
  }
  return null;
}

/** Missing or damaged objects: from an intact .rpm variant of the build that reaches them. */
async function repairObjects(store: Store, tx: Transaction, report: FsckReport, repaired: string[], unrepaired: string[]): Promise<void> {
  const problems = new Map(report.problems.map((p) => [p.id, p]));
  if (problems.size === 0) return;
  const view = new BranchView(store.repo, tx.allHeads());
  const { roots } = await retentionRoots(store.dir, view, store.states, {}, false);
  const reach = new Reachability(store.objects);
  await reach.walk(view, roots);
  // each damaged object, by the build records that reach it
  const byRecord = new Map<ObjectId, Set<ObjectId>>();
  for (const id of problems.keys()) {
    if (!reach.reached.has(id)) {
      await store.objects.delete(id);
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
    try { record = await readKind(store.objects, recordId, 'build'); } catch { continue; }
    const source = await intactVariant(store, record, problems);
    if (source === null) {
      unrepaired.push(`${record.nevra}: no intact .rpm of it is left to rebuild ${[...ids].join(', ')} from; add the original .rpm again ('bazaar add FILE.rpm') to heal it`);
      continue;
    }
    await withStoredCopy(store.objects, source, tmpPath(store.dir), async (tmp) => {
      const p = await prepareRpm(store.objects, tmp, { rewrite: new Set(ids) });
      const keep = [...p.blobStaged, ...p.metaStaged].filter((s) => s.slot !== null && (ids.has(s.id) || (p.manifest !== record.manifest && ids.has(record.manifest))));
      await store.objects.discard([p.rpmStaged, ...p.blobStaged, ...p.metaStaged].filter((s) => !keep.includes(s)));
      tx.stage(...keep);
      for (const s of keep) if (ids.has(s.id)) fixed.add(s.id);
      if (ids.has(record.manifest) && p.manifest !== record.manifest) {
        const { kind: _k, v: _v, ...rest } = record;
        const staged = await stageKind(store.objects, 'build', { ...rest, manifest: p.manifest });
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
    unrepaired.push(`${p.id} (${p.what}): ${p.problem}; nothing in the store holds it${p.kind === 'blob' ? '' : ` ('bazaar fsck --repair --reset-ref ${p.branches[0] ?? 'BRANCH'}' would drop what needs it)`}`);
  }
  writeDamage(store.dir, readDamage(store.dir).filter((d) => !fixed.has(d.id)));
}

/** The build record that reached an object first (walking up the chain), or null. */
function ancestorRecord(reach: Reachability, id: ObjectId): ObjectId | null {
  let at: ObjectId | null = id;
  for (let i = 0; at !== null && i < 256; i++) {
    const r = reach.reached.get(at);
    if (!r) return null;
    if (r.kind === 'build') return at;
    at = r.parent;
  }
  return null;
}

/** An .rpm variant of the build that reads intact, or null. */
async function intactVariant(store: Store, record: BuildRecord, problems: Map<ObjectId, unknown>): Promise<ObjectId | null> {
  for (const v of [...record.variants].reverse()) {
    if (problems.has(v.rpm)) continue;
    if ((await store.objects.check(v.rpm)) === null) return v.rpm;
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
    const pin = await readKind(store.objects, id, 'pin');
    const to = pin.build ? moved.get(pin.build) : undefined;
    if (!to) continue;
    const staged = await stageKind(store.objects, 'pin', { build: to, nevra: pin.nevra, reason: pin.reason });
    tx.stage(staged);
    pinChanges.push({ path, id: staged.id });
  }
  if (pinChanges.length) await tx.update(PINS_BRANCH, pinChanges, 'repair: pins follow rebuilt build records');
}
