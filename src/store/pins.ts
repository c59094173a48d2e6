/**
 * Pins (docs/versioning-policy.md#rule-image-pins): the branch `pins`, one entry
 * `<name>/<key> -> pin object` per pinned build, the object being
 * `{"type":"pin","package":<manifest id>,"nevra":...,"reason":...}`. gc keeps the head
 * of every branch, and reachable.ts follows a pin to its package, so a pinned build and
 * its files survive any retention window; `bazaar rm` refuses a pinned build.
 */
import { canonicalJson } from './canonical-json.js';
import { findBuild, nevraOfKey } from './channels.js';
import type { ObjectId } from './layout.js';
import type { Store } from './store.js';

export const PINS_BRANCH = 'pins';

export interface Pin { name: string; key: string; nevra: string; id: ObjectId; reason: string; pin: ObjectId }

/**
 * Every pin, in name order.
 *
 * @example
 * (await listPins(store)).map((p) => `${p.nevra}: ${p.reason}`);
 */
export async function listPins(store: Store): Promise<Pin[]> {
  const out: Pin[] = [];
  for (const [path, pin] of await store.refs.entries(PINS_BRANCH)) {
    const record = JSON.parse((await store.objects.read(pin)).toString('utf8')) as { package: ObjectId; reason: string };
    const key = path.slice(path.indexOf('/') + 1);
    out.push({ name: path.slice(0, path.indexOf('/')), key, nevra: nevraOfKey(key), id: record.package, reason: record.reason, pin });
  }
  return out;
}

/**
 * Pins a stored build (NEVRA, or bare name with one build) so gc keeps it; pinning again
 * replaces the reason.
 *
 * @example
 * await pinPackage(store, 'bash-5.2.26-alt1.x86_64', 'core-os 11.0 requires it');
 */
export async function pinPackage(store: Store, ref: string, reason = ''): Promise<{ nevra: string; id: ObjectId; commit: string }> {
  return store.locked(async (catalog) => {
    const b = await store.resolveWith(catalog, ref);
    const pin = await store.objects.put(Buffer.from(canonicalJson({ type: 'pin', package: b.id, nevra: b.nevra, reason })));
    const commit = await store.refs.update(PINS_BRANCH, [{ path: `${b.name}/${b.key}`, id: pin }],
      `pin ${b.nevra}${reason ? `\n\n${reason}` : ''}\n\n${b.nevra} ${b.id}`);
    return { nevra: b.nevra, id: b.id, commit };
  });
}

/**
 * Removes a pin (NEVRA, or bare name with one pinned build); the build stays in the store.
 *
 * @example
 * await unpinPackage(store, 'bash-5.2.26-alt1.x86_64');
 */
export async function unpinPackage(store: Store, ref: string): Promise<{ nevra: string; id: ObjectId; commit: string }> {
  return store.locked(async () => {
    const pins = await listPins(store);
    const found = findBuild(pins, ref, 'the pins', "'bazaar pin' lists them");
    const commit = await store.refs.update(PINS_BRANCH, [{ path: `${found.name}/${found.key}`, id: null }], `unpin ${found.nevra}\n\n${found.nevra} ${found.id}`);
    return { nevra: found.nevra, id: found.id, commit };
  });
}
