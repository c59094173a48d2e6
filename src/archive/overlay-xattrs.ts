/**
 * overlayfs keeps its own bookkeeping in extended attributes of the upper directory,
 * named `trusted.overlay.*` (or `user.overlay.*` when mounted with `userxattr`), per the
 * kernel's Documentation/filesystems/overlayfs.rst. Here each is interpreted, dropped or
 * refused; everything else is the file's own attribute and is kept. See
 * docs/overlay-import.md#overlayfs-extended-attributes.
 */
import { badLayer } from './layer-path.js';

export const OVERLAY_PREFIXES = ['trusted.overlay.', 'user.overlay.'] as const;

/** Linux limits (include/uapi/linux/limits.h): XATTR_NAME_MAX, XATTR_SIZE_MAX. */
export const XATTR_NAME_MAX = 255;
export const XATTR_SIZE_MAX = 65536;
const NAMESPACES = /^(user|trusted|security|system)\.[^\0]+$/;

export interface OverlayMarks {
  /** `overlay.opaque`: 'y' hides the layers below; 'x' marks a directory holding xattr whiteouts. */
  opaque?: 'y' | 'x';
  /** `overlay.whiteout` on a zero-size regular file (kernel 6.7+ "xwhiteout"). */
  whiteout?: true;
}

/** overlayfs bookkeeping that says nothing about the files as a merged view shows them. */
const DROPPED = new Set(['origin', 'impure', 'nlink', 'upper', 'uuid', 'protattr']);

/** Ones whose meaning a standalone layer cannot keep: refused, with what to do instead. */
const REFUSED: Record<string, string> = {
  redirect: 'a directory renamed inside the overlay (overlay.redirect points into a lower layer); mount with redirect_dir=off, or copy the directory instead of renaming it',
  metacopy: "a metadata-only copy-up (overlay.metacopy): the file's data is in a lower layer, not here; mount with metacopy=off",
};

/**
 * Splits an entry's xattrs into the ones it keeps (validated, overlay escapes undone:
 * `trusted.overlay.overlay.X` is the file's own `trusted.overlay.X`) and overlay marks.
 */
export function splitOverlayXattrs(xattrs: Map<string, Buffer>, where: string): { kept: Record<string, Buffer>; marks: OverlayMarks } {
  const kept: Record<string, Buffer> = {};
  const marks: OverlayMarks = {};
  for (const [name, value] of xattrs) {
    if (!NAMESPACES.test(name) || Buffer.byteLength(name) > XATTR_NAME_MAX) {
      throw badLayer(where, `extended attribute ${JSON.stringify(name)} is not a valid Linux xattr name`);
    }
    if (value.length > XATTR_SIZE_MAX) throw badLayer(where, `extended attribute ${name} holds ${value.length} bytes (Linux allows ${XATTR_SIZE_MAX})`);
    const prefix = OVERLAY_PREFIXES.find((p) => name.startsWith(p));
    if (!prefix) { kept[name] = value; continue; }
    const key = name.slice(prefix.length);
    if (key.startsWith('overlay.')) { kept[prefix + key.slice('overlay.'.length)] = value; continue; }
    if (REFUSED[key]) throw badLayer(where, `${REFUSED[key]}`);
    if (key === 'opaque') {
      const v = value.toString('latin1');
      if (v === 'y' || v === 'x') marks.opaque = v;
      // Any other value: the kernel only tests for 'y' and 'x' (ovl_get_opaquedir_val).
    } else if (key === 'whiteouts') {
      marks.opaque ??= 'x'; // kernel 6.7.0's marker for the same thing, replaced by opaque=x in 6.8 and 6.7.y
    } else if (key === 'whiteout') {
      marks.whiteout = true;
    } else if (!DROPPED.has(key)) {
      throw badLayer(where, `unknown overlayfs attribute ${name} (refused rather than guessed at)`);
    }
  }
  return { kept, marks };
}

/** The escaped name under which a file's own `*.overlay.X` attribute is stored in a layer. */
export function escapeOverlayXattr(name: string): string {
  const prefix = OVERLAY_PREFIXES.find((p) => name.startsWith(p));
  return prefix ? `${prefix}overlay.${name.slice(prefix.length)}` : name;
}
