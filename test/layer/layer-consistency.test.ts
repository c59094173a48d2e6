/**
 * Layers and images hold together as `rpm -i` of their packages would check them (issue
 * 17, defect 4): `layer create --package` of packages that conflict (webserver and
 * lighttpd) or lack what they need (webapp alone) is refused with rpm's reasons, the
 * very lines `rpm -i --test` prints for the same files; `--nodeps` publishes it with
 * them recorded, shown by `layer show` and `audit`; an image whose layers do not
 * complete each other, or whose layers' packages own one path differently, is refused
 * instead of created stuck; an install whose files clash with a lower layer's is refused.
 */
import { basename } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshStore } from '../helpers/cli.js';
import { bazaarFast } from '../helpers/cli-fast.js';
import { sampleRpms } from '../helpers/rpm-files.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { rpmWouldInstall } from '../helpers/rpm-set.js';
import { testWith } from '../helpers/tools.js';

const t = suite('layer and image consistency');

interface Run { status: number | null; stdout: string; stderr: string }
const run = (store: string, args: string[]): Run => {
  const r = bazaarFast(args, { env: { BAZAAR_STORE: store } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const ok = (store: string, args: string[]): string => { const r = run(store, args); assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`); return r.stdout; };

const SAMPLE = sampleRpms().filter((f) => /RPMS\/(x86_64|noarch)\//.test(f));
const file = (name: string): string => SAMPLE.find((f) => basename(f).startsWith(name)) as string;
const BASE = ['filesystem', 'setup', 'libc6-2.38-alt2.x86_64', 'bash-5.2.26-alt2.x86_64'];

let base = '';
function store(): string {
  if (!base) {
    base = freshStore('layer-consistency');
    ok(base, ['add', ...SAMPLE]);
    ok(base, ['channel', 'create', 's']);
    ok(base, ['channel', 'add', 's', ...BASE, 'coreutils', 'passwd', 'zlib-1.3.1-alt1.x86_64', 'libssl3', 'ca-certificates', 'lighttpd', 'webserver']);
    ok(base, ['layer', 'create', 'base@1.0.0', '--package', ...BASE]);
  }
  return base;
}

/** The refusal's reasons, from `--json`'s error data. */
function reasons(r: Run): string[] {
  return (JSON.parse(r.stdout) as { error: { data: { problems: string[] } } }).error.data.problems;
}

testWith(t, 'webserver + lighttpd: refused with the conflicts and unmet requirements rpm -i names for the same files, nothing published', ['rpm'], () => {
  const s = store();
  const r = run(s, ['layer', 'create', '--json', 'web@1.0.0', '--package', 'webserver', 'lighttpd']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'lighttpd conflicts with webserver-1.24.0-alt1.x86_64');
  assert.match(r.stderr, '--nodeps');
  const rpm = rpmWouldInstall([file('webserver-1'), file('lighttpd')]);
  assert.not.ok(rpm.ok);
  assert.equal([...reasons(r)].sort(), [...rpm.problems].sort(), 'the same problems as rpm -i --test');
  assert.not.match(ok(s, ['layer', 'ls']), 'web');
});

testWith(t, 'webapp alone: refused with its unmet requirements (a rich one included), as rpm -i --test lists them', ['rpm'], () => {
  const s = store();
  const r = run(s, ['layer', 'create', '--json', 'app@1.0.0', '--package', 'webapp']);
  assert.is(r.status, 1, r.stderr);
  const rpm = rpmWouldInstall([file('webapp-2')]);
  assert.equal([...reasons(r)].sort(), [...rpm.problems].sort());
  assert.ok(reasons(r).includes('(webserver or lighttpd) is needed by webapp-2.4.1-alt1.noarch'));
});

t('--nodeps publishes a layer that needs another below it, recorded: layer show and audit show the exception; an image that completes it is created', () => {
  const s = store();
  const out = ok(s, ['layer', 'create', 'lt@1.0.0', '--nodeps', '--package', 'lighttpd']);
  assert.match(out, 'published with --nodeps despite: ');
  const shown = JSON.parse(ok(s, ['layer', 'show', '--json', 'lt']));
  assert.ok(shown.nodeps.includes('libssl.so.3()(64bit) is needed by lighttpd-1.4.76-alt1.x86_64'), JSON.stringify(shown.nodeps));
  assert.match(ok(s, ['layer', 'show', 'lt']), 'published with --nodeps despite: /bin/sh is needed by lighttpd-1.4.76-alt1.x86_64');
  const audit = run(s, ['audit']);
  assert.match(audit.stdout, 'layer lt@1.0.0: published with --nodeps despite');
  assert.match(audit.stdout, 'libssl.so.3()(64bit) is needed by lighttpd-1.4.76-alt1.x86_64');
  const refused = run(s, ['image', 'create', 'lonely@1.0.0', '--layer', 'base@^1.0', '--layer', 'lt@^1.0', '--channel', 's']);
  assert.is(refused.status, 1, 'base does not provide libssl.so.3: the image would not hold together');
  assert.match(refused.stderr, 'libssl.so.3()(64bit) is needed by lighttpd-1.4.76-alt1.x86_64');
  assert.not.match(ok(s, ['image', 'ls']), 'lonely');
  ok(s, ['layer', 'create', 'ssl@1.0.0', '--nodeps', '--package', 'libssl3', 'ca-certificates', 'zlib-1.3.1-alt1.x86_64']);
  ok(s, ['image', 'create', 'www@1.0.0', '--layer', 'base@^1.0', '--layer', 'ssl@^1.0', '--layer', 'lt@^1.0', '--channel', 's']);
  ok(s, ['image', 'install', 'www', 'coreutils']);
  assert.is(run(s, ['audit', 'www']).status, 0, 'the image holds together');
});

t('an image on a --nodeps layer of conflicting packages is refused, not created stuck', () => {
  const s = store();
  ok(s, ['layer', 'create', 'both@1.0.0', '--nodeps', '--package', 'webserver', 'lighttpd']);
  const r = run(s, ['image', 'create', 'stuck@1.0.0', '--layer', 'base@^1.0', '--layer', 'both@^1.0', '--channel', 's']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'lighttpd conflicts with webserver-1.24.0-alt1.x86_64');
  assert.not.match(ok(s, ['image', 'ls']), 'stuck');
});

/** Two packages owning /etc/clash.conf with different contents. */
function clashingRpms(): string[] {
  return ['one', 'two'].flatMap((which) => rpmbuild(`clash-${which}`, `Name: clash-${which}
Version: 1.0
Release: 1
Summary: owns /etc/clash.conf
License: MIT
BuildArch: noarch
%description
Owns /etc/clash.conf.
%install
mkdir -p %{buildroot}/etc
echo ${which} > %{buildroot}/etc/clash.conf
%files
/etc/clash.conf
`));
}

testWith(t, 'file conflicts between layers: image create and an install into the private layer are refused, as rpm -i refuses the set', ['rpm', 'rpmbuild'], () => {
  const s = store();
  const [one, two] = clashingRpms() as [string, string];
  const rpm = rpmWouldInstall([one, two]);
  assert.not.ok(rpm.ok);
  assert.ok(rpm.problems.some((l) => l.startsWith('file /etc/clash.conf ')), rpm.problems.join('; '));
  ok(s, ['add', one, two]);
  ok(s, ['channel', 'add', 's', 'clash-two']);
  ok(s, ['layer', 'create', 'c1@1.0.0', '--package', 'clash-one']);
  ok(s, ['layer', 'create', 'c2@1.0.0', '--package', 'clash-two']);
  const r = run(s, ['image', 'create', 'clash@1.0.0', '--layer', 'c1@^1.0', '--layer', 'c2@^1.0', '--channel', 's']);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, 'file /etc/clash.conf from install of clash-two-1.0-1.noarch conflicts with file from package clash-one-1.0-1.noarch');
  ok(s, ['image', 'create', 'c@1.0.0', '--layer', 'c1@^1.0', '--channel', 's']);
  const install = run(s, ['image', 'install', 'c', 'clash-two']);
  assert.is(install.status, 1, install.stderr);
  assert.match(install.stderr, 'file /etc/clash.conf');
  assert.is(JSON.parse(ok(s, ['image', 'show', '--json', 'c'])).version, '1.0.0', 'nothing changed');
});

t.run();
