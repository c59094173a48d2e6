/**
 * The LevelDB index (the only importer of `level`): lookups by NEVRA and by name. It is
 * derived data: it records the packages-branch commit it was built from, and the store
 * rebuilds it whenever that differs from the branch (after a crash, or a deleted index).
 * LevelDB allows one process at a time, so it is opened only under the store lock.
 */
import type { Level } from 'level';
import { catalogKeys } from './catalog-keys.js';
import { indexDir } from './layout.js';
import type { ObjectId } from './layout.js';

/** `nevra` is as the package states it; `key` is the NEVRA with the epoch always written. */
export interface CatalogPackage { name: string; nevra: string; key: string; id: ObjectId }

/** Values are `<id> <nevra>`: the id has no space, so the first space splits them. */
function encode(p: CatalogPackage): string { return `${p.id} ${p.nevra}`; }
function decode(value: string): { id: ObjectId; nevra: string } {
  const space = value.indexOf(' ');
  return { id: value.slice(0, space) as ObjectId, nevra: value.slice(space + 1) };
}

export class Catalog {
  private constructor(private readonly db: Level<string, string>) {}

  static async open(root: string): Promise<Catalog> {
    // Loaded on first use, like isomorphic-git in refs.ts: most commands never open the index.
    const { Level: LevelDb } = await import('level');
    const db = new LevelDb<string, string>(indexDir(root));
    await db.open();
    return new Catalog(db);
  }

  async close(): Promise<void> { await this.db.close(); }

  async builtFrom(): Promise<string | null> {
    return (await this.db.get(catalogKeys.builtFrom())) ?? null;
  }

  /** Looks a build up by its key (NEVRA with the epoch written). */
  async byKey(key: string): Promise<{ id: ObjectId; nevra: string } | null> {
    const value = await this.db.get(catalogKeys.nevra(key));
    return value === undefined ? null : decode(value);
  }

  async byName(name: string): Promise<CatalogPackage[]> {
    const prefix = catalogKeys.namePrefix(name);
    const out: CatalogPackage[] = [];
    for await (const [key, value] of this.db.iterator({ gte: prefix, lt: `${prefix}\uffff` })) {
      const { name, nevra: k } = catalogKeys.parseName(key);
      out.push({ name, key: k, ...decode(value) });
    }
    return out;
  }

  async all(): Promise<CatalogPackage[]> {
    const out: CatalogPackage[] = [];
    for await (const [key, value] of this.db.iterator(catalogKeys.allNames())) {
      const { name, nevra: k } = catalogKeys.parseName(key);
      out.push({ name, key: k, ...decode(value) });
    }
    return out;
  }

  /** Records added packages and the commit that now holds them, in one atomic batch. */
  async add(packages: CatalogPackage[], commit: string): Promise<void> {
    const batch = this.db.batch();
    for (const p of packages) {
      batch.put(catalogKeys.nevra(p.key), encode(p));
      batch.put(catalogKeys.name(p.name, p.key), encode(p));
    }
    batch.put(catalogKeys.builtFrom(), commit);
    await batch.write();
  }

  /** Forgets removed packages (`bazaar rm`) and records the commit without them, in one batch. */
  async remove(packages: CatalogPackage[], commit: string): Promise<void> {
    const batch = this.db.batch();
    for (const p of packages) {
      batch.del(catalogKeys.nevra(p.key));
      batch.del(catalogKeys.name(p.name, p.key));
    }
    batch.put(catalogKeys.builtFrom(), commit);
    await batch.write();
  }

  /** Replaces everything with `packages` as of `commit`. */
  async rebuild(packages: CatalogPackage[], commit: string | null): Promise<void> {
    await this.db.clear();
    if (commit !== null) await this.add(packages, commit);
  }
}
