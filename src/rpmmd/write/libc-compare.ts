/**
 * createrepo_c keeps one `libc.so.6*` requirement per package, the one with the highest
 * symbol version (cr_compare_dependency in src/parsehdr.c):
 * `libc.so.6()` < `libc.so.6(GLIBC_2.3.4)(64bit)` < `libc.so.6(GLIBC_2.4)`.
 *
 * The comparison looks at the first parenthesised part, from its first digit, with
 * rpmvercmp; a name without parentheses loses to one with. Returns 0 (same), 1 (first
 * is higher) or 2 (second is higher), and -1 when neither has a closing parenthesis.
 */
import { rpmvercmp } from '../../policy/index.js';
import type { ByteString } from './header-view.js';

const isDigit = (s: ByteString, i: number): boolean => { const c = s.charCodeAt(i); return c >= 0x30 && c <= 0x39; };

export function compareLibcDependency(dep1: ByteString, dep2: ByteString): -1 | 0 | 1 | 2 {
  if (dep1 === dep2) return 0;
  let v1 = dep1.indexOf('(');
  let v2 = dep2.indexOf('(');
  if (v1 < 0 && v2 < 0) return 0;
  if (v1 < 0) return 2;
  if (v2 < 0) return 1;
  const e1 = dep1.indexOf(')', v1);
  const e2 = dep2.indexOf(')', v2);
  if (e1 < 0 && e2 < 0) return -1;
  if (e1 < 0) return 2;
  if (e2 < 0) return 1;
  v1++; v2++;
  if (v1 === e1 && v2 === e2) return 0;
  if (v1 === e1) return 2;
  if (v2 === e2) return 1;
  while (v1 < dep1.length && !isDigit(dep1, v1)) v1++;
  while (v2 < dep2.length && !isDigit(dep2, v2)) v2++;
  if (v1 > e1 && v2 > e2) return 0;
  if (v1 > e1) return 2;
  if (v2 > e2) return 1;
  // g_strndup(ver, e - ver) with e < ver never happens here: ver <= e
  const r = rpmvercmp(dep1.slice(v1, e1), dep2.slice(v2, e2));
  return r === -1 ? 2 : r;
}
