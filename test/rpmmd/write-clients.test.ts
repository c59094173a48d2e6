/**
 * The real clients read what the rpm-md writer writes: Debian's dnf 4 (makecache,
 * repoquery, a real install with dependencies into a temp installroot, a refresh after
 * regeneration) and libsolv (python3-solv and the rpmmd2solv tool). dnf runs with its
 * own config, cache, log and persist dirs under a temp dir, no plugins, no system
 * repositories, no network, and without scriptlets (repos/sample's "binaries" are
 * shell scripts and symlinks that cannot run in an empty root).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { writeRepository } from '../../src/rpmmd/write/write-repository.js';
import { layOut, repoPackages } from '../helpers/createrepo.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { corpusDir, projectRoot, testWith } from '../helpers/tools.js';

const t = suite('rpmmd writer: dnf and libsolv read it');

const binaryRpms = (): string[] => sampleRpms().filter((f) => /\/(x86_64|noarch)\//.test(f));

function sandbox(): { root: string; repo: string; dnf: (args: string[]) => string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-dnf-'));
  for (const d of ['install', 'cache', 'log', 'persist', 'repos.d']) mkdirSync(join(root, d));
  writeFileSync(join(root, 'dnf.conf'), '[main]\ngpgcheck=0\ninstall_weak_deps=0\nkeepcache=0\n');
  const repo = join(root, 'repo');
  const base = [
    '-y', `--installroot=${join(root, 'install')}`, '--releasever=1', `--config=${join(root, 'dnf.conf')}`,
    `--setopt=reposdir=${join(root, 'repos.d')}`, `--setopt=cachedir=${join(root, 'cache')}`, `--setopt=logdir=${join(root, 'log')}`,
    `--setopt=persistdir=${join(root, 'persist')}`, '--setopt=tsflags=noscripts', '--noplugins', '--nogpgcheck',
    `--repofrompath=t,file://${repo}`, '--repo=t',
  ];
  const dnf = (args: string[]): string => {
    const r = spawnSync('dnf', [...base, ...args], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    if (r.status !== 0) throw new Error(`dnf ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  return { root, repo, dnf, done: () => rmSync(root, { recursive: true, force: true }) };
}

const SOLVE = `
import glob, json, sys, solv
repo_dir, names = sys.argv[1], sys.argv[2:]
pool = solv.Pool(); pool.setdisttype(solv.Pool.DISTTYPE_RPM); pool.setarch('x86_64')
repo = pool.add_repo('t')
for kind, flags in (('primary', 0), ('filelists', solv.Repo.REPO_EXTEND_SOLVABLES), ('other', solv.Repo.REPO_EXTEND_SOLVABLES)):
    f = solv.xfopen(glob.glob(repo_dir + '/repodata/*-%s.xml.gz' % kind)[0])
    if not repo.add_rpmmd(f, None, flags): raise SystemExit('add_rpmmd %s: %s' % (kind, pool.errstr))
    f.close()
pool.addfileprovides(); pool.createwhatprovides()
out = {'solvables': repo.nsolvables, 'files': sum(len(list(s.Dataiterator(solv.SOLVABLE_FILELIST, None, 0))) for s in repo.solvables)}
if names:
    jobs = []
    for n in names: jobs += pool.select(n, solv.Selection.SELECTION_NAME).jobs(solv.Job.SOLVER_INSTALL)
    solver = pool.Solver(); solver.set_flag(solv.Solver.SOLVER_FLAG_IGNORE_RECOMMENDED, 1)
    problems = solver.solve(jobs)
    out['problems'] = [str(p) for p in problems]
    out['install'] = sorted(str(s) for s in solver.transaction().newsolvables())
print(json.dumps(out))
`;

function libsolv(repo: string, install: string[] = []): { solvables: number; files: number; problems?: string[]; install?: string[] } {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', SOLVE, repo, ...install], { encoding: 'utf8' }));
}

function installed(root: string): string[] {
  const out = execFileSync('rpm', ['--root', join(root, 'install'), '-qa', '--qf', '%{NAME}-%|EPOCH?{%{EPOCH}:}|%{VERSION}-%{RELEASE}.%{ARCH}\\n'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).sort();
}

testWith(t, 'dnf: makecache, repoquery sees every package, install pulls the dependencies, a regeneration is picked up', ['dnf', 'rpm'], async () => {
  const { root, repo, dnf, done } = sandbox();
  try {
    const files = binaryRpms();
    layOut(repo, files.filter((f) => !f.includes('webserver-mod-python')), join(projectRoot, 'repos/sample'));
    await writeRepository(await repoPackages(repo), repo);
    dnf(['makecache']);
    const listed = dnf(['repoquery', '-q', '--qf', '%{name}-%{evr}.%{arch}']).split('\n').filter(Boolean);
    assert.is(listed.length, files.length - 1);
    assert.ok(listed.includes('libc6-6:2.38-alt2.x86_64'), 'epochs come through');
    const requires = dnf(['repoquery', '-q', '--requires', 'webserver']);
    assert.match(requires, /libssl/);
    dnf(['install', 'webserver', 'webapp']);
    const set = installed(root);
    assert.ok(set.some((n) => n.startsWith('webserver-')) && set.some((n) => n.startsWith('webapp-')), set.join(' '));
    assert.ok(set.length > 5, `dependencies installed too: ${set.join(' ')}`);
    execFileSync('rpm', ['--root', join(root, 'install'), '-Va', '--nofiles', '--noscripts']); // throws on unmet dependencies
    // regenerate with one more package: dnf sees it after a metadata refresh
    layOut(repo, files.filter((f) => f.includes('webserver-mod-python')), join(projectRoot, 'repos/sample'));
    await writeRepository(await repoPackages(repo), repo);
    dnf(['makecache', '--refresh']);
    assert.match(dnf(['repoquery', '-q', 'webserver-mod-python']), /webserver-mod-python-(0:)?0\.3\.1-alt1/);
    dnf(['install', 'webserver-mod-python']);
    assert.ok(installed(root).some((n) => n.startsWith('webserver-mod-python-')));
    assert.is(readdirSync(join(repo, 'repodata')).filter((n) => n.endsWith('.gz')).length, 6, 'the previous generation is kept for clients mid-download');
  } finally { done(); }
});

testWith(t, 'dnf and libsolv choose the same packages for the same install', ['dnf', 'rpm', 'python:solv'], async () => {
  const { root, repo, dnf, done } = sandbox();
  try {
    layOut(repo, binaryRpms(), join(projectRoot, 'repos/sample'));
    await writeRepository(await repoPackages(repo), repo);
    dnf(['install', 'webserver', 'webapp']);
    const solved = libsolv(repo, ['webserver', 'webapp']);
    assert.equal(solved.problems, []);
    assert.equal(installed(root), solved.install);
  } finally { done(); }
});

testWith(t, 'libsolv (python3-solv) loads primary, filelists and other with the same package and file counts', ['python:solv'], async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-solv-'));
  try {
    layOut(join(dir, 'repo'), binaryRpms(), join(projectRoot, 'repos/sample'));
    const pkgs = await repoPackages(join(dir, 'repo'));
    const result = await writeRepository(pkgs, join(dir, 'repo'));
    const loaded = libsolv(join(dir, 'repo'));
    assert.is(loaded.solvables, result.packages);
    const files = Number(execFileSync('rpm', ['-qpl', ...binaryRpms()], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('/')).length);
    assert.is(loaded.files, files);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

testWith(t, 'libsolv reads the whole corpus repository (197 packages) and rpmmd2solv agrees', ['python:solv', 'rpmmd2solv', 'dumpsolv', 'corpus'], async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bazaar-rpmmd-solv-'));
  try {
    layOut(join(dir, 'repo'), corpusRpms(), join(corpusDir, 'rpms'));
    const result = await writeRepository(await repoPackages(join(dir, 'repo')), join(dir, 'repo'));
    assert.is(libsolv(join(dir, 'repo')).solvables, result.packages);
    const primary = readdirSync(join(dir, 'repo/repodata')).find((n) => n.endsWith('-primary.xml.gz'))!;
    const solvFile = join(dir, 'p.solv');
    execFileSync('sh', ['-c', `zcat "$1" | rpmmd2solv > "$2"`, 'sh', join(dir, 'repo/repodata', primary), solvFile]);
    assert.match(execFileSync('dumpsolv', [solvFile], { encoding: 'utf8' }), new RegExp(`repo size: ${result.packages} solvables`));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

t.run();
