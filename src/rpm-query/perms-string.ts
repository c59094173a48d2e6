/** rpm's rpmPermsString (lib/manifest.c): `ls -l`'s ten mode characters. */
export function permsString(mode: number): string {
  const type = mode & 0o170000;
  const kind = type === 0o100000 ? '-' : type === 0o040000 ? 'd' : type === 0o120000 ? 'l' : type === 0o010000 ? 'p'
    : type === 0o140000 ? 's' : type === 0o020000 ? 'c' : type === 0o060000 ? 'b' : '?';
  const p = [kind, '-', '-', '-', '-', '-', '-', '-', '-', '-'];
  const bits = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) if (mode & (0o400 >> i)) p[i + 1] = bits[i];
  if (mode & 0o4000) p[3] = mode & 0o100 ? 's' : 'S';
  if (mode & 0o2000) p[6] = mode & 0o010 ? 's' : 'S';
  if (mode & 0o1000) p[9] = mode & 0o001 ? 't' : 'T';
  return p.join('');
}
