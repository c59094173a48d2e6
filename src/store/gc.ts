/**
 * `bazaar gc`: deletes every object that no kept state reaches (retention.ts): the heads,
 * states inside the retention window, states live readers lease. It runs under the
 * writers' lock, and it decides before it deletes anything: when a kept state cannot be
 * read in full (damaged history, a damaged manifest or tree), it cannot tell what that
 * state reaches, so it deletes nothing and says which repair step comes first.
 */
import { BazaarError } from '../errors.js';
import { removeFile } from '../fs/ops.js';
import { CACHE_GRACE_MS, pruneCaches, pruneCheckoutCache } from './caches/prune.js';
import { channelNames } from './channels.js';
import { channelBranch } from './ref-paths.js';
import { raiseLayout } from './layout-marker.js';
import { scanTmp } from './fsck.js';
import { leaseBoard } from './leases.js';
import { Reachability } from './reachability.js';
import { retentionRoots } from './retention.js';
import type { RetentionChoice } from './retention.js';
import type { ObjectId } from './layout.js';
import { internals } from './store.js';
import type { Store } from './store.js';

export interface GcReport {
  kept: number;
  /** Of those kept, unreferenced but written within the grace period (a writer on another host may be about to name them). */
  young: number;
  deleted: number;
  freedBytes: number;
  tempsRemoved: number;
  retentionDays: number;
  now: string;
  /** Deleted branches whose retention ran out (their trash heads left the state). */
  expired: string[];
  /** Damaged or missing objects gc found but that do not hide anything (blobs). */
  damage: string[];
  /** Entries of objects/ and tmp/ not written by the store: left alone. */
  stray: string[];
  /** The checkout cache's entries no checkout links to any more, untouched for an hour (caches/prune.ts). */
  checkoutCache: { removed: number; trees: number; bytes: number };
  /** The history's loose git objects moved into packs, and the packs written (history/git-pack.ts). */
  history: { packed: number; packs: number };
}

/** The retention window, and the grace period across hosts (ms; default the object backend's, 0 for files). */
export type GcChoice = RetentionChoice & { graceMs?: number };

/** Staged keys of a writer at work are never swept before this, whatever the grace period. */
const STAGING_GRACE_MS = 3600_000;

export async function gc(store: Store, choice: GcChoice = {}): Promise<GcReport> {
  const r = await collect(store, choice);
  // Outside the writers' lock, as it concerns no state: a checkout running meanwhile keeps
  // what it wrote in the last hour.
  r.checkoutCache = pruneCheckoutCache(store.dir, { olderThanMs: CACHE_GRACE_MS, now: store.now() });
  return r;
}

async function collect(store: Store, choice: GcChoice): Promise<GcReport> {
  const { objects, states, repo } = internals(store);
  const graceMs = choice.graceMs ?? objects.backend.gcGraceMs ?? 0;
  // Across hosts the state's gc fence (state-backend.ts) is held from here to the end of
  // the deletions: no other host commits meanwhile, and a writer that began before
  // checks its objects again before it commits.
  return store.write(async (tx) => {
    const legacy = tx.horizon === undefined;
    const { roots, retentionDays, now, cutoff, expiredTrash, unreadable } = await retentionRoots(store.dir, tx, states, { ...choice, horizon: tx.horizon });
    if (unreadable.length) {
      const u = unreadable[0];
      throw new BazaarError('ERR_STORE_DAMAGED', `gc deleted nothing: the history of ${u.branch} cannot be read (${u.problem}), so what it keeps is unknown`, { data: { branch: u.branch }, reason: 'history-unreadable' });
    }
    for (const branch of expiredTrash) tx.setHead(branch, null);
    const reach = new Reachability(objects);
    // A store whose gcs recorded no horizon yet (an older bazaar's) may hold states an
    // earlier gc pruned with a smaller window: only its heads must be whole.
    const release = objects.holdListing();
    try {
      await reach.walk(tx, roots.filter((r) => !expiredTrash.includes(r.branch)).map((r) => ({ ...r, strict: legacy ? r.head === true : r.live })));
    } finally {
      release();
    }
    if (reach.historyProblems.length) {
      const h = reach.historyProblems[0];
      throw new BazaarError('ERR_STORE_DAMAGED', `gc deleted nothing: ${h.branch} at ${h.commit.slice(0, 12)} cannot be read (${h.problem})`, { data: { branch: h.branch }, reason: 'history-unreadable' });
    }
    const problems = await reach.problems();
    const hiding = problems.find((p) => p.kind !== 'blob');
    if (hiding) {
      throw new BazaarError('ERR_STORE_DAMAGED', `gc deleted nothing: ${hiding.what} (${hiding.kind} ${hiding.id}) is ${hiding.problem === 'missing' ? 'missing' : 'damaged'}, so what it refers to is unknown`, { data: { id: hiding.id }, reason: 'root-damaged' });
    }
    // The horizon: states replaced before it are collected now. Kept states that an
    // earlier gc already emptied (a legacy store) move it past them.
    if (legacy) raiseLayout(store.dir, 4); // a bazaar that predates the horizon would call the state damaged
    tx.setHorizon(Math.floor(Math.max(cutoff, ...reach.incomplete.map((r) => r.replacedAt ?? 0))));
    const r: GcReport = {
      kept: 0, young: 0, deleted: 0, freedBytes: 0, tempsRemoved: 0, retentionDays, now: new Date(now).toISOString(), expired: expiredTrash,
      damage: problems.map((p) => `${p.id} (${p.what}): ${p.problem}`), stray: [],
      checkoutCache: { removed: 0, trees: 0, bytes: 0 }, history: { packed: 0, packs: 0 },
    };
    const doomed: ObjectId[] = [];
    for await (const entry of objects.list()) {
      if ('stray' in entry) { r.stray.push(entry.stray); continue; }
      if ('damagedPack' in entry) { r.damage.push(`pack ${entry.damagedPack}: ${entry.problem}; left as it is until 'bazaar fsck --repair' rewrites it`); continue; }
      if (reach.reaches(entry.id)) { r.kept++; continue; }
      if (graceMs > 0 && entry.modified !== undefined && entry.modified > Date.now() - graceMs) { r.kept++; r.young++; continue; }
      r.freedBytes += (await objects.storedSize(entry.id)) ?? 0;
      doomed.push(entry.id);
    }
    const keepCommits = new Set(roots.filter((x) => x.head).map((x) => x.commit));
    const channels = new Map(channelNames(tx).map((c) => [c, tx.head(channelBranch(c)) as string]));
    // Deleting starts only once the state that no longer reaches them (with its horizon
    // and without the expired trash) is the commit point: a kill during the deletions
    // leaves a state whose history says they were collected, never one that misses them.
    tx.whenCommitted(async () => {
      await objects.deleteAll(doomed); // at once: a pack holding several of them is rewritten once
      r.deleted = doomed.length;
      const tmp = scanTmp(store.dir);
      for (const t of tmp.stale) { removeFile(t); r.tempsRemoved++; }
      if (objects.backend.sweepStaging) r.tempsRemoved += await objects.backend.sweepStaging(Math.max(graceMs, STAGING_GRACE_MS));
      r.stray.push(...tmp.stray);
      await leaseBoard(store.dir, states).sweep();
      pruneCaches(store.dir, { commits: keepCommits, objects: (id) => reach.reaches(id), channels, now: store.now() });
      r.history = repo.packLoose();
    });
    return r;
  }, { collecting: true });
}
