/**
 * createrepo_c as the rpm-md writer's oracle: lay .rpm files out in a temp repository
 * (symlinks: createrepo_c follows them, and stat() gives both tools the same mtime), run
 * createrepo_c and bazaar's writer on the same files, and compare what they wrote.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createrepoOrder } from '../../src/rpmmd/write/createrepo-order.js';
import { repoPackageFromFile } from '../../src/rpmmd/write/repo-package-from-file.js';
import type { RepoPackage } from '../../src/rpmmd/write/repo-package.js';
import { childElements, diffElements, parseXml } from './xml-parse.js';

export const DOC_TYPES = ['primary', 'filelists', 'other'] as const;
export type DocType = (typeof DOC_TYPES)[number];

/**
 * A repository directory holding `files` as symlinks at `<prefix>/<path relative to
 * base>`, each named `*.rpm` (createrepo_c only indexes that suffix).
 */
export function layOut(repo: string, files: string[], base: string, prefix = ''): void {
  for (const f of files) {
    const rel = join(prefix, relative(base, f)).replace(/\.rpm-v3$/, '-v3.rpm');
    mkdirSync(join(repo, dirname(rel)), { recursive: true });
    symlinkSync(f, join(repo, rel));
  }
}

/** Writes generated packages into `repo` as plain files named `<name>.rpm`. */
export function writeRpms(repo: string, rpms: Array<[string, Buffer]>): void {
  mkdirSync(repo, { recursive: true });
  for (const [name, bytes] of rpms) writeFileSync(join(repo, `${name}.rpm`), bytes);
}

/** Every *.rpm under `repo` (outside repodata), as createrepo_c would find them. */
export function rpmsIn(repo: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(repo)) {
    const p = join(repo, name);
    if (statSync(p).isDirectory()) { if (name !== 'repodata' && !name.startsWith('.')) out.push(...rpmsIn(p)); } else if (name.endsWith('.rpm')) out.push(p);
  }
  return out;
}

/** The packages of `repo` as the writer's input, in createrepo_c's order. */
export async function repoPackages(repo: string): Promise<RepoPackage[]> {
  const pkgs = await Promise.all(rpmsIn(repo).map((f) => repoPackageFromFile(f, { root: repo })));
  return pkgs.sort(createrepoOrder);
}

/** Runs createrepo_c on `repo` (C locale, so i18n strings are the untranslated ones). */
export function createrepo(repo: string, args: string[] = []): string {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  delete env.LANGUAGE;
  return execFileSync('createrepo_c', ['--no-database', ...args, repo], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Repodata {
  repomd: Buffer;
  /** File name in repodata/, the stored bytes and the uncompressed document. */
  docs: Record<DocType, { name: string; stored: Buffer; open: Buffer }>;
}

export function readRepodata(repo: string): Repodata {
  const dir = join(repo, 'repodata');
  const names = readdirSync(dir);
  const docs = {} as Repodata['docs'];
  for (const type of DOC_TYPES) {
    const name = names.find((n) => n.replace(/^[0-9a-f]{64}-/, '').startsWith(`${type}.xml`));
    if (!name) throw new Error(`${dir}: no ${type} document`);
    const stored = readFileSync(join(dir, name));
    docs[type] = { name, stored, open: name.endsWith('.gz') ? gunzipSync(stored) : stored };
  }
  return { repomd: readFileSync(join(dir, 'repomd.xml')), docs };
}

/**
 * Package-by-package, field-by-field differences between two documents of the same
 * type (parsed), e.g. `primary package 3 (foo): package/format[11]/rpm:requires[7]: ...`.
 */
export function documentDiff(type: DocType, ours: Buffer, theirs: Buffer): string[] {
  const a = parseXml(ours);
  const b = parseXml(theirs);
  const out: string[] = [];
  const root = diffElements({ ...a, children: [] }, { ...b, children: [] });
  out.push(...root.map((d) => `${type}: ${d}`));
  const pa = childElements(a, 'package');
  const pb = childElements(b, 'package');
  if (pa.length !== pb.length) out.push(`${type}: ${pa.length} packages vs ${pb.length}`);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const name = pa[i].attrs.find(([k]) => k === 'name')?.[1] ?? childElements(pa[i], 'name')[0]?.children.join('') ?? '?';
    for (const d of diffElements(pa[i], pb[i])) out.push(`${type} package ${i + 1} (${name}): ${d}`);
  }
  return out;
}

/** The first differing line of two byte-different documents, for a readable failure. */
export function firstDifference(ours: Buffer, theirs: Buffer): string {
  const a = ours.toString('latin1').split('\n');
  const b = theirs.toString('latin1').split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}:\n  ours:         ${JSON.stringify(a[i])}\n  createrepo_c: ${JSON.stringify(b[i])}`;
  }
  return 'identical';
}
