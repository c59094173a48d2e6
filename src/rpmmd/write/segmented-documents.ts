/**
 * primary, filelists and other as gzip members (member-file.ts): the packages come in
 * runs ("segments"), each run one member per document, so a run whose packages have not
 * changed since the previous generation is copied from that generation's files instead
 * of being read and compressed again. The document head (with its `packages="N"`) and
 * tail are members of their own. The text is createrepo_c's, byte for byte, as with
 * `RpmmdWriter`; the files differ from a single-member gzip of the same text (each
 * member starts a fresh dictionary: about 2% larger at 64 packages a run).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FILELISTS_TAIL, filelistsHead } from './filelists-xml.js';
import type { Formatted, FormattedBytes } from './format-package.js';
import { checkedMember, compressMember, MemberFile } from './member-file.js';
import type { MemberBytes, MemberPlace } from './member-file.js';
import { OTHER_TAIL, otherHead } from './other-xml.js';
import { PRIMARY_TAIL, primaryHead } from './primary-xml.js';
import type { DocumentType, RpmmdDocuments, SkippedPackage } from './rpmmd-writer.js';

/** A run of packages: `key` names its content (same key, same fragments); `packages` reads them, only when needed. */
export interface Segment { key: string; packages: () => Promise<Array<Formatted | FormattedBytes>> }

/** Where each run's member is in one document of a generation. */
export interface DocumentMembers { path: string; members: Map<string, MemberPlace> }
export type SegmentedIndex = Record<DocumentType, DocumentMembers>;

const TYPES: DocumentType[] = ['primary', 'filelists', 'other'];
const HEADS: Record<DocumentType, (count: number) => string> = { primary: primaryHead, filelists: filelistsHead, other: otherHead };
const TAILS: Record<DocumentType, string> = { primary: PRIMARY_TAIL, filelists: FILELISTS_TAIL, other: OTHER_TAIL };

const textOf = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Head and tail members by text, as compressed once in this process (a few packages counts a channel moves between). */
const fixed = new Map<string, Promise<MemberBytes>>();
const FIXED_MAX = 64;

/**
 * The member of a document's head or tail: the same text compresses to the same bytes
 * (member-file.ts), so each is compressed once, not again with every generation (at
 * repos/sample size they were six of a republish's nine compressions).
 */
function fixedMember(text: string): Promise<MemberBytes> {
  let m = fixed.get(text);
  if (m === undefined) {
    if (fixed.size >= FIXED_MAX) fixed.clear();
    m = compressMember(textOf(text));
    m.catch(() => fixed.delete(text));
    fixed.set(text, m);
  }
  return m;
}

/** A run's text in one document: its packages' fragments back to back (left-out packages have none). */
function runText(formatted: Array<Formatted | FormattedBytes>, type: DocumentType): Buffer {
  const parts: Uint8Array[] = [];
  for (const f of formatted) {
    if (f.skipped !== undefined) continue;
    const t = f[type];
    parts.push(typeof t === 'string' ? textOf(t) : t);
  }
  return Buffer.concat(parts);
}

/** The bytes of a member of the previous generation, or null when they cannot be read. */
function previousBytes(fds: Map<string, number>, doc: DocumentMembers, key: string): Buffer | null {
  const place = doc.members.get(key);
  if (!place) return null;
  try {
    let fd = fds.get(doc.path);
    if (fd === undefined) fds.set(doc.path, (fd = openSync(doc.path, 'r')));
    const b = Buffer.allocUnsafe(place.length);
    let got = 0;
    while (got < place.length) {
      const n = readSync(fd, b, got, place.length - got, place.offset + got);
      if (n === 0) return null;
      got += n;
    }
    return b;
  } catch {
    return null;
  }
}

/**
 * Writes the three documents into `dir` (`<type>.xml.gz`) for `segments` in order,
 * `count` packages in all (`skipped`: those left out, as the caller knows them), reusing
 * the members of `previous` (a generation whose files the caller has checked) whose key
 * comes again. A reused member that does not inflate whole is compressed anew.
 * Returns the documents and where each run's member is in them.
 */
export async function writeSegmentedDocuments(
  dir: string, segments: Iterable<Segment>, count: number, skipped: SkippedPackage[], previous: SegmentedIndex | null,
): Promise<{ documents: RpmmdDocuments; members: Record<DocumentType, Map<string, MemberPlace>>; reused: number }> {
  const files: MemberFile[] = [];
  const fds = new Map<string, number>();
  const keys: string[] = [];
  let reused = 0;
  try {
    for (const type of TYPES) files.push(await MemberFile.create(join(dir, `${type}.xml.gz`)));
    for (let i = 0; i < TYPES.length; i++) await files[i].push(fixedMember(HEADS[TYPES[i]](count)));
    for (const seg of segments) {
      keys.push(seg.key);
      let loading: Promise<Array<Formatted | FormattedBytes>> | undefined;
      const load = (): Promise<Array<Formatted | FormattedBytes>> => (loading ??= seg.packages());
      const fresh = async (type: DocumentType): Promise<MemberBytes> => compressMember(runText(await load(), type));
      const old = previous ? TYPES.map((t) => previousBytes(fds, previous[t], seg.key)) : [];
      // a run counts as reused when its three members were copied, each inflating whole
      let copied = 0;
      const copy = (bytes: Buffer, type: DocumentType): Promise<MemberBytes> =>
        checkedMember(bytes).then((m) => { if (++copied === TYPES.length) reused++; return m; }, () => fresh(type));
      for (let i = 0; i < TYPES.length; i++) {
        const bytes = old[i];
        await files[i].push(bytes ? copy(bytes, TYPES[i]) : fresh(TYPES[i]));
      }
    }
    for (let i = 0; i < TYPES.length; i++) await files[i].push(fixedMember(TAILS[TYPES[i]]));
    const infos = await Promise.all(files.map((f) => f.close()));
    files.length = 0;
    const members = {} as Record<DocumentType, Map<string, MemberPlace>>;
    TYPES.forEach((type, i) => {
      // members[0] is the head, the last the tail
      members[type] = new Map(keys.map((k, j) => [k, infos[i].members[j + 1]]));
    });
    const [primary, filelists, other] = infos.map(({ members: _, ...info }) => info);
    return { documents: { primary, filelists, other, packages: count, skipped }, members, reused };
  } finally {
    await Promise.all(files.map((f) => f.abort()));
    for (const fd of fds.values()) closeSync(fd);
  }
}
