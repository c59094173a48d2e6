/**
 * Mirrors (issue 20): an upstream made by createrepo_c and served by python3's
 * http.server on loopback.
 *
 *   1. a first sync (`bazaar mirror sync`, a whole process) of N generated packages
 *      (default 5,000; `BAZAAR_BENCH_MIRROR_PACKAGES`), and of the corpus when present,
 *      against `dnf reposync` of the same repository in the same run (goal: at least as
 *      fast);
 *   2. a sync with nothing new, against the time of one download of repomd.xml (goal:
 *      under one second plus that).
 *
 *   npm run bench -- mirror
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makePackageRpm } from '../test/helpers/make-rpm.js';
import { corpusRpms } from '../test/helpers/rpm-files.js';
import { makeRepo, pythonUpstream } from '../test/helpers/upstream.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(root, 'dist/bin/bazaar.js');
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function timed(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.slice(-2000)}`);
  return performance.now() - t0;
}

const bazaar = (store: string, ...args: string[]): number => timed(process.execPath, [CLI, ...args, '--store', store]);

/** `n` small noarch packages (a few KiB each, like a -doc or -data package) in `dir`. */
function generate(dir: string, n: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `mirrorpkg${String(i).padStart(5, '0')}`;
    const file = join(dir, `${name}-1.${i % 7}-alt1.noarch.rpm`);
    writeFileSync(file, makePackageRpm({
      name, version: `1.${i % 7}`, release: 'alt1', arch: 'noarch', sourcerpm: `${name}-1.${i % 7}-alt1.src.rpm`,
      description: `generated package ${i} `.repeat(100), provides: [{ name: `cap${i}` }], requires: i ? [{ name: `cap${i - 1}` }] : [],
    }));
    files.push(file);
  }
  return files;
}

/** One upstream: first sync vs dnf reposync, then a sync with nothing new vs one repomd.xml download. */
async function one(label: string, files: string[], work: string, log: (l: string) => void): Promise<void> {
  const up = join(work, `${label}-up`);
  makeRepo(up, files);
  const server = await pythonUpstream(up, join(work, `${label}-access.log`));
  try {
    const store = join(work, `${label}-store`);
    bazaar(store, 'init');
    bazaar(store, 'channel', 'create', 'm');
    bazaar(store, 'mirror', 'add', 'up', server.url, '--channel', 'm');
    const mark = server.rpmRequests().length;
    const first = bazaar(store, 'mirror', 'sync', 'up');
    const fetched = server.rpmRequests().length - mark;
    const dnfDir = join(work, `${label}-dnf`);
    const dnf = has('dnf') && spawnSync('dnf', ['reposync', '--help'], { stdio: 'ignore' }).status === 0
      ? timed('dnf', ['-q', '--setopt=reposdir=/dev/null', `--setopt=cachedir=${join(work, `${label}-dnfcache`)}`, '--releasever=1', '--nogpgcheck',
        `--repofrompath=up,${server.url}`, '--repo=up', 'reposync', '-p', dnfDir])
      : null;
    const dnfFiles = dnf === null ? 0 : readdirSync(join(dnfDir, 'up')).filter((f) => f.endsWith('.rpm')).length;
    log(`${label}: ${files.length} packages; first sync ${s(first)} (${fetched} .rpm downloaded)` + (dnf === null
      ? '; dnf reposync not installed (dnf-plugins-core)'
      : `, dnf reposync ${s(dnf)} (${dnfFiles} .rpm): ${(dnf / first).toFixed(2)}x (goal >= 1: at least as fast)`));
    const t0 = performance.now();
    await (await fetch(new URL('repodata/repomd.xml', server.url))).arrayBuffer();
    const metadata = performance.now() - t0;
    const again = [0, 1, 2].map(() => bazaar(store, 'mirror', 'sync', 'up')).sort((a, b) => a - b)[1] as number;
    log(`${label}: sync with nothing new ${s(again)} (median of 3, a whole process), one repomd.xml download ${(metadata).toFixed(1)} ms; goal under 1 s + that: ${again < 1000 + metadata ? 'met' : 'NOT met'}`);
  } finally {
    await server.stop();
  }
}

function uniqueNevras(files: string[]): string[] {
  if (!files.length) return [];
  const out = spawnSync('rpm', ['-qp', '--nosignature', '--qf', '%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}.%{ARCH}\\n', ...files], { encoding: 'utf8' }).stdout.split('\n');
  const seen = new Set<string>();
  return files.filter((_f, i) => { const k = out[i] ?? ''; if (!k || seen.has(k)) return false; seen.add(k); return true; });
}

export async function benchMirror(options: { log?: (line: string) => void; packages?: number } = {}): Promise<void> {
  const log = options.log ?? ((l: string) => console.log(l));
  if (!has('createrepo_c') || !has('python3')) { log('mirror bench skipped: needs createrepo_c and python3'); return; }
  const n = options.packages ?? Number(process.env.BAZAAR_BENCH_MIRROR_PACKAGES ?? 5000);
  const work = mkdtempSync(join(tmpdir(), 'bazaar-bench-mirror-'));
  try {
    await one('generated', generate(join(work, 'gen'), n), work, log);
    // one file per NEVRA: the corpus holds builds that share one (a store keeps one build per NEVRA)
    const corpus = uniqueNevras(corpusRpms().filter((f) => f.endsWith('.rpm')));
    if (corpus.length) await one('corpus', corpus, work, log);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
