/**
 * In-memory `PackageSource` for tests, tools and examples, plus a compact builder so a
 * scenario reads like a spec file: `pkg('foo-1.0-1.x86_64', { requires: ['bar >= 2'] })`.
 */
import type { Dependency, DependencyFlags } from '../rpm/index.js';
import { BazaarError } from '../errors.js';
import { formatEvrWithEpoch, parseNevra } from '../rpm/index.js';
import type { PackageRecord, PackageSource } from './source.js';

export class MemorySource implements PackageSource {
  readonly label: string;
  private readonly list: PackageRecord[];

  constructor(packages: PackageRecord[], label = 'memory') {
    this.list = packages;
    this.label = label;
  }

  packages(): readonly PackageRecord[] { return this.list; }
}

export interface PkgSpec {
  provides?: string[];
  requires?: string[];
  /** Pre-requirements (Requires(pre)): order installs before the requirer. */
  prereqs?: string[];
  conflicts?: string[];
  obsoletes?: string[];
  files?: string[];
}

const OPS: ReadonlySet<string> = new Set(['=', '<', '>', '<=', '>=']);

/**
 * Parses `name`, `name OP evr` or a rich `(a or b)` expression into a Dependency. A rich
 * expression stays whole in `name`, as rpm and rpm-md keep it.
 */
export function parseDependency(text: string, pre = false): Dependency {
  const t = text.trim();
  if (t.startsWith('(')) return { name: t, flags: '', evr: '', ...(pre ? { pre } : {}) };
  const parts = t.split(/\s+/);
  if (parts.length === 1) return { name: parts[0], flags: '', evr: '', ...(pre ? { pre } : {}) };
  if (parts.length === 3 && OPS.has(parts[1])) {
    return { name: parts[0], flags: parts[1] as DependencyFlags, evr: parts[2], ...(pre ? { pre } : {}) };
  }
  throw new BazaarError('ERR_BAD_INPUT', `cannot parse dependency '${text}'`);
}

/**
 * A record's identity from `name-[epoch:]version-release.arch` (rpm/nevra.ts's parseNevra):
 * surrounding blanks ignored, epoch 0 when absent (a PackageRecord's epoch is a number),
 * ERR_BAD_INPUT when the text is not a NEVRA (where parseNevra gives null).
 */
export function recordNevra(nevra: string): { name: string; epoch: number; version: string; release: string; arch: string } {
  const n = parseNevra(nevra.trim());
  if (!n) throw new BazaarError('ERR_BAD_INPUT', `'${nevra}' is not name-[epoch:]version-release.arch`);
  return { ...n, epoch: n.epoch ?? 0 };
}

/** Builds one record; the self-provide `name = E:V-R` is added as rpm does. */
export function pkg(nevra: string, spec: PkgSpec = {}): PackageRecord {
  const id = recordNevra(nevra);
  const self: Dependency = { name: id.name, flags: '=', evr: formatEvrWithEpoch(id) };
  return {
    ...id,
    provides: [self, ...(spec.provides ?? []).map((d) => parseDependency(d))],
    requires: [...(spec.prereqs ?? []).map((d) => parseDependency(d, true)), ...(spec.requires ?? []).map((d) => parseDependency(d))],
    conflicts: (spec.conflicts ?? []).map((d) => parseDependency(d)),
    obsoletes: (spec.obsoletes ?? []).map((d) => parseDependency(d)),
    files: spec.files ?? [],
  };
}
