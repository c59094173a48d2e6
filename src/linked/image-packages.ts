/**
 * What an image holds, as link checks and listings need it: each package's name, NEVRA,
 * build id, whether it requires `bazaar(parent)` and whether it is a core-os
 * incorporation. Reading it from the snippets means
 * decoding every package header of every layer; an image id never changes content, so the
 * answer is kept per id in memory and in the store's derived cache, and auditing 200
 * children reads 200 small entries.
 */
import { INSTALL_HOLD, isCoreOsIncorporation, PARENT_DEPENDENCY } from './linked-image.js';
import type { PolicyPackage } from './linked-image.js';
import { readDerived, StoreMemory, writeDerived } from '../store/index.js';
import type { ObjectId, Store } from '../store/index.js';
import { installedMeta } from '../pkgdb/index.js';
import type { InstalledPackage } from '../pkgdb/index.js';

export interface ImagePackage { name: string; nevra: string; build: string; parentDependency: boolean; incorporation: boolean }

const KIND = 'image-packages';
const memory = new StoreMemory<ObjectId, ImagePackage[]>(4096);

export function packagesOfDb(db: readonly InstalledPackage[]): ImagePackage[] {
  return db.map((p) => {
    const m = installedMeta(p);
    return { name: p.snippet.name, nevra: p.snippet.nevra, build: p.snippet.build, parentDependency: m.requires.some((d) => d.name === PARENT_DEPENDENCY), incorporation: isCoreOsIncorporation(m) };
  });
}

function remember(store: Store, id: ObjectId, packages: ImagePackage[]): void {
  memory.set(store, id, packages);
}

function parse(body: string): ImagePackage[] | null {
  try {
    const rows = JSON.parse(body) as unknown;
    if (!Array.isArray(rows)) return null;
    return rows.map((r) => {
      const [name, nevra, build, dep, incorporation] = r as [unknown, unknown, unknown, unknown, unknown];
      if (typeof name !== 'string' || typeof nevra !== 'string' || typeof build !== 'string' || typeof dep !== 'boolean' || typeof incorporation !== 'boolean') throw new Error('row');
      return { name, nevra, build, parentDependency: dep, incorporation };
    });
  } catch { return null; }
}

/** An image's packages: from memory, the derived cache, or `db()` (then recorded). */
export async function imagePackages(store: Store, id: ObjectId, db: () => Promise<readonly InstalledPackage[]>): Promise<ImagePackage[]> {
  const known = memory.get(store, id);
  if (known) return known;
  const body = readDerived(store.dir, KIND, id);
  let packages = body === null ? null : parse(body);
  if (!packages) {
    packages = packagesOfDb(await db());
    writeDerived(store.dir, KIND, id, JSON.stringify(packages.map((p) => [p.name, p.nevra, p.build, p.parentDependency, p.incorporation])));
  }
  remember(store, id, packages);
  return packages;
}

/** The policy's view of a package known only by its summary (what a child side needs). */
export function policyPackageOf(p: ImagePackage): PolicyPackage {
  return {
    name: p.name, nevra: p.nevra, build: p.build, files: [],
    provides: p.incorporation ? [{ name: INSTALL_HOLD, flags: '=', evr: 'core-os' }] : [],
    requires: p.parentDependency ? [{ name: PARENT_DEPENDENCY, flags: '', evr: '' }] : [],
  };
}
