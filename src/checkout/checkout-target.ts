/**
 * The directory a checkout fills: absent (created, mode 0700 until the checkout is done,
 * so nobody else can enter or race it meanwhile) or an empty directory. Never a symlink:
 * the checkout creates every component below it itself and follows no link.
 */
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { encodePathBytes, noSpaceError } from '../fs/index.js';

export interface CheckoutTarget {
  /** Absolute path. */
  dir: string;
  /** The same, as bytes, for building child paths. */
  bytes: Buffer;
  /** True when the checkout created it. */
  created: boolean;
}

function refuse(dir: string, why: string): BazaarError {
  return new BazaarError('ERR_BAD_INPUT', `cannot check out into ${dir}: ${why}`, { data: { dir } });
}

export function openTarget(dir: string): CheckoutTarget {
  const abs = resolve(dir);
  let st;
  try { st = lstatSync(abs, { throwIfNoEntry: false }); } catch (err) { throw refuse(dir, (err as Error).message); } // ENOTDIR, ELOOP
  if (!st) {
    try {
      mkdirSync(abs, 0o700);
    } catch (err) {
      // ENOENT with the parent there: a directory nothing can be made in (/proc)
      if (isErrno(err, 'ENOENT') && !existsSync(dirname(abs))) throw refuse(dir, 'its parent directory does not exist');
      if (isErrno(err, 'EEXIST')) throw refuse(dir, 'it appeared while the checkout started');
      throw refuse(dir, (err as Error).message);
    }
    return { dir: abs, bytes: Buffer.from(abs), created: true };
  }
  if (st.isSymbolicLink()) throw refuse(dir, 'it is a symlink (a checkout never follows one)');
  if (!st.isDirectory()) throw refuse(dir, 'it exists and is not a directory');
  if (readdirSync(abs).length > 0) throw refuse(dir, 'it is not empty');
  return { dir: abs, bytes: Buffer.from(abs), created: false };
}

/** The absolute path of a tree path (bytes, `a/b`) inside the target. */
export function targetPath(t: CheckoutTarget, rel: Buffer): Buffer {
  return Buffer.concat([t.bytes, Buffer.from('/'), rel]);
}

/**
 * The absolute path of a tree path (`a/b`, path-bytes.ts's strings) for fs calls: a plain
 * string when it is text (node encodes it as the same UTF-8 bytes, without a Buffer per
 * call), its bytes when it holds escaped non-UTF-8 bytes.
 */
export function targetFsPath(t: CheckoutTarget, rel: string): string | Buffer {
  return /[\ud800-\udfff]/.test(rel) ? targetPath(t, encodePathBytes(rel)) : `${t.dir}/${rel}`;
}

/** The finished checkout's root gets the usual mode of an image root, if the checkout made it. */
export function finishTarget(t: CheckoutTarget): void {
  if (t.created) chmodSync(t.dir, 0o755);
}

/**
 * A failure writing into the target, in one line naming it (a full disk is ERR_NO_SPACE);
 * the store's own errors, and errors about other paths, pass as they are.
 */
export function targetError(t: CheckoutTarget, err: unknown): unknown {
  if (err instanceof BazaarError) return err;
  if (isErrno(err, 'ENOSPC') || isErrno(err, 'EDQUOT')) return noSpaceError(err, t.dir);
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || !/^E[A-Z]+$/.test(e.code) || (e.path !== undefined && !String(e.path).startsWith(t.dir))) return err;
  return refuse(t.dir, `${e.message.replace(/^[A-Z]+: /, '')}`);
}

/** Undoes a failed checkout: the target as it was (absent, or empty). */
export function clearTarget(t: CheckoutTarget): void {
  if (t.created) {
    rmSync(t.dir, { recursive: true, force: true });
    return;
  }
  for (const name of readdirSync(t.bytes, { encoding: 'buffer' })) rmSync(targetPath(t, name), { recursive: true, force: true });
}
