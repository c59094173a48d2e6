/**
 * Extended-attribute system calls, in-process: the only importer of `@napi-rs/xattr`
 * (a prebuilt binary inside its npm package). It calls llistxattr, lgetxattr and
 * lsetxattr, so a symlink is never followed: its own `trusted.*` attributes are read
 * and written, and `user.*` on a symlink is EPERM, as the kernel decides. Values are
 * bytes. Paths and attribute names cross as JavaScript strings (UTF-8): names that are
 * not UTF-8 go through xattr-paths.ts, attribute names that are not UTF-8 cannot be
 * expressed (XattrNameNotUtf8).
 */
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { BazaarError } from '../errors.js';

interface Binding {
  listAttributesSync(path: string): string[];
  getAttributeSync(path: string, name: string): Buffer | null;
  setAttributeSync(path: string, name: string, value: Uint8Array): void;
}

let binding: Binding | null = null;

function calls(): Binding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)('@napi-rs/xattr') as Binding;
  } catch (err) {
    const why = String((err as Error).message).split('\n')[0];
    throw new BazaarError('ERR_USAGE', `extended attributes need the @napi-rs/xattr binary for ${process.platform}-${process.arch}, which did not load (${why}); reinstall bazaar's dependencies (npm ci)`);
  }
  return binding;
}

/** An attribute name that is not UTF-8: listxattr gave one, which this API cannot carry. */
export class XattrNameNotUtf8 extends Error {}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** The binding's errors say "Operation not permitted (os error 1)": an Error with `code` 'EPERM' and the path. */
function errnoError(err: unknown, path: string): NodeJS.ErrnoException {
  const message = String((err as Error)?.message ?? err);
  const n = /\(os error (\d+)\)/.exec(message);
  const e: NodeJS.ErrnoException = new Error(message.replace(/ \(os error \d+\)$/, ''));
  e.code = n ? ERRNO_NAMES.get(Number(n[1])) ?? `errno ${n[1]}` : 'EIO';
  e.path = path;
  return e;
}

/** Attribute names of `path` (not followed). A file system without xattrs lists none. */
export function listXattrs(path: string): string[] {
  try {
    return calls().listAttributesSync(path);
  } catch (err) {
    if (err instanceof BazaarError) throw err;
    if (/^Invalid attribute/.test(String((err as Error)?.message))) throw new XattrNameNotUtf8(path);
    throw errnoError(err, path);
  }
}

/** One attribute's value; null when it is absent (or cannot be read: the binding does not say which). */
export function getXattr(path: string, name: string): Buffer | null {
  return calls().getAttributeSync(path, name);
}

/** Sets one attribute on `path` (not followed); throws an Error with an errno `code`. */
export function setXattr(path: string, name: string, value: Buffer): void {
  try {
    calls().setAttributeSync(path, name, value);
  } catch (err) {
    if (err instanceof BazaarError) throw err;
    throw errnoError(err, path);
  }
}
