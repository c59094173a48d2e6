/**
 * The order createrepo_c writes packages in (task_cmp in src/createrepo_c.c): by file
 * name, then by directory, both compared as bytes (strcmp). writeRepository keeps the
 * order it is given; sort with this to get createrepo_c's.
 */
const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

export function createrepoOrder(a: { href: string }, b: { href: string }): number {
  const ca = a.href.lastIndexOf('/');
  const cb = b.href.lastIndexOf('/');
  return Buffer.compare(bytes(a.href.slice(ca + 1)), bytes(b.href.slice(cb + 1)))
    || Buffer.compare(bytes(a.href.slice(0, Math.max(ca, 0))), bytes(b.href.slice(0, Math.max(cb, 0))));
}
