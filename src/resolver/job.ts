/**
 * What a caller asks of the resolver. Names select packages by name (any compatible
 * arch), as libsolv's SELECTION_NAME does; an optional range narrows the versions.
 */
import type { DependencyFlags } from '../rpm/index.js';

export type Job =
  /** Some package of this name (in range) must be installed; an installed one counts. */
  | { kind: 'install'; name: string; flags?: DependencyFlags; evr?: string; byProvides?: boolean }
  /** Every installed package of this name goes (and what only it kept working). */
  | { kind: 'erase'; name: string }
  /** Installed packages of this name move to the best installable version. */
  | { kind: 'upgrade'; name: string }
  /** Every installed package moves to its best installable version. */
  | { kind: 'upgradeAll' };

/** `install foo >= 2`, `erase bar`, `upgrade-all`: how jobs read in messages. */
export function formatJob(job: Job): string {
  switch (job.kind) {
    case 'install': return `install ${job.byProvides ? 'provides ' : ''}${job.name}${job.flags ? ` ${job.flags} ${job.evr}` : ''}`;
    case 'erase': return `erase ${job.name}`;
    case 'upgrade': return `upgrade ${job.name}`;
    case 'upgradeAll': return 'upgrade-all';
  }
}
