/**
 * `bazaar resolve`: solve install/erase/upgrade jobs against an rpm-md repository (or a
 * cached universe), or many install jobs from a file, one JSON line each.
 */
import { readFile } from 'node:fs/promises';
import { BazaarError, pathError } from '../../errors.js';
import { readRepository } from '../../rpmmd/index.js';
import {
  channelSource, installOrder, loadUniverseCache, Pool, readInstalled, renderProblem, resolve, saveUniverseCache,
} from '../../resolver/index.js';
import type { Job, PackageSource } from '../../resolver/index.js';
import type { Command, CommandInput, CommandOutput } from '../command.js';

function strings(v: string | boolean | string[] | undefined): string[] {
  if (v === undefined || typeof v === 'boolean') return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

async function openUniverse(input: CommandInput): Promise<PackageSource> {
  const repo = input.options.repo as string | undefined;
  const cache = input.options.cache as string | undefined;
  const channel = input.options.channel as string | undefined;
  if ([repo, cache, channel].filter(Boolean).length !== 1) {
    throw new BazaarError('ERR_USAGE', 'give exactly one of --repo DIR, --cache DIR or --channel NAME');
  }
  if (channel) {
    const store = await input.openStore();
    return store.read((snap) => channelSource(store, snap, channel));
  }
  if (cache) return loadUniverseCache(cache);
  return readRepository(repo!);
}

/** Runs a jobs file: one line per job, names to install into an empty system. */
async function runJobs(pool: Pool, file: string): Promise<string> {
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch (err) { throw pathError(err, file, 'jobs file'); }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const names = t.split(/\s+/);
    const t0 = performance.now();
    const res = resolve(pool, { jobs: names.map((name): Job => ({ kind: 'install', name })) });
    const ms = Math.round((performance.now() - t0) * 1000) / 1000;
    if (res.ok) out.push(JSON.stringify({ job: names, ok: true, install: res.install.map((id) => pool.key(id)).sort(), ms }));
    else out.push(JSON.stringify({ job: names, ok: false, problems: res.problems.map((c) => renderProblem(pool, c)), ms }));
  }
  return out.join('\n');
}

