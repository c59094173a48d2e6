/**
 * File names are bytes; Node decodes argv as UTF-8 and turns bytes that are not into
 * U+FFFD, so `bazaar add 'd\xff/good.rpm'` arrives as a name that does not exist. Such an
 * argument is matched back to the directory entries it can only have come from (their
 * raw names, decoded the same way), and the file is then opened by its raw bytes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute } from 'node:path';

const REPLACEMENT = '\uFFFD';

/** The path to open for a command-line argument: the argument, or its raw bytes. */
export function argPath(arg: string): string | Buffer {
  if (!arg.includes(REPLACEMENT) || existsSync(arg)) return arg;
  const parts = arg.split('/');
  let at: Buffer = Buffer.from(isAbsolute(arg) ? '/' : '.');
  const start = isAbsolute(arg) ? 1 : 0;
  for (let i = start; i < parts.length; i++) {
    const part = parts[i];
    const join = (name: Buffer): Buffer => Buffer.concat([at, at[at.length - 1] === 0x2f ? Buffer.alloc(0) : Buffer.from('/'), name]);
    if (!part.includes(REPLACEMENT)) { at = join(Buffer.from(part)); continue; }
    let names: Buffer[];
    try { names = readdirSync(at, { encoding: 'buffer' }); } catch { return arg; }
    const fits = names.filter((n) => n.toString('utf8') === part);
    if (fits.length !== 1) return arg;
    at = join(fits[0]);
  }
  return at;
}
