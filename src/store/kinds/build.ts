/**
 * Build records: what the packages branch, channels and pins point at. A build *is* its
 * rpm main header: the record's `header` is the object holding the header's bytes, whose
 * id (sha256 of the bytes) is rpm's own SHA256HEADER. Re-signing an rpm changes only its
 * signature header, so a re-signed file is another *variant* of the same build, and a
 * manifest written by another bazaar version is still the same build.
 * See docs/versioning-policy.md#rule-identity.
 *
 *   {"kind":"build","v":1,"name":"bash","nevra":"bash-5.2.26-alt1.x86_64","key":"bash-0:5.2.26-alt1.x86_64",
 *    "epoch":null,"version":"5.2.26","release":"alt1","arch":"x86_64","disttag":null,"buildtime":1700000000,
 *    "header":"sha256:...","manifest":"sha256:...","variants":[{"rpm":"sha256:...","size":1234,"signatures":["rsa"],"added":1732000000}]}
 */
import type { ObjectId } from '../layout.js';
import { fields, invalid } from './kind.js';
import type { Kind, KindRef } from './kind.js';

/** One .rpm file of a build: the same header, another signature header. */
export interface BuildVariant {
  rpm: ObjectId;
  size: number;
  /** Signature kinds its signature header carries (`rsa`, `dsa`, `openpgp`, ...); empty when unsigned. */
  signatures: string[];
  /** When it was added (seconds since the epoch). */
  added: number;
}

export interface BuildRecord {
  kind: 'build';
  v: number;
  name: string;
  /** As the package states it (epoch only when it has one). */
  nevra: string;
  /** The NEVRA with the epoch written: its path in branches. */
  key: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string;
  disttag: string | null;
  buildtime: number;
  isSource: boolean;
  /** The header bytes: the build identity. */
  header: ObjectId;
  manifest: ObjectId;
  /** Oldest first. */
  variants: BuildVariant[];
}

/** The variant served by default: the most recently added signed one, else the most recent. */
export function servedVariant(b: BuildRecord): BuildVariant {
  for (let i = b.variants.length - 1; i >= 0; i--) if (b.variants[i].signatures.length > 0) return b.variants[i];
  return b.variants[b.variants.length - 1];
}

export const buildKind: Kind<BuildRecord> = {
  name: 'build',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'build');
    f.str('name'); f.str('nevra'); f.str('key'); f.str('version'); f.str('release'); f.str('arch');
    f.objectId('header'); f.objectId('manifest');
    const variants = f.array('variants');
    if (variants.length === 0) throw invalid(id, 'build', 'it has no variant');
    for (const v of variants) {
      const x = v as Partial<BuildVariant> | null;
      if (x === null || typeof x !== 'object' || typeof x.rpm !== 'string' || !Array.isArray(x.signatures)) throw invalid(id, 'build', 'a variant is malformed');
    }
    return { ...(value as unknown as BuildRecord), kind: 'build', v: value.v as number };
  },
  refs(b) {
    const out: KindRef[] = [{ id: b.header, kind: 'blob', label: 'header' }, { id: b.manifest, kind: 'package', label: 'manifest' }];
    b.variants.forEach((v, i) => out.push({ id: v.rpm, kind: 'blob', label: b.variants.length === 1 ? '.rpm file' : `.rpm file (variant ${i + 1})` }));
    return out;
  },
  title: (b) => `package ${b.nevra}`,
};
