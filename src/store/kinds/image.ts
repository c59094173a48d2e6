/**
 * Image objects: one version of an image (a VA): its layers, lowest first, each named by
 * the range it follows and the version it resolved to, then its private layer; and its
 * settings (the channel it installs from; its parent and content policy when linked).
 *
 *   {"kind":"image","v":1,"name":"webapp","version":"1.0.2",
 *    "layers":[{"name":"base","range":"^1.0","version":"1.1.0","id":"sha256:..."}],
 *    "private":"sha256:...","channel":"sample"}
 */
import type { ObjectId } from '../layout.js';
import { fields, invalid } from './kind.js';
import type { Kind, KindRef } from './kind.js';

export interface ImageLayerRef { name: string; range: string; version: string; id: ObjectId }

/** A link to a parent image: its name and the content policy (`sync:minimal`). */
export interface ImageParent { name: string; policy: string }

export interface ImageObject {
  kind: 'image';
  v: number;
  name: string;
  version: string;
  layers: ImageLayerRef[];
  /** The private layer: where packages installed in this image go. */
  private: ObjectId;
  /** The channel `image install` takes packages from by default. */
  channel?: string;
  parent?: ImageParent;
  /**
   * Created with `--nodeps`: what `rpm -i` of its packages reported then (unmet
   * requirements, conflicts), accepted on purpose; `image show` and `audit` list them.
   */
  nodeps?: string[];
}

export const imageKind: Kind<ImageObject> = {
  name: 'image',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'image');
    f.str('name'); f.str('version'); f.objectId('private'); f.optStr('channel');
    for (const l of f.array('layers')) {
      const x = l as Partial<ImageLayerRef> | null;
      if (x === null || typeof x !== 'object' || typeof x.name !== 'string' || typeof x.id !== 'string' || typeof x.version !== 'string') throw invalid(id, 'image', 'a layer reference is malformed');
    }
    if (value.parent !== undefined) {
      const p = value.parent as Partial<ImageParent> | null;
      if (p === null || typeof p !== 'object' || typeof p.name !== 'string' || typeof p.policy !== 'string') throw invalid(id, 'image', 'its parent is malformed');
    }
    if (value.nodeps !== undefined && !(Array.isArray(value.nodeps) && value.nodeps.every((x) => typeof x === 'string'))) throw invalid(id, 'image', 'its nodeps list is malformed');
    return { ...(value as unknown as ImageObject), kind: 'image', v: value.v as number };
  },
  refs(i) {
    const out: KindRef[] = i.layers.map((l) => ({ id: l.id, kind: 'layer' as const, label: `layer ${l.name}@${l.version}` }));
    out.push({ id: i.private, kind: 'layer', label: 'private layer' });
    return out;
  },
  title: (i) => `image ${i.name}@${i.version}`,
};
