/**
 * `bazaar gc`: deletes every object that no kept state reaches (retention.ts): the heads,
 * states inside the retention window, states live readers lease. It runs under the
 * writers' lock, and it decides before it deletes anything: when a kept state cannot be
 * read in full (damaged history, a damaged manifest or tree), it cannot tell what that
 * state reaches, so it deletes nothing and says which repair step comes first.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { removeFile, removeTree } from './fs-ops.js';
import { pruneDerived } from './derived-cache.js';
import { cacheDir } from './layout.js';
import { scanTmp } from './fsck.js';
import { readLeases } from './leases.js';
import { Reachability } from './reachability.js';
import { retentionRoots } from './retention.js';
import type { RetentionChoice } from './retention.js';
import type { ObjectId } from './layout.js';
import type { Store } from './store.js';

export interface GcReport {
  kept: number;
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
}

/** Derived caches of commits no current or leased state names: rebuilt from a kept one if ever needed. */
function pruneCaches(root: string, keep: ReadonlySet<string>): void {
  for (const [dir, commitOf] of [[join(cacheDir(root), 'index'), (n: string) => n.replace(/\.v\d+$/, '')], [join(cacheDir(root), 'universe'), (n: string) => n]] as const) {
    let names: string[];
    try { names = readdirSync(dir); } catch (err) { if (isErrno(err, 'ENOENT')) continue; throw err; }
    for (const name of names) if (/^[0-9a-f]{40}/.test(name) && !keep.has(commitOf(name))) removeTree(join(dir, name));
  }
}

export async function gc(store: Store, choice: RetentionChoice = {}): Promise<GcReport> {
  return store.write(async (tx) => {
    const { roots, retentionDays, now, expiredTrash, unreadable } = await retentionRoots(store.dir, tx, store.states, choice);
    if (unreadable.length) {
      const u = unreadable[0];
      throw new BazaarError('ERR_STORE_DAMAGED', `gc deleted nothing: the history of ${u.branch} cannot be read (${u.problem}), so what it keeps is unknown; 'bazaar fsck --repair' says how to repair it`, { data: { branch: u.branch } });
    }
    for (const branch of expiredTrash) tx.setHead(branch, null);
    const reach = new Reachability(store.objects);
    await reach.walk(tx, roots.filter((r) => !expiredTrash.includes(r.branch)));
    if (reach.historyProblems.length) {
      const h = reach.historyProblems[0];
      throw new BazaarError('ERR_STORE_DAMAGED', `gc deleted nothing: ${h.branch} at ${h.commit.slice(0, 12)} cannot be read (${h.problem}); 'bazaar fsck --repair' says how to repair it`, { data: { branch: h.branch } });
    }
    const hiding = reach.problems().find((p) => p.kind !== 'blob');
    if (hiding) {
      throw new BazaarError('ERR_STORE_DAMAGED', `gc deleted nothing: ${hiding.what} (${hiding.kind} ${hiding.id}) is ${hiding.problem === 'missing' ? 'missing' : 'damaged'}, so what it refers to is unknown; run 'bazaar fsck --repair' first`, { data: { id: hiding.id } });
    }
    const report: GcReport = {
      kept: 0, deleted: 0, freedBytes: 0, tempsRemoved: 0, retentionDays, now: new Date(now).toISOString(), expired: expiredTrash,
      damage: reach.problems().map((p) => `${p.id} (${p.what}): ${p.problem}`), stray: [],
    };
    const doomed: ObjectId[] = [];
    for await (const entry of store.objects.list()) {
      if ('stray' in entry) { report.stray.push(entry.stray); continue; }
      if ('damagedPack' in entry) { report.damage.push(`pack ${entry.damagedPack}: ${entry.problem}; left as it is until 'bazaar fsck --repair' rewrites it`); continue; }
      if (reach.reached.has(entry.id)) { report.kept++; continue; }
      report.freedBytes += store.objects.diskSize(entry.id);
      doomed.push(entry.id);
    }
    // at once: a pack holding several of them is rewritten once
    await store.objects.deleteAll(doomed);
    report.deleted = doomed.length;
    const tmp = scanTmp(store.dir);
    for (const t of tmp.stale) { removeFile(t); report.tempsRemoved++; }
    report.stray.push(...tmp.stray);
    for (const dead of readLeases(store.dir).dead) removeFile(dead);
    pruneCaches(store.dir, new Set(roots.filter((r) => r.head).map((r) => r.commit)));
    pruneDerived(store.dir, (id) => reach.reached.has(id));
    return report;
  });
}
