/**
 * Stock rpm as the judge of a package set: `rpm -i --test` of the set's files into a root
 * (empty, or holding other packages put there with `--justdb --nodeps`), which checks
 * what installing them together would check: every requirement met (by the set or by
 * what the root holds), no conflict, no obsoletes, no file conflict. Tests that use it
 * need the `rpm` tool (testWith(..., ['rpm'], ...)).
 */
import { spawnSync } from 'node:child_process';
import { nevraOfKey } from '../../src/rpm/nevra.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RPM_ENV } from './rpm-root.js';

const QUERY = ['--nosignature', '--nodigest'];
const QUIET = [...QUERY, '--ignorearch', '--ignoreos', '--noscripts', '--notriggers'];

export interface RpmVerdict { ok: boolean; problems: string[] }

/** rpm's answer: its exit status and its problem lines (Debian's "use Alien" notice left out). */
function run(args: string[]): { status: number; lines: string[] } {
  const r = spawnSync('rpm', args, { env: RPM_ENV, encoding: 'utf8', maxBuffer: 64 << 20 });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('rpm: ') && l !== 'error: Failed dependencies:');
  return { status: r.status ?? -1, lines };
}

/**
 * Whether rpm would install `files` together, into a root that already holds `present`
 * (installed first, database only, their own needs unchecked: they stand for what
 * another system provides, as a parent's packages do for a partial child).
 */
export function rpmWouldInstall(files: readonly string[], present: readonly string[] = []): RpmVerdict {
  const root = mkdtempSync(join(tmpdir(), 'bazaar-rpmset-'));
  try {
    const init = run(['--root', root, '--initdb']);
    if (init.status !== 0) throw new Error(`rpm --initdb: ${init.lines.join('; ')}`);
    if (present.length) {
      const pre = run(['--root', root, '-i', '--justdb', '--nodeps', '--replacefiles', ...QUIET, ...present]);
      if (pre.status !== 0) throw new Error(`rpm -i --justdb of ${present.join(' ')}: ${pre.lines.join('; ')}`);
    }
    if (files.length === 0) return { ok: true, problems: [] };
    const r = run(['--root', root, '-i', '--test', ...QUIET, ...files]);
    return { ok: r.status === 0, problems: r.lines };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** `name-[epoch:]version-release.arch` (as `image show --json` spells packages: the epoch when not 0) of each file. */
export function nevraOfFiles(files: readonly string[]): Map<string, string> {
  const r = spawnSync('rpm', ['-qp', ...QUERY, '--qf', '%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\n', ...files], { env: RPM_ENV, encoding: 'utf8' });
  const names = r.stdout.split('\n').filter(Boolean);
  if (names.length !== files.length) throw new Error(`rpm -qp named ${names.length} of ${files.length} files: ${r.stderr}`);
  // as bazaar prints a build: the epoch when not 0
  return new Map(names.map((n, i) => [nevraOfKey(n), files[i] as string]));
}

const depsRead = new Map<string, { name: string; provides: string[]; requires: string[]; files: string[] }>();

/** What a file provides (with versions) and requires (names only), and the paths it holds, as rpm reads them (once per file). */
export function depsOfFile(file: string): { name: string; provides: string[]; requires: string[]; files: string[] } {
  const known = depsRead.get(file);
  if (known) return known;
  const r = spawnSync('rpm', ['-qp', ...QUERY, '--qf', '%{NAME}\n[P %{PROVIDENEVRS}\n][R %{REQUIRENAME}\n][F %{FILENAMES}\n]', file], { env: RPM_ENV, encoding: 'utf8' });
  const lines = r.stdout.split('\n');
  const pick = (tag: string): string[] => lines.filter((l) => l.startsWith(`${tag} `)).map((l) => l.slice(2));
  const out = { name: lines[0] as string, provides: pick('P'), requires: pick('R'), files: pick('F') };
  depsRead.set(file, out);
  return out;
}
