/**
 * filelists.xml, one `<package>` at a time, byte for byte as createrepo_c 0.17 writes it
 * (src/xml_dump_filelists.c): every file, in header order, dirs and ghosts typed.
 */
import type { ByteString } from './header-view.js';
import type { MdPackage } from './md-package.js';
import { xmlAttr, xmlText } from './xml-escape.js';

export const FILELISTS_NS = 'http://linux.duke.edu/metadata/filelists';

export function filelistsHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<filelists xmlns="${FILELISTS_NS}" packages="${count}">\n`;
}

export const FILELISTS_TAIL = '</filelists>';

export function filelistsPackage(p: MdPackage): ByteString {
  let s = `<package pkgid="${xmlAttr(p.pkgId)}" name="${xmlAttr(p.name)}" arch="${xmlAttr(p.arch)}">
  <version epoch="${xmlAttr(p.epoch)}" ver="${xmlAttr(p.version)}" rel="${xmlAttr(p.release)}"/>
`;
  for (const f of p.files) {
    const path = xmlText(f.path);
    s += f.type ? `  <file type="${f.type}">${path}</file>\n` : `  <file>${path}</file>\n`;
  }
  return `${s}</package>\n`;
}
