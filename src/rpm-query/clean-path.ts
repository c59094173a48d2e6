/**
 * rpm's rpmCleanPath (rpmio/rpmfileutil.c), ported step for step: collapses `//`, drops
 * `./` and trailing `/.`, resolves `dir/..` textually and strips a trailing slash, so
 * `-qf` looks up the same string rpm looks up.
 *
 * @example
 * cleanPath('/usr//bin/./../lib/'); // '/usr/lib'
 */
export function cleanPath(path: string): string {
  const p = path.split('');
  let s = 0;
  let t = 0;
  let te = 0;
  let begin = true;
  const at = (i: number): string => (i < p.length ? p[i] : '\0');
  while (at(s) !== '\0') {
    const ch = at(s);
    let copy = true;
    switch (ch) {
      case ':':
        if (at(s + 1) === '/' && at(s + 2) === '/') { p[t++] = p[s++]; p[t++] = p[s++]; break; }
        begin = true;
        break;
      case '/': {
        let se = te + 1;
        while (se < t && p[se] !== '/') se++;
        if (se < t && p[se] === '/') te = se;
        while (at(s + 1) === '/') s++;
        while (t > 0 && p[t - 1] === '/') t--;
        break;
      }
      case '.':
        if (begin && at(s + 1) === '.' && (at(s + 2) === '/' || at(s + 2) === '\0')) { p[t++] = p[s++]; break; }
        if (begin && at(s + 1) === '\0') break;
        if (t > 0 && p[t - 1] === '/') {
          if (at(s + 1) === '/') { s += 2; copy = false; break; }
          if (at(s + 1) === '\0') { s++; copy = false; break; }
        }
        if (!begin && t > 0 && p[t - 1] === '/' && at(s + 1) === '.' && (at(s + 2) === '/' || at(s + 2) === '\0')) {
          t = te;
          if (te > 0) for (--te; te > 0 && p[te] !== '/'; te--);
          s += 2;
          copy = false;
        }
        break;
      default:
        begin = false;
        break;
    }
    if (copy) p[t++] = p[s++];
  }
  if (t > 1 && p[t - 1] === '/') t--;
  return p.slice(0, t).join('');
}
