/**
 * Runs one command line through stock rpm and through the query engine over the same
 * root and reports every difference in stdout (bytes), stderr (text) and exit status.
 */
import type { InstalledPackage } from '../../src/rpm-query/installed-db.js';
import { engine, rpm } from './rpm-root.js';
import type { RpmRun } from './rpm-root.js';

/** The first differing line of two outputs, with a little context, for failure messages. */
function firstDifference(a: Buffer, b: Buffer): string {
  const la = a.toString('latin1').split('\n');
  const lb = b.toString('latin1').split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n      rpm:    ${JSON.stringify(la[i])}\n      bazaar: ${JSON.stringify(lb[i])}`;
  }
  return '(identical)';
}

export interface Root { root: string; packages: InstalledPackage[] }

/** Differences between rpm and the engine for `args` (with `--root` prepended), '' when none. */
export async function compareWithRpm(r: Root, args: string[]): Promise<string> {
  const full = ['--root', r.root, ...args];
  const want: RpmRun = rpm(full);
  const got = await engine(full, r.packages, r.root);
  const problems: string[] = [];
  if (!want.stdout.equals(got.stdout)) problems.push(`stdout differs at ${firstDifference(want.stdout, got.stdout)}`);
  if (want.stderr !== got.stderr) problems.push(`stderr differs at ${firstDifference(Buffer.from(want.stderr), Buffer.from(got.stderr))}`);
  if (want.status !== got.status) problems.push(`exit status: rpm ${want.status}, bazaar ${got.status}`);
  if (problems.length === 0) return '';
  const shown = full.length > 12 ? [...full.slice(0, 12), `... (${full.length - 12} more)`] : full;
  return `rpm ${shown.map((a) => JSON.stringify(a)).join(' ')}\n    ${problems.join('\n    ')}`;
}

/** rpm's answer as lines (latin1 byte strings), for building argument lists from it. */
export function rpmLines(root: string, args: string[]): string[] {
  return rpm(['--root', root, ...args]).stdout.toString('latin1').split('\n').filter(Boolean);
}

/** Only arguments that survive a trip through UTF-8 (argv is text for both programs). */
export function utf8Safe(values: string[]): string[] {
  return values.filter((v) => Buffer.from(Buffer.from(v, 'latin1').toString('utf8'), 'utf8').equals(Buffer.from(v, 'latin1')))
    .map((v) => Buffer.from(v, 'latin1').toString('utf8'));
}
