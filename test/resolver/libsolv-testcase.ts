/**
 * A reader for the subset of libsolv's `.t` testcase format the resolver is compared on:
 * inline `testtags` repositories, `system ARCH rpm REPO`, `job install|erase|update|
 * multiversion`, `solverflags`, `poolflags`, `nextjob`, and `result transaction,problems`.
 * Anything else marks the sub-job as not plain, so the caller can count what it excludes.
 */
import type { Dependency } from '../../src/rpm/dependency.js';
import { parseDependency } from '../../src/resolver/memory-source.js';
import type { Job } from '../../src/resolver/job.js';
import type { PackageRecord } from '../../src/resolver/source.js';

export interface TcPackage { record: PackageRecord; repo: string }

export interface SubJob {
  jobs: Job[];
  multiversion: string[];
  allowUninstall: boolean;
  /** why this sub-job is not a plain install/erase/update case (null when it is) */
  excluded: string | null;
  /** expected transaction lines (install X@repo, erase X@repo, upgrade A@r B@r, ...) */
  expect: string[];
  expectProblems: boolean;
  resultKind: string;
}

export interface Testcase { packages: TcPackage[]; arch: string; systemRepo: string | null; subjobs: SubJob[] }

/** testtags complex deps (`A | B`, `A <IF> (B <ELSE> C)`) in rpm's rich syntax. */
function tagDep(text: string, pre = false): Dependency {
  let t = text.trim();
  if (/[|&]|<[A-Z]+>/.test(t)) {
    t = t.replace(/<IF> \((.*) <ELSE> (.*)\)$/, 'if $1 else $2').replace(/<UNLESS> \((.*) <ELSE> (.*)\)$/, 'unless $1 else $2');
    t = t.replace(/\s\|\s/g, ' or ').replace(/\s&\s/g, ' and ').replace(/<([A-Z]+)>/g, (_, w: string) => w.toLowerCase());
    return { name: `(${t})`, flags: '', evr: '', ...(pre ? { pre } : {}) };
  }
  return parseDependency(t, pre);
}

