/**
 * Whether an image holds together: every requirement of its packages met and no conflict
 * between them (resolver/consistency.ts), counting what its link gives it from outside
 * (link-policy.ts outsidePackages: a partial parent's group packages, the provider of
 * bazaar(parent)). The answer depends only on the image (an id never changes content)
 * and on those outside builds, so it is kept per image id in memory and in the store's
 * derived cache, under a key of the outside builds: auditing 200 children reads 200
 * small entries, and a parent change re-checks only the children whose outside changed.
 */
import { createHash } from 'node:crypto';
import { setProblems } from '../resolver/index.js';
import type { SetProblem } from '../resolver/index.js';
import { readDerived, StoreMemory, writeDerived } from '../store/index.js';
import type { ObjectId, Store } from '../store/index.js';
import { installedRecord } from '../pkgdb/index.js';
import type { InstalledPackage } from '../pkgdb/index.js';
import { imagePackages } from './image-packages.js';
import { outsidePackages } from './link-policy.js';
import type { LinkRules } from './link-policy.js';

const KIND = 'image-closure';
/** Bumped when the checker changes what it reports: older entries are then recomputed. */
const CHECKER = 'closure 1';
const memory = new StoreMemory<string, SetProblem[]>(4096);

function parse(body: string, key: string): SetProblem[] | null {
  try {
    const v = JSON.parse(body) as { key?: unknown; problems?: unknown };
    if (v.key !== key || !Array.isArray(v.problems)) return null;
    for (const p of v.problems as Array<Partial<SetProblem>>) {
      if (typeof p?.text !== 'string' || typeof p.package !== 'string' || typeof p.dependency !== 'string' || !['requires', 'conflicts', 'obsoletes'].includes(p.kind as string)) return null;
    }
    return v.problems as SetProblem[];
  } catch { return null; }
}

/**
 * What keeps image `id` from holding together under `rules` (null: no link): empty when
 * it is whole. `db` loads its packages when the answer is not known yet.
 */
export async function imageClosure(store: Store, id: ObjectId, rules: LinkRules | null, db: () => Promise<readonly InstalledPackage[]>): Promise<SetProblem[]> {
  let loaded: readonly InstalledPackage[] | null = null;
  const load = async (): Promise<readonly InstalledPackage[]> => (loaded ??= await db());
  const names = new Set((await imagePackages(store, id, load)).map((p) => p.name));
  const outside = outsidePackages(rules, names);
  const key = createHash('sha256').update([CHECKER, ...outside.map((r) => r.buildId ?? '').sort()].join('\n')).digest('hex');
  const remembered = memory.get(store, `${id} ${key}`);
  if (remembered) return remembered;
  const body = readDerived(store.dir, KIND, id);
  let problems = body === null ? null : parse(body, key);
  if (!problems) {
    problems = setProblems((await load()).map(installedRecord), outside);
    writeDerived(store.dir, KIND, id, JSON.stringify({ key, problems }));
  }
  memory.set(store, `${id} ${key}`, problems);
  return problems;
}

/** The problems an image was not created with --nodeps despite (those on record are accepted, not news). */
export function unaccepted(problems: readonly SetProblem[], image: { nodeps?: string[] }): SetProblem[] {
  const accepted = new Set(image.nodeps ?? []);
  return problems.filter((p) => !accepted.has(p.text));
}
