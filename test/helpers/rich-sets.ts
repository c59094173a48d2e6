/**
 * Small package sets with random dependencies, rich ones above all, for checking -V's
 * dependency checks against rpm's: a few packages sharing a few capability names, file
 * paths and each other's names, with Requires, Conflicts and Obsoletes drawn from
 * atoms (versioned or not, files, rpmlib(), names nobody provides) and rich expressions
 * of every operator rpm knows (and, or, if, if-else, unless, unless-else, with,
 * without), nested. Conflicts often name what their own package provides, and rich
 * Requires often put a provided name in a negated place (`(a if b else c)`), the cases
 * rpm's reverse checks are for. Written with make-rpm.ts: header only, no payload.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePackageRpm } from './make-rpm.js';
import type { DepSpec, FileSpec, PackageSpec } from './make-rpm.js';

const EQUAL = 8;
const SENSES: Array<[string, number]> = [['<', 2], ['>', 4], ['=', 8], ['<=', 10], ['>=', 12]];
const SCRIPT_PRE = 1 << 9;
const MISSINGOK = 1 << 19;
const RPMLIB = 1 << 24;

export interface RichSetOptions {
  /** Packages in the set (default 3 to 6). */
  count?: number;
  /** Give packages files (default true); make-rpm writes no payload for them. */
  files?: boolean;
  /** File paths the dependencies name (default: the ones the set's packages may own). */
  paths?: string[];
}

export function richSet(rand: () => number, setIndex: number, options: RichSetOptions = {}): PackageSpec[] {
  const pick = <X>(xs: readonly X[]): X => xs[Math.floor(rand() * xs.length)];
  const count = options.count ?? 3 + Math.floor(rand() * 4);
  const names = Array.from({ length: count }, (_, i) => `r${setIndex}p${i}`);
  const caps = ['capa', 'capb', 'capc', 'capd', 'cape'];
  const owned = ['/opt/rich/f0', '/opt/rich/f1', '/opt/rich/sub/f2'];
  const paths = options.paths ?? owned;
  const versions = ['1', '2', '3'];
  const atom = (): string => {
    const r = rand();
    if (r < 0.45) return rand() < 0.3 ? `${pick(caps)} ${pick(SENSES)[0]} ${pick(versions)}` : pick(caps);
    if (r < 0.65) return rand() < 0.3 ? `${pick(names)} ${pick(SENSES)[0]} ${pick(versions)}-1` : pick(names);
    if (r < 0.85) return pick(paths);
    if (r < 0.92) return 'nosuchcap';
    return pick(['rpmlib(RichDependencies)', 'rpmlib(NoSuchFeature)']);
  };
  const operand = (depth: number): string => (depth > 0 && rand() < 0.35 ? expr(depth - 1) : atom());
  const expr = (depth: number): string => {
    const a = operand(depth);
    const b = operand(depth);
    switch (pick(['and', 'or', 'if', 'ifelse', 'unless', 'unlesselse', 'with', 'without'])) {
      case 'ifelse': return `(${a} if ${b} else ${operand(depth)})`;
      case 'unlesselse': return `(${a} unless ${b} else ${operand(depth)})`;
      case 'if': return `(${a} if ${b})`;
      case 'unless': return `(${a} unless ${b})`;
      case 'and': return `(${a} and ${b})`;
      case 'or': return `(${a} or ${b})`;
      case 'with': return `(${a} with ${b})`;
      default: return `(${a} without ${b})`;
    }
  };
  /** A plain dependency from an atom's text (`name op evr`). */
  const plain = (text: string, extraFlags = 0): DepSpec => {
    const [name, op, evr] = text.split(' ');
    const sense = op ? SENSES.find(([o]) => o === op)![1] : 0;
    return { name, flags: sense | extraFlags, version: evr ?? '' };
  };
  /** rpmbuild marks rpmlib() requirements RPMSENSE_RPMLIB. */
  const requirement = (d: DepSpec): DepSpec => (String(d.name).startsWith('rpmlib(') ? { ...d, flags: (d.flags ?? 0) | RPMLIB } : d);
  const deps = (max: number, richShare: number, extra: () => number = () => 0): DepSpec[] => Array.from({ length: Math.floor(rand() * (max + 1)) }, () => {
    if (rand() < richShare) return { name: expr(2), flags: extra(), version: '' };
    return plain(atom(), extra());
  });
  return names.map((name, i): PackageSpec => {
    const version = pick(versions);
    const provides: DepSpec[] = [{ name, flags: EQUAL, version: `${version}-1` }];
    for (let k = Math.floor(rand() * 4); k > 0; k--) provides.push(rand() < 0.4 ? { name: pick(caps), flags: EQUAL, version: pick(versions) } : { name: pick(caps) });
    const files: FileSpec[] = options.files === false ? [] : owned.filter(() => rand() < 0.3).map((path) => ({ path, size: 0 }));
    const reqFlags = (): number => (rand() < 0.1 ? SCRIPT_PRE : rand() < 0.05 ? MISSINGOK : 0);
    return {
      name, version, release: '1', buildtime: 1700000000 + i,
      files, provides,
      requires: deps(3, 0.7, reqFlags).map(requirement),
      conflicts: deps(2, 0.6),
      obsoletes: rand() < 0.2 ? [plain(rand() < 0.5 ? pick(names) : `${pick(names)} < ${pick(versions)}`)] : [],
    };
  });
}

/** Writes the set's packages into `dir`; returns their paths. */
export function writeRichSet(packages: PackageSpec[], dir: string): string[] {
  return packages.map((p) => {
    const file = join(dir, `${String(p.name)}-${String(p.version)}-${String(p.release)}.noarch.rpm`);
    writeFileSync(file, makePackageRpm(p));
    return file;
  });
}
