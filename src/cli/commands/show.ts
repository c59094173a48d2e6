import { BazaarError } from '../../errors.js';
import { formatDependency } from '../../rpm/dependency.js';
import { Store } from '../../store/store.js';
import type { PackageManifest } from '../../store/ingest-rpm.js';
import type { Command } from '../command.js';

function describe(m: PackageManifest, id: string): string {
  const deps = (label: string, list: PackageManifest['requires']): string[] =>
    list.length ? [`${label}:`, ...list.map((d) => `  ${formatDependency(d)}`)] : [];
  return [
    `${m.nevra}  ${id}`,
    `Summary:   ${m.summary}`,
    `License:   ${m.license}`,
    `Group:     ${m.group}`,
    `Built:     ${new Date(m.buildtime * 1000).toISOString()} on ${m.buildhost}`,
    `Source:    ${m.sourcerpm ?? '(source package)'}`,
    `Size:      ${m.size} bytes installed, ${m.rpmSize} bytes as .rpm (${m.rpm})`,
    ...deps('Provides', m.provides), ...deps('Requires', m.requires), ...deps('Conflicts', m.conflicts),
    ...deps('Obsoletes', m.obsoletes), ...deps('Recommends', m.recommends), ...deps('Suggests', m.suggests),
    ...deps('Supplements', m.supplements), ...deps('Enhances', m.enhances),
    `Files (${m.files.length}):`,
    ...m.files.map((f) => `  ${f.mode.toString(8).padStart(7, '0')} ${f.user}/${f.group} ${String(f.size).padStart(9)} ${f.path}${f.linkto ? ` -> ${f.linkto}` : ''}`),
  ].join('\n');
}

export const show: Command = {
  name: 'show',
  summary: 'show one package: metadata, dependencies, files',
  usage: 'bazaar show NEVRA|NAME [--store DIR] [--json]',
  help: `Shows a package's header metadata, every dependency kind and its file list.
The package may be named as name-version-release.arch, name-epoch:version-release.arch
(an epoch of 0 may be left out), or by bare name when only one build has that name.
With --json: one object whose dependency lists read {name, flags, evr} exactly as
rpm -qp --requires prints them, and whose files carry path, mode, size, digest, linkto,
user, group and flags (rpm's numeric file flags).

Example:
  bazaar show --json webserver | jq '.requires'`,
  options: {},
  async run({ positionals, storeDir }) {
    if (positionals.length !== 1) throw new BazaarError('ERR_USAGE', 'name one package: bazaar show NEVRA|NAME');
    const store = await Store.open(storeDir);
    const { id } = await store.resolvePackage(positionals[0]);
    const m = await store.manifest(id);
    const { type: _type, ...rest } = m;
    return { exitCode: 0, json: { ...rest, id }, text: describe(m, id) };
  },
};
