/**
 * repomd.xml as createrepo_c 0.17 writes it (src/xml_dump_repomd.c through libxml2's
 * xmlDocDumpFormatMemoryEnc): the revision, then one `<data>` per document in
 * createrepo_c's order (primary, filelists, other), sha256 checksums throughout.
 */
import { escapeTextRaw, xmlAttr, xmlText } from './xml-escape.js';

export const REPO_NS = 'http://linux.duke.edu/metadata/repo';

export interface RepomdRecord {
  /** `primary`, `filelists`, `other`. */
  type: string;
  /** sha256 of the file as stored. */
  checksum: string;
  /** sha256 of the uncompressed document (absent when it is not compressed). */
  openChecksum?: string;
  /** Relative to the repository root: `repodata/<sha256>-primary.xml.gz`. */
  href: string;
  /** The file's mtime in seconds. */
  timestamp: number;
  size: number;
  openSize?: number;
}

/** Document order of createrepo_c's cr_repomd_sort_records for the types we write. */
const ORDER = ['primary', 'filelists', 'other'];

export function repomdXml(records: RepomdRecord[], revision: string): string {
  const sorted = [...records].sort((a, b) => {
    const x = ORDER.indexOf(a.type);
    const y = ORDER.indexOf(b.type);
    return (x < 0 ? ORDER.length : x) - (y < 0 ? ORDER.length : y) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);
  });
  let s = `<?xml version="1.0" encoding="UTF-8"?>\n<repomd xmlns="${REPO_NS}" xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n`;
  s += `  <revision>${escapeTextRaw(Buffer.from(revision, 'utf8').toString('latin1'))}</revision>\n`;
  for (const r of sorted) {
    s += `  <data type="${xmlAttr(r.type)}">\n`;
    s += `    <checksum type="sha256">${xmlText(r.checksum)}</checksum>\n`;
    if (r.openChecksum !== undefined) s += `    <open-checksum type="sha256">${xmlText(r.openChecksum)}</open-checksum>\n`;
    s += `    <location href="${xmlAttr(r.href)}"/>\n`;
    s += `    <timestamp>${r.timestamp}</timestamp>\n`;
    s += `    <size>${r.size}</size>\n`;
    if (r.openSize !== undefined) s += `    <open-size>${r.openSize}</open-size>\n`;
    s += '  </data>\n';
  }
  return `${s}</repomd>\n`;
}
