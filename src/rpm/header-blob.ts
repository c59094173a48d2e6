/**
 * rpm's own checks of a header blob before it reads a tag (lib/header.c, rpm 4.18:
 * hdrblobVerifyRegion, hdrblobVerifyInfo): the region tag and its trailer, and every
 * index entry's type, alignment and extent. rpm refuses a package failing them outright
 * ("signature region 62 size: BAD ..."), so a verdict that agrees with rpm's must too.
 * rpm's check of main-header tag types against its tag table is not repeated here.
 */
import { TagType } from './tags.js';

const ENTRY = 16;
const ALIGN: Record<number, number> = { [TagType.INT16]: 2, [TagType.INT32]: 4, [TagType.INT64]: 8 };
const SIZE: Record<number, number> = { 0: 0, 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };

interface Info { tag: number; type: number; offset: number; count: number }

function entryAt(b: Buffer, i: number): Info {
  const at = 16 + i * ENTRY;
  return { tag: b.readUInt32BE(at), type: b.readUInt32BE(at + 4), offset: b.readInt32BE(at + 8), count: b.readUInt32BE(at + 12) };
}

/** Bytes of an entry's data as rpm's dataLength counts them; -1 when strings run past `end`. */
function dataLength(data: Buffer, e: Info, end: number): number {
  if (e.type === TagType.STRING || e.type === TagType.STRING_ARRAY || e.type === TagType.I18NSTRING) {
    if (e.type === TagType.STRING && e.count !== 1) return -1;
    let pos = e.offset;
    for (let n = 0; n < e.count; n++) {
      const nul = data.indexOf(0, pos);
      if (nul < 0 || nul >= end) return -1;
      pos = nul + 1;
    }
    return pos - e.offset;
  }
  return (SIZE[e.type] ?? 0) * e.count;
}

/** What rpm finds wrong with the header blob `bytes` (intro, index, data), or null. */
export function headerBlobProblem(bytes: Buffer, regionTag: 62 | 63, exactSize: boolean): string | null {
  const il = bytes.readUInt32BE(8), dl = bytes.readUInt32BE(12);
  const [ilMax, dlMax] = regionTag === 62 ? [32, 64 * 1024 * 1024] : [0xffff, 0x0fffffff];
  if (il < 1 || il > ilMax) return `hdr tags: BAD, no. of tags(${il}) out of range`;
  if (dl > dlMax) return `hdr data: BAD, no. of bytes(${dl}) out of range`;
  const data = bytes.subarray(16 + il * ENTRY);
  const first = entryAt(bytes, 0);
  let region = 0, ril = il, rdl = dl;
  if (first.tag === regionTag) {
    const show = (e: Info): string => `tag ${e.tag} type ${e.type} offset ${e.offset} count ${e.count}`;
    if (first.type !== TagType.BIN || first.count !== 16) return `region tag: BAD, ${show(first)}`;
    if (first.offset < 0 || first.offset + 16 > dl) return `region offset: BAD, ${show(first)}`;
    const t = data.subarray(first.offset, first.offset + 16);
    const trailer = { tag: t.readUInt32BE(0), type: t.readUInt32BE(4), offset: -t.readInt32BE(8), count: t.readUInt32BE(12) };
    if (regionTag === 62 && trailer.tag === 61) trailer.tag = 62; // old packages name HEADERIMAGE in the signature trailer
    rdl = first.offset + 16;
    if (trailer.tag !== regionTag || trailer.type !== TagType.BIN || trailer.count !== 16) return `region trailer: BAD, ${show(trailer)}`;
    ril = Math.trunc(trailer.offset / ENTRY);
    if (trailer.offset % ENTRY || ril < 0 || ril > il || rdl > dl) return `region ${regionTag} size: BAD, ril ${ril} il ${il} rdl ${rdl} dl ${dl}`;
    if (exactSize && !(il === ril && dl === rdl)) return `region ${regionTag}: tag number mismatch il ${il} ril ${ril} dl ${dl} rdl ${rdl}\n`;
    region = regionTag;
  }
  let end = 0;
  for (let i = region ? 1 : 0; i < il; i++) {
    const e = entryAt(bytes, i);
    const len = e.type <= TagType.I18NSTRING && e.offset >= 0 && e.offset <= dl ? dataLength(data, e, dl) : 0;
    const bad = end > e.offset || e.tag < 100 || e.type > TagType.I18NSTRING || e.count === 0 || e.count > 0x0fffffff
      || (e.offset & ((ALIGN[e.type] ?? 1) - 1)) !== 0 || e.offset < 0 || e.offset > dl || len < 0 || len > dl - e.offset
      || (region !== 0 && e.offset + len > rdl - 16 && e.offset < rdl);
    if (bad) return `tag[${region ? i - 1 : i}]: BAD, tag ${e.tag} type ${e.type} offset ${e.offset} count ${e.count} len ${len}`;
    end = e.offset + len;
  }
  return null;
}
