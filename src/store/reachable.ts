/**
 * Marks every object reachable from a set of branch states (roots): package manifests,
 * the .rpm blobs, trees and file blobs they name, pin records and channel settings. gc
 * keeps exactly what its roots reach (see retention.ts); fsck checks that all of it exists.
 *
 * Roots that are branch heads are walked first: an object missing there is damage. An
 * object missing only from older history is what an earlier gc pruned outside the
 * retention window, reported through `onPruned`.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId } from './layout.js';
import type { Store } from './store.js';

type Missing = (id: ObjectId, from: string) => void;

/** One state of one branch; `head` marks the branch's current state. */
export interface Root { branch: string; commit: string; head: boolean }

interface Parsed {
  type?: string; rpm?: ObjectId; tree?: ObjectId; package?: ObjectId;
  files?: Array<{ id?: ObjectId }>; entries?: Array<{ id?: ObjectId; kind: string }>;
}

/** Every state of every branch: the heads, then all their history. */
export async function allRoots(store: Store): Promise<Root[]> {
  const roots: Root[] = [];
  for (const branch of await store.refs.branches()) {
    (await store.refs.log(branch)).forEach((c, i) => roots.push({ branch, commit: c.oid, head: i === 0 }));
  }
  return roots;
}

export async function markReachable(store: Store, roots: readonly Root[], onMissing: Missing,
  options: { unreadable?: Set<string>; onPruned?: Missing } = {}): Promise<Set<ObjectId>> {
  const unreadable = options.unreadable ?? new Set<string>();
  const seen = new Set<ObjectId>();
  let report: Missing = onMissing;
  const visit = async (id: ObjectId, from: string, parse: boolean): Promise<void> => {
    if (seen.has(id)) return;
    seen.add(id);
    if (!(await store.objects.has(id))) { report(id, from); return; }
    if (!parse || unreadable.has(id)) return;
    let value: Parsed;
    try {
      value = JSON.parse((await store.objects.read(id)).toString('utf8'));
    } catch (err) {
      if (err instanceof BazaarError || err instanceof SyntaxError) return; // reported by fsck's object scan
      throw err;
    }
    if (value.type === 'package') {
      if (value.rpm) await visit(value.rpm, id, false);
      if (value.tree) await visit(value.tree, id, true);
      for (const f of value.files ?? []) if (f.id) await visit(f.id, id, false);
    } else if (value.type === 'tree') {
      for (const e of value.entries ?? []) if (e.id) await visit(e.id, id, e.kind === 'dir');
    } else if (value.type === 'pin') {
      if (value.package) await visit(value.package, id, true);
    }
  };
  const ordered = [...roots.filter((r) => r.head), ...roots.filter((r) => !r.head)];
  for (const root of ordered) {
    report = root.head ? onMissing : (options.onPruned ?? onMissing);
    for (const [path, id] of await store.refs.entries(root.branch, root.commit)) await visit(id, `${root.branch}:${path}`, true);
  }
  return seen;
}
