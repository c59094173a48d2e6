/**
 * The order in which a store tree is walked: depth first, each directory's entries in the
 * order the tree object keeps them (JavaScript string order of the names, kinds/tree.ts),
 * a directory directly followed by its contents. Hardlink groups name their first member
 * in this order (TreeEntry.linkTo), so a walk always meets it before the others.
 *
 * It differs from compareLayerPaths (byte order of the encoded names) only for names
 * with escaped non-UTF-8 bytes or characters above U+FFFF; both are total orders.
 */

/** Negative when `a` is walked before `b`; paths are `/`-joined, root-relative, never `.`. */
export function compareTreePaths(a: string, b: string): number {
  if (a === b) return 0;
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

/** `parent/name`, where the root is the empty string. */
export function joinTreePath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`;
}
