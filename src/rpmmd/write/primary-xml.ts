/**
 * primary.xml, one `<package>` at a time, byte for byte as createrepo_c 0.17 writes it
 * (src/xml_dump_primary.c serialised by libxml2's xmlNodeDump, two-space indent, one
 * package per chunk followed by a newline; src/xml_file.c for the frame).
 */
import type { ByteString } from './header-view.js';
import type { MdDependency } from './md-dependencies.js';
import type { MdPackage } from './md-package.js';
import { isPrimaryPath } from './primary-path.js';
import { xmlAttr, xmlText } from './xml-escape.js';

export const COMMON_NS = 'http://linux.duke.edu/metadata/common';
export const RPM_NS = 'http://linux.duke.edu/metadata/rpm';

/** The document start; `count` is the `packages` attribute. */
export function primaryHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="${COMMON_NS}" xmlns:rpm="${RPM_NS}" packages="${count}">\n`;
}

export const PRIMARY_TAIL = '</metadata>';

/** `<rpm:provides>` and friends; nothing when the list is empty. */
function dependencyList(element: string, list: MdDependency[], withPre: boolean): string {
  if (list.length === 0) return '';
  let body = '';
  for (const d of list) {
    if (!d.name) continue;
    body += `      <rpm:entry name="${xmlAttr(d.name)}"`;
    if (d.flags) {
      body += ` flags="${d.flags}"`;
      if (d.epoch) body += ` epoch="${xmlAttr(d.epoch)}"`;
      if (d.version) body += ` ver="${xmlAttr(d.version)}"`;
      if (d.release) body += ` rel="${xmlAttr(d.release)}"`;
    }
    if (withPre && d.pre) body += ' pre="1"';
    body += '/>\n';
  }
  return body ? `    <${element}>\n${body}    </${element}>\n` : `    <${element}/>\n`;
}

/** cr_prepend_protocol: a local path becomes a file:// URL. */
export function locationBase(base: ByteString): ByteString {
  return base[0] === '/' ? `file://${base}` : base;
}

/** One package's `<package type="rpm">` element and its trailing newline. */
export function primaryPackage(p: MdPackage): ByteString {
  let s = `<package type="rpm">
  <name>${xmlText(p.name)}</name>
  <arch>${xmlText(p.arch)}</arch>
  <version epoch="${xmlAttr(p.epoch)}" ver="${xmlAttr(p.version)}" rel="${xmlAttr(p.release)}"/>
  <checksum type="${xmlAttr(p.checksumType)}" pkgid="YES">${xmlText(p.pkgId)}</checksum>
  <summary>${xmlText(p.summary)}</summary>
  <description>${xmlText(p.description)}</description>
  <packager>${xmlText(p.packager)}</packager>
  <url>${xmlText(p.url)}</url>
  <time file="${p.timeFile}" build="${p.timeBuild}"/>
  <size package="${p.sizePackage}" installed="${p.sizeInstalled}" archive="${p.sizeArchive}"/>
  <location ${p.base ? `xml:base="${xmlAttr(locationBase(p.base))}" ` : ''}href="${xmlAttr(p.href)}"/>
  <format>
    <rpm:license>${xmlText(p.license)}</rpm:license>
    <rpm:vendor>${xmlText(p.vendor)}</rpm:vendor>
    <rpm:group>${xmlText(p.group)}</rpm:group>
    <rpm:buildhost>${xmlText(p.buildhost)}</rpm:buildhost>
    <rpm:sourcerpm>${xmlText(p.sourcerpm)}</rpm:sourcerpm>
    <rpm:header-range start="${p.headerStart}" end="${p.headerEnd}"/>
`;
  s += dependencyList('rpm:provides', p.provides, false);
  s += dependencyList('rpm:requires', p.requires, true);
  s += dependencyList('rpm:conflicts', p.conflicts, false);
  s += dependencyList('rpm:obsoletes', p.obsoletes, false);
  s += dependencyList('rpm:suggests', p.suggests, false);
  s += dependencyList('rpm:enhances', p.enhances, false);
  s += dependencyList('rpm:recommends', p.recommends, false);
  s += dependencyList('rpm:supplements', p.supplements, false);
  for (const f of p.files) {
    if (!isPrimaryPath(f.path)) continue;
    s += f.type ? `    <file type="${f.type}">${xmlText(f.path)}</file>\n` : `    <file>${xmlText(f.path)}</file>\n`;
  }
  return `${s}  </format>\n</package>\n`;
}
