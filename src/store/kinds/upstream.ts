/**
 * An on-demand mirror's upstream, as its last sync read it (docs/mirrors.md#on-demand):
 * the channel's `.upstream` entry. Its repomd.xml and every document repomd lists, byte
 * for byte (the channel's served rpm-md), and the package list: which NEVRA is at which
 * location with which checksum and size, each fetched on first use.
 *
 *   {"kind":"upstream","v":1,"url":"http://mirror/f40/","repomd":"sha256:...",
 *    "metadata":[{"type":"primary","href":"repodata/...-primary.xml.gz","blob":"sha256:..."}],
 *    "packages":"sha256:...","records":"sha256:...","count":1234}
 *
 * `packages` is a blob of JSON lines, one per package: [name, key, href, checksum type,
 * checksum hex, size or null] (store/upstream.ts reads it); `records` the resolver's view
 * of each, as primary.xml gives it (resolver/record-lines.ts).
 */
import type { ObjectId } from '../layout.js';
import { fields, invalid } from './kind.js';
import type { Kind, KindRef } from './kind.js';

export interface UpstreamDocument { type: string; href: string; blob: ObjectId }

export interface UpstreamObject { kind: 'upstream'; v: number; url: string; repomd: ObjectId; metadata: UpstreamDocument[]; packages: ObjectId; records: ObjectId; count: number }

export const upstreamKind: Kind<UpstreamObject> = {
  name: 'upstream',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'upstream');
    const metadata = f.array('metadata').map((d, i) => {
      if (d === null || typeof d !== 'object') throw invalid(id, 'upstream', `metadata ${i + 1} is not an object`);
      const g = fields(d as Record<string, unknown>, id, 'upstream');
      return { type: g.str('type'), href: g.str('href'), blob: g.objectId('blob') };
    });
    return { kind: 'upstream', v: typeof value.v === 'number' ? value.v : 0, url: f.str('url'), repomd: f.objectId('repomd'), metadata, packages: f.objectId('packages'), records: f.objectId('records'), count: f.num('count') };
  },
  refs(u): KindRef[] {
    return [
      { id: u.repomd, kind: 'blob', label: 'upstream repomd.xml' },
      ...u.metadata.map((d) => ({ id: d.blob, kind: 'blob' as const, label: `upstream ${d.href}` })),
      { id: u.packages, kind: 'blob', label: 'upstream package list' },
      { id: u.records, kind: 'blob', label: 'upstream package records' },
    ];
  },
  title: (u) => `upstream ${u.url}`,
};
