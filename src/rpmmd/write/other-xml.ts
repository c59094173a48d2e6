/**
 * other.xml, one `<package>` at a time, byte for byte as createrepo_c 0.17 writes it
 * (src/xml_dump_other.c). Its `<version>` attributes go through plain xmlNewProp, so
 * unlike everywhere else they are not converted from Latin-1 (xmlAttrRaw).
 */
import type { ByteString } from './header-view.js';
import type { MdPackage } from './md-package.js';
import { xmlAttr, xmlAttrRaw, xmlText } from './xml-escape.js';

export const OTHER_NS = 'http://linux.duke.edu/metadata/other';

export function otherHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<otherdata xmlns="${OTHER_NS}" packages="${count}">\n`;
}

export const OTHER_TAIL = '</otherdata>';

export function otherPackage(p: MdPackage): ByteString {
  let s = `<package pkgid="${xmlAttr(p.pkgId)}" name="${xmlAttr(p.name)}" arch="${xmlAttr(p.arch)}">
  <version epoch="${xmlAttrRaw(p.epoch)}" ver="${xmlAttrRaw(p.version)}" rel="${xmlAttrRaw(p.release)}"/>
`;
  for (const c of p.changelogs) {
    s += `  <changelog author="${xmlAttr(c.author)}" date="${c.date}">${xmlText(c.text)}</changelog>\n`;
  }
  return `${s}</package>\n`;
}
