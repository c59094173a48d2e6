/**
 * Marks every object reachable from every branch's whole history: package manifests,
 * the .rpm blobs, trees and file blobs they name. gc keeps exactly this set; fsck checks
 * that all of it exists.
 */
import { BazaarError } from '../errors.js';
import type { ObjectId } from './layout.js';
import type { Store } from './store.js';

type Missing = (id: ObjectId, from: string) => void;

export async function markReachable(store: Store, onMissing: Missing, unreadable: Set<string> = new Set()): Promise<Set<ObjectId>> {
  const seen = new Set<ObjectId>();
  const visit = async (id: ObjectId, from: string, parse: boolean): Promise<void> => {
    if (seen.has(id)) return;
    seen.add(id);
    if (!(await store.objects.has(id))) { onMissing(id, from); return; }
    if (!parse || unreadable.has(id)) return;
    let value: { type?: string; rpm?: ObjectId; tree?: ObjectId; files?: Array<{ id?: ObjectId }>; entries?: Array<{ id?: ObjectId; kind: string }> };
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
    }
  };
  for (const branch of await store.refs.branches()) {
    for (const commit of await store.refs.log(branch)) {
      for (const [path, id] of await store.refs.entries(branch, commit.oid)) await visit(id, `${branch}:${path}`, true);
    }
  }
  return seen;
}
