/** Builds throwaway RPMs with rpmbuild at test time, from specs the tests write. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder } from './rpm-files.js';
import { tempDir } from './cli.js';

/** Builds `spec` (its text) and returns the binary RPM paths it produced. */
export function rpmbuild(name: string, spec: string, extraDefines: string[] = []): string[] {
  const top = tempDir(`rpmbuild-${name}`);
  for (const d of ['SPECS', 'SOURCES', 'BUILD', 'RPMS', 'SRPMS', 'BUILDROOT']) mkdirSync(join(top, d), { recursive: true });
  const specPath = join(top, 'SPECS', `${name}.spec`);
  writeFileSync(specPath, spec);
  const defines = ['_topdir ' + top, 'debug_package %{nil}', '_build_id_links none', ...extraDefines];
  const args = ['-bb', '--nodeps', '--quiet', ...defines.flatMap((d) => ['--define', d]), specPath];
  const r = spawnSync('rpmbuild', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`rpmbuild ${name} failed:\n${r.stderr.slice(-3000)}`);
  return filesUnder(join(top, 'RPMS'), (n) => n.endsWith('.rpm'));
}
