/**
 * Paths inside a layer: one normal form, and the refusal of every path that could land
 * outside the root when the layer is unpacked (docs/overlay-import.md#what-is-refused).
 */
import { BazaarError } from '../errors.js';
import { encodePathBytes } from '../fs/index.js';

/** Linux's longest file name, in bytes (include/uapi/linux/limits.h). */
export const NAME_MAX = 255;

/** A BazaarError for bad layer input, one line, naming where (entry and offset, or file). */
export function badLayer(where: string, why: string, data: Record<string, unknown> = {}): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `${where}: ${why}`, { data: { where, ...data } });
}

/**
 * Normalises a path from an archive or a walk: drops leading `./`, repeated and trailing
 * slashes and `.` components. Refuses, naming the path: an empty path, an absolute path
 * (GNU tar would strip the slash; we refuse rather than guess), any `..` component (even
 * one that stays inside, since with symlinks `a/../b` need not be `b`), NUL bytes, and
 * names no Linux file system can hold (over NAME_MAX bytes).
 * The root itself normalises to `.`.
 */
export function normaliseLayerPath(raw: string, where: string): string {
  if (raw.includes('\0')) throw badLayer(where, 'the name holds a NUL byte');
  if (raw === '') throw badLayer(where, 'the name is empty');
  if (raw.startsWith('/')) throw badLayer(where, 'absolute path (a layer holds relative paths only)');
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw badLayer(where, "a '..' component (it could escape the layer root)");
    // A UTF-16 unit is at most 3 bytes, so only long names need counting.
    if (part.length * 3 > NAME_MAX && encodePathBytes(part).length > NAME_MAX) throw badLayer(where, `a name longer than ${NAME_MAX} bytes (Linux's NAME_MAX)`);
    parts.push(part);
  }
  return parts.length === 0 ? '.' : parts.join('/');
}

/** The parent of a normalised path (`.` for a top-level name), and its last component. */
export function splitLayerPath(path: string): { parent: string; name: string } {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? { parent: '.', name: path } : { parent: path.slice(0, slash), name: path.slice(slash + 1) };
}

/** Every proper ancestor of a normalised path, nearest the root first (`.` excluded). */
export function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

export function joinLayerPath(parent: string, name: string): string {
  return parent === '.' ? name : `${parent}/${name}`;
}

/**
 * Tree order for layer paths: the root first, then component by component in byte order,
 * so a directory's entries follow it directly (`a`, `a/b`, `a-b`: `/` sorts before
 * everything inside a name). Sorting entries by it gives the writer a deterministic,
 * unpack-friendly order; hardlinks still need their target first (the writer checks).
 */
export function compareLayerPaths(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '.') return -1;
  if (b === '.') return 1;
  const x = encodePathBytes(a.replaceAll('/', '\0'));
  const y = encodePathBytes(b.replaceAll('/', '\0'));
  return Buffer.compare(x, y);
}
