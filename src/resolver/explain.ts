/**
 * The only code that turns failure causes into text. A problem is told the way a packager
 * reads it: the job first, then the chain of requirements that leads from it, then what
 * breaks the chain (nothing provides it, a conflict, an obsoletes, one build per name).
 * The switch over `Cause` is exhaustive: a new kind of cause does not compile until it
 * is explained here.
 */
import { formatDependency } from '../rpm/index.js';
import type { Cause } from './cause.js';
import { formatJob } from './job.js';
import type { Pool } from './provides-index.js';

function assertNever(x: never): never { throw new Error(`unexplained cause ${JSON.stringify(x)}`); }

function list(pool: Pool, ids: readonly number[], max = 5): string {
  const names = ids.slice(0, max).map((id) => pool.nevra(id));
  return ids.length > max ? `${names.join(', ')} and ${ids.length - max} more` : names.join(', ');
}

/** One line for one cause. */
export function explainCause(pool: Pool, cause: Cause): string {
  switch (cause.kind) {
    case 'job':
      return `the job asks to ${formatJob(cause.job)} (${list(pool, cause.candidates)})`;
    case 'noCandidates': {
      if (cause.job.kind !== 'install') return `nothing matches ${formatJob(cause.job)}`;
      const what = cause.job.byProvides ? 'nothing provides' : 'no package named';
      const base = `${what} ${cause.job.name}${cause.job.flags ? ` ${cause.job.flags} ${cause.job.evr}` : ''} can be installed here`;
      return cause.otherArches.length ? `${base} (${list(pool, cause.otherArches, 3)}: not for this system's architecture ${pool.arch})` : base;
    }
    case 'erase':
      return `the job asks to erase ${pool.nevra(cause.pkg)}`;
    case 'requires': {
      const who = pool.nevra(cause.pkg);
      const dep = formatDependency(cause.dep);
      if (cause.providers.length === 0) {
        const near = pool.byName.get(cause.dep.name);
        const hint = near && near.length ? ` (available: ${list(pool, near, 3)})` : '';
        return `${who} requires ${dep}, but nothing provides it${hint}`;
      }
      return `${who} requires ${dep}, provided by ${list(pool, cause.providers)}`;
    }
    case 'conflicts': {
      const base = `${pool.nevra(cause.pkg)} conflicts with ${formatDependency(cause.dep)}, which ${list(pool, cause.others)} provides`;
      // name the provide that matched: an unversioned one matching a versioned conflict surprises packagers
      const other = cause.others.length === 1 ? pool.packages[cause.others[0]] : null;
      const prov = other?.record.provides.find((d) => d.name === cause.dep.name);
      if (!other || !prov || other.name === cause.dep.name) return base;
      return `${base} as '${formatDependency(prov)}'${prov.flags === '' && cause.dep.flags !== '' ? ' (an unversioned provide matches every version)' : ''}`;
    }
    case 'obsoletes':
      return `${pool.nevra(cause.pkg)} obsoletes ${formatDependency(cause.dep)}, which matches ${pool.nevra(cause.other)}`;
    case 'sameName':
      return `only one build of ${pool.packages[cause.a].name} can be installed: ${pool.nevra(cause.a)} or ${pool.nevra(cause.b)}`;
    case 'keepInstalled':
      return cause.replacements.length
        ? `${pool.nevra(cause.pkg)} is installed and stays, or is replaced by ${list(pool, cause.replacements)}`
        : `${pool.nevra(cause.pkg)} is installed and stays (nothing replaces it)`;
    case 'policy':
      return `${cause.policy}: ${cause.message}${cause.hint ? ` (hint: ${cause.hint})` : ''}`;
    default:
      return assertNever(cause);
  }
}

/** Packages a cause is "about" (the chain is walked from the job through these). */
function subjects(c: Cause): number[] {
  switch (c.kind) {
    case 'job': return [];
    case 'noCandidates': return [];
    case 'erase': return [c.pkg];
    case 'requires': return [c.pkg];
    case 'conflicts': return [c.pkg];
    case 'obsoletes': return [c.pkg];
    case 'sameName': return [c.a, c.b];
    case 'keepInstalled': return [c.pkg];
    case 'policy': return c.pkgs;
    default: return assertNever(c);
  }
}

function reaches(c: Cause): number[] {
  switch (c.kind) {
    case 'job': return c.candidates;
    case 'requires': return c.providers;
    case 'keepInstalled': return [c.pkg, ...c.replacements];
    default: return [];
  }
}

/**
 * Orders causes as a chain from the job (breadth-first along requirements), then the
 * rest; deterministic for goldens. Returns the lines of one problem.
 */
export function explainProblem(pool: Pool, causes: readonly Cause[]): string[] {
  const rank = (c: Cause): number => (c.kind === 'job' || c.kind === 'noCandidates' || c.kind === 'erase' || c.kind === 'keepInstalled' ? 0 : 1);
  const todo = [...causes].sort((a, b) => rank(a) - rank(b));
  const out: Cause[] = [];
  const reached = new Set<number>();
  while (todo.length) {
    let i = todo.findIndex((c) => rank(c) === 0 || subjects(c).some((p) => reached.has(p)));
    if (i < 0) i = 0;
    const [c] = todo.splice(i, 1);
    out.push(c);
    for (const p of reaches(c)) reached.add(p);
    for (const p of subjects(c)) reached.add(p);
  }
  const lines = out.map((c) => explainCause(pool, c));
  return lines;
}

/** How telling a cause is as the headline of a problem (lower first). */
function headlineRank(c: Cause): number {
  switch (c.kind) {
    case 'noCandidates': return 0;
    case 'requires': return c.providers.length === 0 ? 1 : 8;
    case 'conflicts': return 2;
    case 'obsoletes': return 3;
    case 'policy': return 4;
    case 'sameName': return 5;
    case 'keepInstalled': return 6;
    case 'erase': return 7;
    case 'job': return 9;
    default: return assertNever(c);
  }
}

/** One problem as one string: a headline (the most telling cause), then the chain, indented. */
export function renderProblem(pool: Pool, causes: readonly Cause[]): string {
  const lines = explainProblem(pool, causes);
  let culprit: Cause | undefined;
  for (const c of causes) if (!culprit || headlineRank(c) < headlineRank(culprit)) culprit = c;
  const head = culprit ? `problem: ${explainCause(pool, culprit)}` : 'problem: no solution';
  return [head, ...lines.map((l) => `  - ${l}`)].join('\n');
}
