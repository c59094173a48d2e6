import { BazaarError } from '../../errors.js';
import { formatDependency } from '../../rpm/names.js';
import type { BuildRecord, BuildVariant, PackageManifest } from '../../store/open.js';
import { expectArgs } from '../command.js';
import { withPackageArgs } from '../package-args.js';
import type { Command } from '../command.js';

function describe(m: PackageManifest, b: BuildRecord, served: BuildVariant): string {
  const deps = (label: string, list: PackageManifest['requires']): string[] =>
    list.length ? [`${label}:`, ...list.map((d) => `  ${formatDependency(d)}`)] : [];
  return [
    `${m.nevra}  ${b.header}`,
    `Summary:   ${m.summary}`,
    `License:   ${m.license}`,
    `Group:     ${m.group}`,
    `Built:     ${new Date(m.buildtime * 1000).toISOString()} on ${m.buildhost}`,
    `Source:    ${m.sourcerpm ?? '(source package)'}`,
    `Size:      ${m.size} bytes installed, ${served.size} bytes as .rpm (${served.rpm})`,
    ...(b.variants.length > 1 ? [`Variants:  ${b.variants.map((v) => `${v.rpm.slice(0, 19)} (${v.signatures.join('+') || 'unsigned'})`).join(', ')}`] : []),
    ...deps('Provides', m.provides), ...deps('Requires', m.requires), ...deps('Conflicts', m.conflicts),
    ...deps('Obsoletes', m.obsoletes), ...deps('Recommends', m.recommends), ...deps('Suggests', m.suggests),
    ...deps('Supplements', m.supplements), ...deps('Enhances', m.enhances),
    `Files (${m.files.length}):`,
    ...m.files.map((f) => `  ${f.mode.toString(8).padStart(7, '0')} ${f.user}/${f.group} ${String(f.size).padStart(9)} ${f.path}${f.linkto ? ` -> ${f.linkto}` : ''}`),
  ].join('\n');
}

export const show: Command = {
  name: 'show',
  usage: 'bazaar show PKG [--store DIR] [--json]',
  help: `Shows a package's header metadata, every dependency kind and its file list.
PKG is any of: name-[epoch:]version-release.arch (an epoch of 0 may be left out),
name-version-release, name-version, name.arch, a bare name (when it names one build),
the build id 'bazaar ls' prints, or the path of an .rpm file (rpm -qp style: the stored
build with the same header). A package the store lacks that an on-demand mirror's
metadata lists is fetched from the upstream first, checked and added (docs/mirrors.md).

With --json: one object whose dependency lists read {name, flags, evr} exactly as
rpm -qp --requires prints them, whose files carry path, mode, size, digest, linkto,
user, group and flags (rpm's numeric file flags), plus "id" (the build id), "rpm" (the
.rpm served: the most recent signed variant), "variants" (each .rpm of the build with
"signers": every signature's key id, rpm's description and status, and "verified",
checked with the store's trusted keys ('bazaar key'), and rpm's "verdict") and "manifest".

Example:
  bazaar show --json webserver | jq '.requires'`,
  options: {},
  quick: true,
  async run({ positionals, openStore, json: asJson }) {
    expectArgs(positionals, 1, 1, 'bazaar show PKG');
    const store = await openStore();
    // imported here, not at the top: `show --help` need not load the store's read half
    const { packageDetails, servedVariant } = await import('../../store/open.js');
    const details = (ref: string) => store.read(async (snap) => {
      const { json, manifest, build } = await packageDetails(store, snap, ref, { judge: asJson });
      return { exitCode: 0, json, text: describe(manifest, build, servedVariant(build)) };
    });
    return withPackageArgs(positionals, async ([ref]) => {
      try { return await details(ref as string); } catch (err) {
        // Known only by an on-demand mirror's metadata: fetched now, then shown. Loaded
        // here only: the library brings the mirror and the rpm-md writer, 600 KB of code
        // that a `show` of a stored package would compile for nothing.
        if (!(err instanceof BazaarError && err.code === 'ERR_PACKAGE_NOT_FOUND')) throw err;
        const { fetchKnownPackage } = await import('../../library/index.js');
        if (!(await fetchKnownPackage(store, { ref: ref as string }))) throw err;
        return details(ref as string);
      }
    });
  },
};
