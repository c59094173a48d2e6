/**
 * Install roots made by stock rpm, for checking the query engine against rpm itself:
 * packages go into a temp root with `rpm -i --root` (database only, or with their files),
 * and the same packages' headers, read with readRpmFile, become the engine's
 * InstalledDb, with the install-time facts (INSTALLTIME, FILESTATES, instance...) taken
 * from rpm's database as bazaar's snippets would record them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstalledPackage } from '../../src/rpm-query/installed-db.js';
import { runRpmQuery } from '../../src/rpm-query/run-rpm-query.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import type { RpmPackageFile } from '../../src/rpm/read-rpm.js';

/** rpm's environment for the oracle: C locale messages and dates, our time zone. */
export const RPM_ENV = { ...process.env, LC_ALL: 'C', LANG: 'C', LANGUAGE: '' };

export interface RpmRun { status: number; stdout: Buffer; stderr: string }

/** Runs stock rpm (in `env`, default RPM_ENV). */
export function rpm(args: string[], env: NodeJS.ProcessEnv = RPM_ENV): RpmRun {
  const r = spawnSync('rpm', args, { env, maxBuffer: 256 << 20 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** Runs the engine the same way. */
export async function engine(args: string[], packages: InstalledPackage[], root: string, env: NodeJS.ProcessEnv = RPM_ENV): Promise<RpmRun> {
  const out: Buffer[] = [];
  let err = '';
  const status = await runRpmQuery(args, { packages: () => packages, root }, {
    stdout: (c) => out.push(Buffer.from(c)),
    stderr: (s) => { err += s; },
  }, { env });
  return { status, stdout: Buffer.concat(out), stderr: err };
}

/** The file's main-header identity (SHA1HEADER, or the NEVRA for headers without one). */
function identity(file: RpmPackageFile): string {
  const sha1 = file.signature.string(269);
  if (sha1) return sha1;
  const h = file.header;
  return `${h.string(1000)}-${h.number(1003) ?? 0}:${h.string(1001)}-${h.string(1002)}.${h.string(1022)}`;
}

/** readRpmFile, once per file per process (roots re-read the same files). */
const files = new Map<string, Promise<RpmPackageFile>>();
export function readPackage(file: string): Promise<RpmPackageFile> {
  let p = files.get(file);
  if (!p) { p = readRpmFile(file); files.set(file, p); }
  return p;
}

const INSTALL_FLAGS = ['--nodeps', '--noscripts', '--notriggers', '--nosignature', '--nodigest', '--ignorearch', '--ignoreos', '--replacefiles'];

export interface InstalledRoot {
  root: string;
  /** The engine's view of the root, in rpm's database order. */
  packages: InstalledPackage[];
  /** Files that went in, and files rpm left out (obsoleted by another in the same transaction...). */
  installed: string[];
  skipped: string[];
}

/**
 * Installs `files` into a fresh root with stock rpm (database only when `justdb`), then
 * describes the result. Files rpm does not install in this transaction come back in
 * `skipped` (the caller puts them in another root).
 */
export async function installRoot(paths: string[], options: { justdb: boolean; prefix?: string }): Promise<InstalledRoot> {
  const root = mkdtempSync(join(tmpdir(), `bazaar-rpmq-${options.prefix ?? 'root'}-`));
  const r = rpm(['--root', root, '--initdb']);
  if (r.status !== 0) throw new Error(`rpm --initdb failed: ${r.stderr}`);
  rpmInstall(root, paths, options.justdb ? ['--justdb'] : []);
  return describeRoot(root, paths);
}

/** One more `rpm -i` transaction into an existing root (extra flags such as --excludedocs). */
export function rpmInstall(root: string, paths: string[], extra: string[] = []): void {
  rpm(['-i', '--root', root, ...INSTALL_FLAGS, ...extra, ...paths]);
}

/** What rpm's database in `root` holds, as the engine's InstalledPackages (headers read from `paths`). */
export async function describeRoot(root: string, paths: string[]): Promise<InstalledRoot> {
  const read = new Map<string, { file: string; pkg: RpmPackageFile }>();
  for (const file of paths) {
    const pkg = await readPackage(file);
    read.set(identity(pkg), { file, pkg });
  }
  const q = rpm(['--root', root, '-qa', '--qf', '%{DBINSTANCE}\t%|SHA1HEADER?{%{SHA1HEADER}}:{%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}}|\t%{INSTALLTIME}\t%{INSTALLTID}\t%{INSTALLCOLOR}\t[%{FILESTATES} ]\n']);
  const packages: InstalledPackage[] = [];
  const installed: string[] = [];
  for (const line of q.stdout.toString('latin1').split('\n').filter(Boolean)) {
    const [instance, id, time, tid, color, states] = line.split('\t');
    const found = read.get(id);
    if (!found) throw new Error(`rpm installed a header no file has: ${id}`);
    installed.push(found.file);
    packages.push({
      header: found.pkg.header, signature: found.pkg.signature, installTime: Number(time), installTid: Number(tid),
      installColor: Number(color), instance: Number(instance),
      fileStates: states.trim() ? states.trim().split(' ').map(Number) : undefined,
    });
  }
  const skipped = paths.filter((f) => !installed.includes(f));
  return { root, packages, installed, skipped };
}

/** Removes a root made by installRoot. */
export function removeRoot(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/**
 * Spreads files over as few roots as rpm accepts: a root never holds two builds of one
 * NEVRA, and a file rpm leaves out of a transaction is retried in the next root.
 */
export async function installAll(files: string[], options: { justdb: boolean; prefix?: string }): Promise<InstalledRoot[]> {
  const roots: InstalledRoot[] = [];
  let pending = [...files];
  while (pending.length) {
    const seen = new Set<string>();
    const group: string[] = [];
    const later: string[] = [];
    for (const f of pending) {
      const h = (await readPackage(f)).header;
      const key = `${h.string(1000)}-${h.number(1003) ?? 0}:${h.string(1001)}-${h.string(1002)}.${h.string(1022)}`;
      if (seen.has(key)) later.push(f); else { seen.add(key); group.push(f); }
    }
    const r = await installRoot(group, options);
    if (r.installed.length === 0) throw new Error(`rpm installed none of ${group.join(' ')}`);
    roots.push(r);
    pending = [...r.skipped, ...later];
  }
  return roots;
}