export const resolveCommand: Command = {
  name: 'resolve',
  usage: 'bazaar resolve --repo DIR|--cache DIR|--channel NAME [--installed FILE] [--install PKG...] [--erase PKG] [--upgrade PKG] [--upgrade-all] [--jobs FILE] [--json]',
  help: `
Finds the packages to install (newest builds, best arch, fewest additions, installed
packages kept) so that every requirement holds and nothing conflicts, in install order;
or explains, as a chain from the job to the broken dependency, why no such set exists.
Names after --install are installed and names after --erase erased (repeat the option
or use a comma list when giving both); --upgrade and --multiversion take one name each
time or a comma-separated list.

  bazaar resolve --repo ./repo --install vim-enhanced git
  bazaar resolve --repo ./repo --installed installed.txt --upgrade-all --json
  bazaar resolve --repo ./universe --jobs jobs.txt      # one JSON line per job
  bazaar resolve --repo ./universe --write-cache ./cache # then: --cache ./cache (warm start)

With --jobs, each line of FILE is a job (names to install into an empty system) and
the output is one JSON line per job: {"job": [...], "ok": true, "install": [NEVRA...],
"ms": N} or {"job": [...], "ok": false, "problems": ["..."]}. NEVRAs always carry the
epoch. See docs/resolver.md.`,
  options: {
    repo: { type: 'string', describe: 'an rpm-md repository directory (repodata/repomd.xml)' },
    cache: { type: 'string', describe: 'a universe cache directory written by saveUniverseCache' },
    channel: { type: 'string', describe: 'a channel of the store (--store DIR)' },
    installed: { type: 'string', describe: 'the installed set: NEVRA per line, or a JSON list' },
    install: { type: 'string', multiple: true, describe: 'package name(s) to install' },
    erase: { type: 'string', multiple: true, describe: 'package name(s) to erase' },
    upgrade: { type: 'string', multiple: true, describe: 'package name(s) to upgrade' },
    'upgrade-all': { type: 'boolean', describe: 'upgrade every installed package' },
    multiversion: { type: 'string', multiple: true, describe: 'names that may be installed in several versions (kernel)' },
    arch: { type: 'string', describe: 'system arch (default x86_64)' },
    jobs: { type: 'string', describe: 'solve each line of FILE as an install job; JSON lines out' },
    'write-cache': { type: 'string', describe: 'also write a universe cache of the loaded repository to DIR (for --cache)' },
  },
  async run(input: CommandInput): Promise<CommandOutput> {
    const source = await openUniverse(input);
    const cacheOut = input.options['write-cache'] as string | undefined;
    if (cacheOut) await saveUniverseCache(cacheOut, source).catch((err: unknown) => { throw pathError(err, cacheOut, 'cache directory'); });
    const installedFile = input.options.installed as string | undefined;
    const installed = installedFile ? await readInstalled(installedFile, source) : [];
    const pool = new Pool(source, { arch: (input.options.arch as string | undefined) ?? 'x86_64', installed });
    if (input.options.jobs) return { exitCode: 0, text: await runJobs(pool, input.options.jobs as string) };


    // `--install a b c` arrives as install=[a] plus positionals [b, c] (and likewise for
    // --erase): extra names belong to whichever of the two was given; with both, they
    // are ambiguous and must be spelled as repeated options or a comma list.
    const installs = strings(input.options.install);
    const erases = strings(input.options.erase);
    if (input.positionals.length && installs.length && erases.length) {
      throw new BazaarError('ERR_USAGE', `with both --install and --erase, give each name its own option or a comma list (not: ${input.positionals.join(' ')})`);
    }
    if (erases.length && !installs.length) erases.push(...input.positionals); else installs.push(...input.positionals);
    const jobs: Job[] = [
      ...installs.map((name): Job => ({ kind: 'install', name })),
      ...erases.map((name): Job => ({ kind: 'erase', name })),
      ...strings(input.options.upgrade).map((name): Job => ({ kind: 'upgrade', name })),
      ...(input.options['upgrade-all'] ? [{ kind: 'upgradeAll' } as Job] : []),
    ];
    if (jobs.length === 0) {
      if (cacheOut) return { exitCode: 0, json: { cache: cacheOut, packages: source.packages().length }, text: `universe cache of ${source.packages().length} packages written to ${cacheOut}` };
      throw new BazaarError('ERR_USAGE', 'nothing to do: give --install, --erase, --upgrade, --upgrade-all or --jobs');
    }
    const res = resolve(pool, { jobs, multiversion: strings(input.options.multiversion) });
    if (!res.ok) {
      const problems = res.problems.map((c) => renderProblem(pool, c));
      return { exitCode: 1, json: { ok: false, problems }, text: problems.join('\n') };
    }
    // --json in keys (the epoch always: what tools compare), the text as bazaar prints builds
    const spell = (as: (id: number) => string): { order: string[]; erase: string[]; upgrade: Array<{ from: string; to: string }> } => ({
      order: installOrder(pool, res.install).map(as),
      erase: res.erase.map(as).sort(),
      // an erased build whose name is installed anew is an upgrade (or downgrade): show it so
      upgrade: res.erase.flatMap((old) => {
        const to = res.install.find((id) => pool.packages[id].name === pool.packages[old].name);
        return to === undefined ? [] : [{ from: as(old), to: as(to) }];
      }),
    });
    const keys = spell((id) => pool.key(id));
    const { order, erase, upgrade } = spell((id) => pool.nevra(id));
    const text = [
      order.length ? `install (${order.length}, in order):\n${order.map((n) => `  ${n}`).join('\n')}` : 'nothing to install',
      ...(upgrade.length ? [`of which upgrades (${upgrade.length}):\n${upgrade.map((u) => `  ${u.from} -> ${u.to}`).join('\n')}`] : []),
      ...(erase.length ? [`erase (${erase.length}):\n${erase.map((n) => `  ${n}`).join('\n')}`] : []),
    ].join('\n');
    return { exitCode: 0, json: { ok: true, install: keys.order, erase: keys.erase, upgrade: keys.upgrade }, text };
  },
};
