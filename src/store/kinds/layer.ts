/**
 * Layer objects: one published version of a layer (`name@semver`, immutable once
 * published), or the private layer of an image. A layer is a tree (the files of its
 * packages, one snippet per package under var/lib/bazaar/db/, loose files and overlay
 * whiteouts from an uploaded upper dir) plus the list of the builds it holds, which keeps
 * them (and their .rpm files) alive for gc.
 *
 *   {"kind":"layer","v":1,"name":"base","version":"1.2.0","tree":"sha256:...",
 *    "packages":[{"nevra":"bash-5.2.26-alt1.x86_64","build":"sha256:<header>","record":"sha256:..."}],
 *    "source":"packages"}
 */
import type { ObjectId } from '../layout.js';
import { fields, invalid } from './kind.js';
import type { Kind, KindRef } from './kind.js';

export interface LayerPackage {
  /** As rpm prints it (`-qa`): name-version-release.arch. */
  nevra: string;
  /** The build id (header digest). */
  build: ObjectId;
  /** The store's build record, when the build is in the store (not for an imported rpmdb). */
  record?: ObjectId;
}

export type LayerSource = 'packages' | 'overlay' | 'rpmdb' | 'private';

export interface LayerObject {
  kind: 'layer';
  v: number;
  name: string;
  version: string;
  tree: ObjectId;
  /** Sorted by nevra. */
  packages: LayerPackage[];
  source: LayerSource;
  /** When the version was published below the bump its content needs (`--force`): why. */
  forced?: { required: string; reasons: string[] };
  /**
   * Published with `--nodeps`: the problems `rpm -i` of its packages alone reports
   * (unmet requirements, conflicts), accepted on purpose; `layer show` and `audit` list them.
   */
  nodeps?: string[];
  /**
   * A private layer's removals from the layers below (paths, no leading slash): also in
   * its tree as whiteouts; listed so the next version of the layer can be rebuilt.
   */
  whiteouts?: string[];
}

export const layerKind: Kind<LayerObject> = {
  name: 'layer',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'layer');
    f.str('name'); f.str('version'); f.objectId('tree');
    const source = f.str('source');
    if (!['packages', 'overlay', 'rpmdb', 'private'].includes(source)) throw invalid(id, 'layer', `source ${source} is unknown`);
    for (const p of f.array('packages')) {
      const x = p as Partial<LayerPackage> | null;
      if (x === null || typeof x !== 'object' || typeof x.nevra !== 'string' || typeof x.build !== 'string') throw invalid(id, 'layer', 'a package entry is malformed');
    }
    if (value.nodeps !== undefined && !(Array.isArray(value.nodeps) && value.nodeps.every((x) => typeof x === 'string'))) throw invalid(id, 'layer', 'its nodeps list is malformed');
    return { ...(value as unknown as LayerObject), kind: 'layer', v: value.v as number };
  },
  refs(l) {
    const out: KindRef[] = [{ id: l.tree, kind: 'tree', label: 'files' }];
    for (const p of l.packages) if (p.record) out.push({ id: p.record, kind: 'build', label: `package ${p.nevra}` });
    return out;
  },
  title: (l) => (l.source === 'private' ? `private layer of image ${l.name}@${l.version}` : `layer ${l.name}@${l.version}`),
};
