/**
 * Translated I18N strings (SUMMARY, DESCRIPTION, GROUP) as rpm 4.18 chooses them from
 * LANGUAGE / LC_ALL / LC_MESSAGES / LANG and the header's HEADERI18NTABLE: the corpus's
 * rpm-i18n (C, de, ja, fr, zh_CN) and an ALT-style package whose table names full
 * locales (ru_RU.UTF-8, uk_UA.UTF-8), installed by stock rpm, queried by rpm and by the
 * engine in the same environment. LC_TIME=C keeps rpm's dates in C where the locale is
 * installed (the engine prints C dates; docs/rpm-query.md).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TagType } from '../../src/rpm/tags.js';
import { tempDir } from '../helpers/cli.js';
import { makePackageRpm } from '../helpers/make-rpm.js';
import { engine, installRoot, removeRoot, rpm } from '../helpers/rpm-root.js';
import type { InstalledRoot } from '../helpers/rpm-root.js';
import { corpusDir, testWith } from '../helpers/tools.js';

const t = suite('I18N strings: the locale\'s translation, as rpm picks it');
const I18N_RPM = 'rpm-rs/RPMS/v6/rpm-i18n-1.0-1.noarch.rpm';

/** The environments: the locales, then rpm's fallbacks and precedence. */
const ENVS: Array<Record<string, string>> = [
  { LANG: 'de_DE.UTF-8' }, { LANG: 'ja_JP.UTF-8' }, { LANG: 'ru_RU.UTF-8' }, { LANG: 'C' }, { LANG: 'C.UTF-8' },
  { LANG: 'de_DE' }, { LANG: 'de' }, { LANG: 'de_AT.UTF-8@euro' }, { LANG: 'fr_FR.ISO-8859-1' }, { LANG: 'zh_TW.UTF-8' }, { LANG: 'zh' },
  { LANG: 'ru_RU' }, { LANG: 'ru' }, { LANG: 'uk_UA.UTF-8' }, { LANG: 'deutsch' },
  { LC_MESSAGES: 'ja_JP.UTF-8', LANG: 'de_DE.UTF-8' }, { LC_ALL: 'fr_FR.UTF-8', LC_MESSAGES: 'ja_JP.UTF-8', LANG: 'de_DE.UTF-8' },
  { LANGUAGE: 'xx:ja:de', LANG: 'fr_FR.UTF-8' }, { LANGUAGE: '', LANG: 'de_DE.UTF-8' }, { LC_ALL: '', LANG: 'de_DE.UTF-8' }, { LANGUAGE: ':de' },
  {},
];
const COMMANDS = [
  ['-qa', '--qf', '%{NAME}|%{SUMMARY}|%{GROUP}|%{SUMMARY:arraysize}|[%{SUMMARY} ]\n%{DESCRIPTION}\n'],
  ['-qi', 'rpm-i18n', 'alt-i18n'], ['-q', '--xml', 'alt-i18n'], ['-qg', 'Unspecified', 'System/Base'],
];

const environment = (vars: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_TIME: 'C' };
  for (const k of ['LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LANG']) delete env[k];
  return { ...env, ...vars };
};

/** A package as ALT builds them: Summary(ru_RU.UTF-8), full locale names in the table. */
function altPackage(dir: string): string {
  const file = join(dir, 'alt-i18n-1.0-alt1.noarch.rpm');
  const i18n = (tag: number, values: string[]) => ({ tag, type: TagType.I18NSTRING, value: values });
  writeFileSync(file, makePackageRpm({
    name: 'alt-i18n', version: '1.0', release: 'alt1', provides: [{ name: 'alt-i18n', flags: 8, version: '1.0-alt1' }],
    extra: [
      { tag: 100, type: TagType.STRING_ARRAY, value: ['C', 'ru_RU.UTF-8', 'uk_UA.UTF-8'] },
      i18n(1004, ['A package in three languages', 'Пакет на трёх языках', 'Пакет трьома мовами']),
      i18n(1005, ['Described in English.', 'Описание по-русски.', 'Опис українською.']),
      i18n(1016, ['System/Base', 'Система/Основа', 'Система/Основа']),
    ],
  }));
  return file;
}

let made: InstalledRoot | null = null;

testWith(t, 'SUMMARY, DESCRIPTION, GROUP, -qi and --xml in 22 environments: rpm\'s translation', ['rpm', 'corpus'], async () => {
  made = await installRoot([join(corpusDir, 'rpms', I18N_RPM), altPackage(tempDir('i18n'))], { justdb: true, prefix: 'i18n' });
  assert.is(made.packages.length, 2);
  // rpm itself translates (so the comparison proves something)
  assert.match(rpm(['--root', made.root, '-q', '--qf', '%{SUMMARY}', 'rpm-i18n'], environment({ LANG: 'de_DE.UTF-8' })).stdout.toString('utf8'), /^Testen der RPM-Internationalisierungsfunktionen$/);
  assert.match(rpm(['--root', made.root, '-q', '--qf', '%{SUMMARY}', 'alt-i18n'], environment({ LANG: 'ru_RU.UTF-8' })).stdout.toString('utf8'), /^Пакет на трёх языках$/);
  const failures: string[] = [];
  for (const vars of ENVS) {
    const env = environment(vars);
    for (const args of COMMANDS) {
      const full = ['--root', made.root, ...args];
      const want = rpm(full, env);
      // rpm's macros run a shell, which warns about an uninstalled LC_ALL locale: not rpm's answer
      want.stderr = want.stderr.replace(/^bash: warning: setlocale: .*\n/gm, '');
      const got = await engine(full, made.packages, made.root, env);
      if (!want.stdout.equals(got.stdout) || want.stderr !== got.stderr || want.status !== got.status) {
        failures.push(`${JSON.stringify(vars)} rpm ${args.join(' ')}:\n--- rpm (${want.status})\n${want.stdout.toString('utf8')}${want.stderr}--- engine (${got.status})\n${got.stdout.toString('utf8')}${got.stderr}`);
      }
    }
  }
  assert.equal(failures, [], failures.join('\n'));
});

testWith(t, 'package files (-qp) are translated the same way', ['rpm', 'corpus'], async () => {
  const file = join(corpusDir, 'rpms', I18N_RPM);
  for (const lang of ['de_DE.UTF-8', 'ja_JP.UTF-8', 'ru_RU.UTF-8', 'C']) {
    const env = environment({ LANG: lang });
    const args = ['-qp', '--nosignature', '--qf', '%{SUMMARY}\n%{DESCRIPTION}\n', file];
    assert.is((await engine(args, [], '/', env)).stdout.toString('utf8'), rpm(args, env).stdout.toString('utf8'), lang);
  }
});

t.after(() => { if (made) removeRoot(made.root); });

t.run();