export function parseTestcase(text: string, readRepoFile?: (name: string) => string): Testcase {
  const lines: string[] = [];
  for (const l of text.split('\n')) {
    lines.push(l);
    const w = l.trim().split(/\s+/);
    // a repo read from a file: splice its lines in as if they were inline
    if (w[0] === 'repo' && w[3] === 'testtags' && w[4] !== '<inline>' && readRepoFile) lines.push(...readRepoFile(w[4]).split('\n').map((x) => `#>${x}`));
  }
  const packages: TcPackage[] = [];
  let arch = 'x86_64';
  let systemRepo: string | null = null;
  const subjobs: SubJob[] = [];
  const fresh = (): SubJob => ({ jobs: [], multiversion: [], allowUninstall: false, excluded: null, expect: [], expectProblems: false, resultKind: '' });
  let cur = fresh();
  let repo = '';
  let inResult = false;
  let p: PackageRecord | null = null;
  const exclude = (why: string): void => { if (!cur.excluded) cur.excluded = why; };
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line.startsWith('#>')) {
      const body = line.slice(2);
      if (inResult) {
        if (body.startsWith('problem')) cur.expectProblems = true;
        else if (body.trim()) cur.expect.push(body.trim());
        continue;
      }
      const m = /^=(\w+): (.*)$/.exec(body);
      if (!m) continue;
      const [, tag, val] = m;
      if (tag === 'Pkg') {
        const [name, ver, rel, a] = val.trim().split(/\s+/);
        const em = /^(\d+):(.*)$/.exec(ver);
        p = { name, epoch: em ? Number(em[1]) : 0, version: em ? em[2] : ver, release: rel, arch: a, provides: [], requires: [], conflicts: [], obsoletes: [], files: [] };
        p.provides.push({ name, flags: '=', evr: `${p.epoch}:${p.version}-${p.release}` });
        packages.push({ record: p, repo });
      } else if (p) {
        if (tag === 'Prv') p.provides.push(tagDep(val));
        else if (tag === 'Req') p.requires.push(tagDep(val));
        else if (tag === 'Prq') p.requires.push(tagDep(val, true));
        else if (tag === 'Con') p.conflicts.push(tagDep(val));
        else if (tag === 'Obs') p.obsoletes.push(tagDep(val));
        else if (tag === 'Fls') p.files.push(val.trim());
        else if (['Rec', 'Sug', 'Sup', 'Enh'].includes(tag)) (p as PackageRecord & { weak?: boolean }).weak = true;
      }
      continue;
    }
    inResult = false;
    const w = line.trim().split(/\s+/);
    if (line.startsWith('#') || !line.trim()) continue;
    switch (w[0]) {
      case 'repo':
        repo = w[1];
        if (w[3] === 'testtags' && w[4] !== '<inline>' && readRepoFile) break;
        if (w[3] !== 'empty' && !(w[3] === 'testtags' && w[4] === '<inline>')) exclude(`repo format ${w[3]}`);
        break;
      case 'system': arch = w[1] === 'unset' ? 'x86_64' : w[1]; systemRepo = w[3] ?? null; if (w[2] !== 'rpm' && w[2] !== '*') exclude(`disttype ${w[2]}`); break;
      case 'feature': break;
      case 'solverflags':
        for (const f of w.slice(1)) {
          if (f === 'allowuninstall') cur.allowUninstall = true;
          else if (f !== 'ignorerecommended') exclude(`solverflags ${f}`);
        }
        break;
      case 'poolflags': exclude('poolflags'); break;
      case 'nextjob': subjobs.push(cur); cur = fresh(); break;
      case 'job': {
        if (/\[.*\]/.test(line)) { exclude(`job flags ${line.match(/\[.*\]/)![0]}`); break; }
        const [, kind, sel, ...rest] = w;
        if (kind === 'multiversion' && sel === 'name') { cur.multiversion.push(rest[0]); break; }
        if (!['install', 'erase', 'update'].includes(kind)) { exclude(`job ${kind}`); break; }
        if (kind === 'update' && sel === 'all') { cur.jobs.push({ kind: 'upgradeAll' }); break; }
        if (sel === 'name' || sel === 'provides') {
          const d = parseDependency(rest.join(' '));
          if (kind === 'install') cur.jobs.push({ kind: 'install', name: d.name, ...(d.flags ? { flags: d.flags, evr: d.evr } : {}), ...(sel === 'provides' ? { byProvides: true } : {}) });
          else if (sel === 'provides') exclude(`job ${kind} provides`);
          // (a versioned update is libsolv's targeted, best-effort update: not modelled)
          else if (d.flags) exclude(`job ${kind} with a version`);
          else cur.jobs.push(kind === 'erase' ? { kind: 'erase', name: d.name } : { kind: 'upgrade', name: d.name });
          break;
        }
        if (sel === 'pkg' && kind === 'install') {
          const m = /^(.+)-([^-]+)-([^-]+)\.([^.@]+)@/.exec(rest[0]);
          if (!m) { exclude(`job pkg ${rest[0]}`); break; }
          cur.jobs.push({ kind: 'install', name: m[1], flags: '=', evr: `${m[2]}-${m[3]}` });
          break;
        }
        exclude(`job ${kind} ${sel}`);
        break;
      }
      case 'result':
        cur.resultKind = w[1];
        if (!w[1].split(',').includes('transaction')) exclude(`result ${w[1]}`);
        else if (w[1] !== 'transaction,problems') exclude(`result ${w[1]}`);
        if (w[2] !== '<inline>') exclude('result file');
        inResult = true;
        break;
      default: exclude(`command ${w[0]}`);
    }
  }
  subjobs.push(cur);
  return { packages, arch, systemRepo, subjobs };
}
