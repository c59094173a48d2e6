/**
 * Packages nobody here has seen: specs generated at random at check time (dependency
 * kinds with versions, epochs and rich expressions, file modes, owners, symlinks, config,
 * doc, ghost and license files, every payload compressor), built with rpmbuild, added,
 * and compared field for field with rpm -qp; their files must read back byte-identical.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Store } from '../../src/store/store.js';
import { bazaar, freshStore } from '../helpers/cli.js';
import { compareWithRpm } from '../helpers/compare-show.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { seededRandom } from '../helpers/seeded-random.js';
import { testWith } from '../helpers/tools.js';

const t = suite('random specs');
const rand = seededRandom('random-specs');
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const word = (): string => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => pick('abcdefghijklmnopqrstuvwxyz'.split(''))).join('');
const version = (): string => Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(['0', '1', '2', '10', '3a', 'rc1', '2024'])).join(pick(['.', '.', '_', '+'])) + pick(['', '', '~beta', '^git1']);
const evr = (): string => `${pick(['', '', '1:', '0:'])}${version()}${pick(['', '-alt1', '-alt1.1'])}`;
const op = (): string => pick(['=', '<', '>', '<=', '>=']);
/** `range` limits the shapes: 0.6 names only, 0.8 no rich expressions, 1 everything. */
const dep = (range: number): string => {
  const kind = rand() * range;
  if (kind < 0.3) return word();
  if (kind < 0.6) return `${word()} ${op()} ${evr()}`;
  if (kind < 0.7) return `/usr/bin/${word()}`;
  if (kind < 0.8) return `lib${word()}.so.${Math.floor(rand() * 9)}()(64bit)`;
  const basic = [`(${word()} or ${word()})`, `(${word()} and (${word()} or ${word()}))`];
  // rpm accepts if/with/without only where they make sense: we use them in Requires.
  return pick(range > 1 ? [...basic, `(${word()} >= ${version()} with ${word()} < ${version()})`, `(${word()} if ${word()} else ${word()})`, `(${word()} without ${word()})`, `(${word()} if ${word()})`] : basic);
};

function randomSpec(name: string): string {
  // rpm allows rich (boolean) expressions in every kind but Provides and Obsoletes, and
  // only package names in Obsoletes.
  const range = (tag: string): number => (tag === 'Obsoletes' ? 0.6 : tag === 'Provides' ? 0.8 : tag === 'Requires' ? 1.0001 : 1);
  const deps = (tag: string): string => Array.from({ length: Math.floor(rand() * 4) }, () => `${tag}: ${dep(range(tag))}`).join('\n');
  const files: string[] = [];
  const install: string[] = ['mkdir -p %{buildroot}/opt/' + name + '/sub %{buildroot}/etc'];
  const count = 2 + Math.floor(rand() * 8);
  for (let i = 0; i < count; i++) {
    const path = `/opt/${name}/${rand() < 0.3 ? 'sub/' : ''}f${i}`;
    const bytes = Math.floor(rand() * (rand() < 0.2 ? 300_000 : 3000));
    install.push(`head -c ${bytes} /dev/urandom > %{buildroot}${path}`);
    const mode = pick(['0644', '0755', '0600', '4755', '0444']);
    const owner = pick(['root,root', 'nobody,nogroup', 'daemon,adm']);
    files.push(`${pick(['', '', '%doc ', '%license '])}%attr(${mode},${owner}) ${path}`);
  }
  install.push(`echo conf > %{buildroot}/etc/${name}.conf`, `ln -s f0 %{buildroot}/opt/${name}/link`);
  files.push(`%config${pick(['', '(noreplace)'])} /etc/${name}.conf`, `/opt/${name}/link`, `%dir /opt/${name}/sub`, `%ghost /var/log/${name}.log`);
  return `
Name: ${name}
${rand() < 0.3 ? `Epoch: ${Math.floor(rand() * 5)}` : ''}
Version: ${version().replace(/[~^]/g, '.')}
Release: alt${1 + Math.floor(rand() * 9)}
Summary: Random package ${name}
License: ${pick(['GPL-2.0-or-later', 'MIT', 'BSD-3-Clause'])}
Group: ${pick(['System/Base', 'Development/Other'])}
URL: https://example.org/${name}
BuildArch: noarch
AutoReqProv: no
${deps('Requires')}
${deps('Provides')}
${deps('Conflicts')}
${deps('Obsoletes')}
${deps('Recommends')}
${deps('Suggests')}
${deps('Supplements')}
${deps('Enhances')}
%description
Generated at test time.
%install
${install.join('\n')}
mkdir -p %{buildroot}/var/log
%files
${files.join('\n')}
`;
}

testWith(t, 'random specs built with rpmbuild agree with rpm -qp and read back byte-identical', ['rpmbuild', 'rpm'], async () => {
  const payloads = ['w9.gzdio', 'w2.xzdio', 'w3.zstdio', 'w9.bzdio', 'w0.ufdio', 'w6.lzdio'];
  const built: string[] = [];
  for (let i = 0; i < 8; i++) {
    const name = `rnd${i}${word()}`;
    built.push(...rpmbuild(name, randomSpec(name), [`_binary_payload ${payloads[i % payloads.length]}`]));
  }
  const dir = freshStore('random');
  const add = bazaar(['add', '--unpack', '--json', '--store', dir, ...built]);
  assert.is(add.status, 0, add.stderr);
  const store = await Store.open(dir);
  for (const a of JSON.parse(add.stdout) as Array<{ nevra: string; path: string; id: string }>) {
    const shown = JSON.parse(bazaar(['show', '--json', '--store', dir, a.nevra]).stdout);
    assert.equal(compareWithRpm(a.path, shown), [], a.path);
    for (const f of shown.files) if (f.id) assert.is(f.size, (await store.readBytes(f.id)).length);
  }
});

t.run();
