/**
 * Package manifests: what bazaar derived from one build's header (NEVRA, every
 * dependency kind, the file list with the blob of each regular file) and the tree of its
 * files. Derived data: a later bazaar may add fields (a new schema version) without
 * changing what the build *is*, which the build record keys on the header digest
 * (build.ts). Version 2 refers to the header blob; version 0 (layout 1) referred to the
 * .rpm file itself, which build records now hold as variants.
 */
import type { PackageFile, PackageMeta } from '../../rpm/index.js';
import type { ObjectId } from '../layout.js';
import { fields, invalid } from './kind.js';
import type { Kind, KindRef } from './kind.js';

export interface ManifestFile extends PackageFile {
  /** The blob holding a regular file's bytes (absent for ghosts, links, directories). */
  id?: ObjectId;
}

export interface PackageManifest extends Omit<PackageMeta, 'files'> {
  kind: 'package';
  v: number;
  /** v2: the main header's bytes; its id is the build identity (SHA256HEADER). */
  header?: ObjectId;
  /** v0 only: the .rpm file and its size. */
  rpm?: ObjectId;
  rpmSize?: number;
  /** The package's files as a tree. */
  tree: ObjectId;
  files: ManifestFile[];
}

export const packageKind: Kind<PackageManifest> = {
  name: 'package',
  version: 2,
  parse(value, id) {
    const f = fields(value, id, 'package');
    f.str('name'); f.str('version'); f.str('release'); f.str('arch'); f.str('nevra');
    f.objectId('tree');
    f.optObjectId('header');
    f.optObjectId('rpm');
    for (const kind of ['provides', 'requires', 'conflicts', 'obsoletes']) f.array(kind);
    for (const file of f.array('files')) {
      const x = file as Partial<ManifestFile> | null;
      if (x === null || typeof x !== 'object' || typeof x.path !== 'string' || typeof x.mode !== 'number') throw invalid(id, 'package', 'a file entry has no path or mode');
    }
    // every caller passes a value it just parsed: completed in place, not copied (a channel's universe reads thousands)
    value.kind = 'package';
    if (typeof value.v !== 'number') value.v = 0;
    return value as unknown as PackageManifest;
  },
  refs(m) {
    const out: KindRef[] = [];
    for (const f of m.files) if (f.id) out.push({ id: f.id, kind: 'blob', label: `file ${f.path}`, unpacked: true });
    out.push({ id: m.tree, kind: 'tree', label: 'files', unpacked: true });
    if (m.header) out.push({ id: m.header, kind: 'blob', label: 'header' });
    if (m.rpm) out.push({ id: m.rpm, kind: 'blob', label: '.rpm file' });
    return out;
  },
  title: (m) => `package ${m.nevra}`,
};
