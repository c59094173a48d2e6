/**
 * What rpm itself says about a package file: one `rpm -qp --qf` call whose sections are
 * exactly the formats rpm's --provides/--requires/... aliases expand to (rpmpopt:
 * `[%{PROVIDENEVRS}\n]` etc.), plus NEVRA fields and the file tags.
 */
import { spawnSync } from 'node:child_process';

export const DEP_KINDS = ['provides', 'requires', 'conflicts', 'obsoletes', 'recommends', 'suggests', 'supplements', 'enhances'] as const;
const NEVRS_TAG: Record<string, string> = {
  provides: 'PROVIDENEVRS', requires: 'REQUIRENEVRS', conflicts: 'CONFLICTNEVRS', obsoletes: 'OBSOLETENEVRS',
  recommends: 'RECOMMENDNEVRS', suggests: 'SUGGESTNEVRS', supplements: 'SUPPLEMENTNEVRS', enhances: 'ENHANCENEVRS',
};
const FIELDS = ['NAME', 'EPOCH', 'VERSION', 'RELEASE', 'ARCH', 'BUILDTIME', 'SOURCERPM', 'SUMMARY', 'LICENSE', 'LONGSIZE'];
const FILE_TAGS = ['FILENAMES', 'FILEMODES', 'LONGFILESIZES', 'FILEDIGESTS', 'FILELINKTOS', 'FILEUSERNAME', 'FILEGROUPNAME', 'FILEFLAGS'];
const SEP = '\u0001';

export interface RpmSays {
  fields: Record<string, string>;
  deps: Record<string, string[]>;
  files: string[][];
}

export function rpmQueryFormat(): string {
  return [
    FIELDS.map((f) => `%{${f}}`).join(SEP),
    ...DEP_KINDS.map((k) => `@@${k}\n[%{${NEVRS_TAG[k]}}\n]`),
    `@@files\n[${FILE_TAGS.map((t) => `%{${t}}`).join(SEP)}\n]`,
  ].join('\n');
}

/** Raw bytes of rpm's answer decoded the way bazaar decodes header strings (UTF-8, else Latin-1). */
function decode(buf: Buffer): string {
  try { return new TextDecoder('utf-8', { fatal: true }).decode(buf); } catch { return buf.toString('latin1'); }
}

export function rpmSays(path: string): RpmSays {
  const r = spawnSync('rpm', ['-qp', '--nosignature', '--qf', rpmQueryFormat(), path], { env: { ...process.env, LANG: 'C', LC_ALL: 'C' }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`rpm -qp ${path} failed: ${r.stderr.toString()}`);
  const out = r.stdout;
  // Decode each line on its own: one package can mix encodings (a Latin-1 summary, UTF-8 paths).
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= out.length; i++) {
    if (i === out.length || out[i] === 0x0a) { lines.push(decode(out.subarray(start, i))); start = i + 1; }
  }
  const values = lines[0].split(SEP);
  const fields = Object.fromEntries(FIELDS.map((f, i) => [f, values[i]]));
  const deps: Record<string, string[]> = {};
  let section = '';
  const files: string[][] = [];
  for (const line of lines.slice(1)) {
    if (line.startsWith('@@')) { section = line.slice(2); if (section !== 'files') deps[section] = []; continue; }
    if (line === '') continue;
    if (section === 'files') files.push(line.split(SEP));
    else deps[section].push(line);
  }
  return { fields, deps, files };
}

/** The output of a real alias such as `rpm -qp --requires`, for spot checks of the format above. */
export function rpmAlias(path: string, kind: string): string[] {
  const r = spawnSync('rpm', ['-qp', '--nosignature', `--${kind}`, path], { encoding: 'latin1', env: { ...process.env, LANG: 'C', LC_ALL: 'C' } });
  return r.stdout.split('\n').filter(Boolean);
}
