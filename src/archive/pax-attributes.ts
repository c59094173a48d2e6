/**
 * What pax records mean for an entry: the POSIX keywords that override header fields,
 * the xattr conventions of GNU tar/star (`SCHILY.xattr.NAME=<raw bytes>`) and libarchive
 * (`LIBARCHIVE.xattr.<%-encoded NAME>=<base64>`), and the ones we refuse because their
 * meaning cannot be kept (GNU sparse maps, text ACLs).
 */
import { decodePathBytes } from '../fs/index.js';
import { MAX_TAR_NUMBER } from './tar-header.js';
import type { PaxRecord } from './pax.js';
import { PaxFormatError } from './pax.js';

export interface PaxAttributes {
  path?: Buffer;
  linkpath?: Buffer;
  size?: number;
  uid?: number;
  gid?: number;
  uname?: Buffer;
  gname?: Buffer;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  xattrs: Map<string, Buffer>;
  /** libarchive's copies; used only for names with no SCHILY record (both are written by bsdtar). */
  libarchiveXattrs: Map<string, Buffer>;
}

export function emptyPaxAttributes(): PaxAttributes {
  return { xattrs: new Map(), libarchiveXattrs: new Map() };
}

function decimal(key: string, value: Buffer): number {
  const s = value.toString('latin1');
  if (!/^[0-9]{1,20}$/.test(s)) throw new PaxFormatError(`pax ${key}=${JSON.stringify(s.slice(0, 40))} is not a non-negative decimal number`);
  const n = Number(s);
  if (n > MAX_TAR_NUMBER) throw new PaxFormatError(`pax ${key}=${s} overflows`);
  return n;
}

/** pax times are decimal seconds with an optional fraction; we keep whole seconds. */
function seconds(key: string, value: Buffer): number {
  const s = value.toString('latin1');
  const m = /^(-?)([0-9]{1,20})(\.[0-9]*)?$/.exec(s);
  if (!m) throw new PaxFormatError(`pax ${key}=${JSON.stringify(s.slice(0, 40))} is not a decimal time`);
  if (m[1] && /[1-9]/.test(m[2] + (m[3] ?? ''))) throw new PaxFormatError(`pax ${key}=${s} is negative (before 1970)`);
  const n = Number(m[2]);
  if (n > MAX_TAR_NUMBER) throw new PaxFormatError(`pax ${key}=${s} overflows`);
  return n;
}

function percentDecode(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '%' && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(s.charCodeAt(i) & 0xff);
    }
  }
  return decodePathBytes(Buffer.from(bytes));
}

function xattrName(key: string, name: string): string {
  if (name === '' || name.includes('\0')) throw new PaxFormatError(`pax ${key} names no extended attribute`);
  return name;
}

/** Applies records in order (later ones win, as POSIX says) onto `into`. */
export function applyPaxRecords(records: PaxRecord[], into: PaxAttributes): void {
  for (const { key, value } of records) {
    switch (key) {
      case 'path': into.path = value; break;
      case 'linkpath': into.linkpath = value; break;
      case 'size': into.size = decimal(key, value); break;
      case 'uid': into.uid = decimal(key, value); break;
      case 'gid': into.gid = decimal(key, value); break;
      case 'uname': into.uname = value; break;
      case 'gname': into.gname = value; break;
      case 'mtime': into.mtime = seconds(key, value); break;
      case 'SCHILY.devmajor': into.devmajor = decimal(key, value); break;
      case 'SCHILY.devminor': into.devminor = decimal(key, value); break;
      // GNU tar --selinux writes the context under Red Hat's keyword.
      case 'RHT.security.selinux': if (!into.xattrs.has('security.selinux')) into.xattrs.set('security.selinux', value); break;
      default:
        if (key.startsWith('SCHILY.xattr.')) {
          into.xattrs.set(xattrName(key, key.slice('SCHILY.xattr.'.length)), value);
        } else if (key.startsWith('LIBARCHIVE.xattr.')) {
          const b64 = value.toString('latin1');
          if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new PaxFormatError(`pax ${key} is not base64`);
          into.libarchiveXattrs.set(xattrName(key, percentDecode(key.slice('LIBARCHIVE.xattr.'.length))), Buffer.from(b64, 'base64'));
        } else if (key.startsWith('GNU.sparse.')) {
          throw new PaxFormatError('sparse files (GNU.sparse.*) are not supported; archive without --sparse');
        } else if (key.startsWith('SCHILY.acl.')) {
          throw new PaxFormatError(`ACLs in text form (${key}) are not supported; archive with --no-acls and --xattrs so they travel as system.posix_acl_* attributes`);
        }
      // Any other keyword (atime, ctime, comment, hdrcharset, SCHILY.dev/ino/nlink, ...)
      // does not change the layer: POSIX lets a reader ignore it.
    }
  }
}

/** The xattrs of an entry: SCHILY records, then libarchive's for names SCHILY did not give. */
export function mergedXattrs(a: PaxAttributes): Map<string, Buffer> {
  const out = new Map(a.xattrs);
  for (const [k, v] of a.libarchiveXattrs) if (!out.has(k)) out.set(k, v);
  return out;
}
