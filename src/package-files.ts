/**
 * Files that ship beside the code (package.json, src/boot/init.sh, repos/sample), found
 * from the package's root: the code runs both as tsc's output (dist/src/<folder>/...) and
 * bundled into dist/bin/ (scripts/bundle.mjs), so a path relative to one module would be
 * right in one and wrong in the other.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The directory holding bazaar's package.json (the first one above this module). */
export function packageRoot(): string {
  if (root !== null) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (; ;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'bazaar') return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`bazaar's package.json is not above ${fileURLToPath(import.meta.url)}: the installation is incomplete`);
    dir = up;
  }
}

/** A path inside the package: packageFile('src/boot/init.sh'). */
export function packageFile(relative: string): string {
  return join(packageRoot(), relative);
}

/** bazaar's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
}
