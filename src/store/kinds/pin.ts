/**
 * Pin records: a build gc must keep, and why. See docs/versioning-policy.md#rule-image-pins.
 * Version 1 refers to the build record; version 0 (layout 1) referred to the manifest.
 *
 *   {"kind":"pin","v":1,"build":"sha256:...","nevra":"bash-5.2.26-alt1.x86_64","reason":"core-os 11.0"}
 */
import type { ObjectId } from '../layout.js';
import { fields, invalid } from './kind.js';
import type { Kind, KindRef } from './kind.js';

export interface PinObject { kind: 'pin'; v: number; build?: ObjectId; package?: ObjectId; nevra: string; reason: string }

export const pinKind: Kind<PinObject> = {
  name: 'pin',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'pin');
    const build = f.optObjectId('build');
    const pkg = f.optObjectId('package');
    if (!build && !pkg) throw invalid(id, 'pin', 'it names no build');
    return { kind: 'pin', v: typeof value.v === 'number' ? value.v : 0, ...(build ? { build } : {}), ...(pkg ? { package: pkg } : {}), nevra: f.str('nevra'), reason: f.optStr('reason') ?? '' };
  },
  refs(p): KindRef[] {
    return p.build ? [{ id: p.build, kind: 'build', label: 'pinned build' }] : [{ id: p.package as ObjectId, kind: 'package', label: 'pinned package' }];
  },
  title: (p) => `pin of ${p.nevra}`,
};
