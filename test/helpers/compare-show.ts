/**
 * Field-for-field comparison of `bazaar show --json` with what rpm says of the same file.
 * Returns the differences as readable lines (empty when they agree).
 */
import { formatDependency } from '../../src/rpm/dependency.js';
import type { Dependency } from '../../src/rpm/dependency.js';
import { DEP_KINDS, rpmSays } from './rpm-oracle.js';

export interface ShownPackage {
  name: string; epoch: number | null; version: string; release: string; arch: string; buildArch: string; nevra: string;
  id: string; rpm: string; buildtime: number; sourcerpm: string | null; summary: string; license: string; size: number;
  isSource: boolean;
  files: Array<{ path: string; mode: number; size: number; digest: string; linkto: string; user: string; group: string; flags: number; id?: string }>;
  [kind: string]: unknown;
}

export function compareWithRpm(path: string, shown: ShownPackage): string[] {
  const rpm = rpmSays(path);
  const diffs: string[] = [];
  const eq = (what: string, ours: unknown, theirs: unknown): void => {
    if (String(ours) !== String(theirs)) diffs.push(`${what}: bazaar ${JSON.stringify(ours)} rpm ${JSON.stringify(theirs)}`);
  };
  const f = rpm.fields;
  eq('name', shown.name, f.NAME);
  eq('epoch', shown.epoch === null ? '(none)' : shown.epoch, f.EPOCH);
  eq('version', shown.version, f.VERSION);
  eq('release', shown.release, f.RELEASE);
  // Source packages are addressed with arch `src`; rpm's ARCH tag is their build arch.
  eq('arch', shown.isSource ? shown.buildArch : shown.arch, f.ARCH);
  if (shown.isSource) eq('source arch', shown.arch, 'src');
  const epochPart = shown.epoch === null ? '' : `${shown.epoch}:`;
  eq('nevra', shown.nevra, `${shown.name}-${epochPart}${shown.version}-${shown.release}.${shown.arch}`);
  eq('buildtime', shown.buildtime, f.BUILDTIME);
  eq('sourcerpm', shown.sourcerpm ?? '(none)', f.SOURCERPM);
  eq('summary', shown.summary, f.SUMMARY);
  eq('license', shown.license, f.LICENSE);
  eq('size', shown.size, f.LONGSIZE);
  for (const kind of DEP_KINDS) {
    const ours = (shown[kind] as Dependency[]).map(formatDependency);
    const theirs = rpm.deps[kind] ?? [];
    if (ours.join('\n') !== theirs.join('\n')) diffs.push(`${kind}: bazaar [${ours.join(', ')}] rpm [${theirs.join(', ')}]`);
  }
  if (shown.files.length !== rpm.files.length) diffs.push(`files: bazaar has ${shown.files.length}, rpm ${rpm.files.length}`);
  shown.files.forEach((file, i) => {
    const r = rpm.files[i];
    if (!r) return;
    const ours = [file.path, file.mode, file.size, file.digest, file.linkto, file.user, file.group, file.flags].map(String);
    if (ours.join('\t') !== r.join('\t')) diffs.push(`file ${i}: bazaar ${ours.join(' ')} | rpm ${r.join(' ')}`);
  });
  return diffs;
}
