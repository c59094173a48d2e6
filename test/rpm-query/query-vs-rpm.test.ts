/**
 * The query engine against rpm 4.18 itself, byte for byte (stdout), message for message
 * (stderr) and exit code for exit code: every package of repos/sample and of the shared
 * corpus goes into install roots with stock rpm (database only: queries need no files),
 * and each query below runs once through rpm and once through the engine over the same
 * packages' headers.
 *
 * Left out, by rpm's own rules: source packages (rpm -i unpacks a .src.rpm into
 * ~/rpmbuild and records nothing in the database). A root never holds two builds of
 * one NEVRA (rpm refuses the second), and a package rpm drops from a transaction (one
 * another package of the same transaction obsoletes) goes into a root of its own.
 *
 * `-qi` is compared whole, its Install Date line included: the engine is given the
 * INSTALLTIME rpm recorded, as bazaar's snippet records it, so the line must match too.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { compareWithRpm, rpmLines, utf8Safe } from '../helpers/rpm-compare.js';
import type { Root } from '../helpers/rpm-compare.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { engine, installAll, removeRoot, rpm } from '../helpers/rpm-root.js';
import type { InstalledRoot } from '../helpers/rpm-root.js';
import { testWith } from '../helpers/tools.js';

const t = suite('rpm -q: the engine answers as rpm 4.18');

async function binaryPackages(files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) if ((await readRpmFile(f)).header.has(1044)) out.push(f);
  return out;
}

const cache = new Map<string, Promise<InstalledRoot[]>>();
function roots(set: 'sample' | 'corpus'): Promise<InstalledRoot[]> {
  let p = cache.get(set);
  if (!p) {
    p = (async () => installAll(await binaryPackages(set === 'sample' ? sampleRpms() : corpusRpms()), { justdb: true, prefix: set }))();
    cache.set(set, p);
  }
  return p;
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

/** Argument lists for one root: each list is one rpm invocation. */
type Args = (r: Root) => string[][];

const labels = (r: Root): string[] => utf8Safe(rpmLines(r.root, ['-qa', '--qf', '%{NVRA}\n']));

/** Evenly spread picks, so long argument lists stay affordable (rpm -qf costs ~40 ms a path). */
const spread = <X>(xs: X[], n: number): X[] => (xs.length <= n ? xs : Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]));

const DEPS = ['--provides', '--requires', '--conflicts', '--obsoletes', '--recommends', '--suggests', '--supplements', '--enhances'];
const BIG_FORMAT = '%{NAME}|%{EPOCH}|%{EPOCHNUM}|%{NEVRA}|%{NEVR}|%{NVRA}|%{NVR}|%{EVR}|%{ARCHSUFFIX}|%{SIZE:humansi}|%{SIZE:humaniec}|'
  + '%{LONGSIZE:hex}|%{LONGSIZE:octal}|%{BUILDTIME:date}|%{BUILDTIME:day}|%{HEADERCOLOR}|%{DBINSTANCE}|%{SIGMD5}|%{SHA1HEADER}|'
  + '%{SIGSIZE}|%{LONGSIGSIZE}|%{ARCHIVESIZE}|%{LONGARCHIVESIZE}|%{SUMMARY:shescape}|%{NAME:xml}|%{SIZE:xml}|%{SIGMD5:base64}|'
  + '%{RSAHEADER:pgpsig}|%{DSAHEADER:pgpsig}|%{SIGPGP:pgpsig}|%{SIGGPG:pgpsig}|%{NAME:tagname}|%{PROVIDENAME:tagnum}|%-20{NAME}|%20{VERSION}|%5-3{NAME}|'
  + '%{=NAME}|%{#FILENAMES}|%{FILENAMES:arraysize}|%{INSTALLCOLOR}|%{INSTALLTID}|%{SOURCEPACKAGE}|%{PAYLOADFLAGS}\n'
  + '[  %{FILENAMES} %{FILEMODES:perms} %{FILEMODES:octal} %{FILEFLAGS:fflags} %{FILEVERIFYFLAGS:vflags} %{FILEVERIFYFLAGS:fstatus} '
  + '%{FILESTATES:fstate} %{FILENLINKS} %{FILESIZES} %{LONGFILESIZES} %{FILEDIGESTS} %{FILEUSERNAME} %{FILERDEVS} %{FILEMTIMES:day}\n]'
  + '[  %{INSTFILENAMES}\n]%|PREFIXES?{[%{PREFIXES} ]}:{noprefix}|%|INSTPREFIXES?{[%{INSTPREFIXES},]}|\n'
  + '[  %{REQUIRENAME} %{REQUIREFLAGS:depflags} %{REQUIREFLAGS:deptype} %{REQUIREVERSION} %{REQUIRENEVRS}\n]'
  + '[%{TRIGGERNAME} %{TRIGGERFLAGS:triggertype} %{TRIGGERINDEX} %{TRIGGERVERSION}\n]%%%{NAME}%%\\t\\a\\\\\n';

/**
 * The checks. `every` ones run on every root; `main` ones (index lookups, patterns)
 * only on the first root of a set, since the other roots hold other builds of NEVRAs
 * the first already has (signed and compressed variants) and add nothing to lookups.
 */
const CHECKS: Array<[string, 'every' | 'main', Args]> = [
  ['-qa, in database order', 'every', () => [['-qa']]],
  ['-q by name, N-V, N-V-R, N-V-R.A, N-E:V-R, N.A and labels that match nothing', 'every', (r) => [[
    '-q', ...utf8Safe(unique(rpmLines(r.root, ['-qa', '--qf', '%{NAME}\n%{NAME}-%{VERSION}\n%{NAME}-%{VERSION}-%{RELEASE}\n%{NVRA}\n%{NAME}-%{EPOCHNUM}:%{VERSION}-%{RELEASE}\n%{NAME}.%{ARCH}\n%{NAME}-%{VERSION}*\n']))),
    'nosuch', 'bash-0', 'bash(5.2.26)', 'bash(0:5.2.26-alt1)', '-', '.x86_64', 'bash-*-alt?', 'nosuch.rpm',
  ]]],
  ['-qi', 'every', (r) => [['-qi', ...labels(r)]]],
  ['-ql and -qlv', 'every', (r) => [['-ql', ...labels(r)], ['-qlv', ...labels(r)]]],
  ['-qc, -qdL, -qs --dump, --noghost --noconfig', 'every', (r) => [['-qc', ...labels(r)], ['-qdL', ...labels(r)], ['-qs', '--dump', ...labels(r)], ['-ql', '--noghost', '--noconfig', ...labels(r)]]],
  ['every dependency kind (--provides ... --enhances), plain and with -v (deptype)', 'every', (r) => [['-q', ...DEPS, ...labels(r)], ['-qRPv', ...labels(r)]]],
  ['--scripts, --triggers, --filetriggers, --changelog, --changes', 'every', (r) => [['-q', '--scripts', '--triggers', '--filetriggers', '--changelog', '--changes', ...labels(r)]]],
  ['--xml and other %{*} formats (every tag of the installed header, read raw)', 'every', (r) => [
    ['-q', '--xml', ...labels(r)], ['-qa', '--qf', '%{*:tagname}|%{NAME}\n'], ['-qa', '--qf', '[%{*:tagnum} %{*:arraysize} %{=NAME}\n]']]],
  ['--filesbypkg, --fileclass, --filecolor, --fileprovide, --filerequire, --filecaps', 'every', (r) => [
    ['-q', '--filesbypkg', '--fileclass', '--filecolor', '--fileprovide', '--filerequire', '--filecaps', ...labels(r)]]],
  ['combinations print in command-line order (-qil, --provides --requires -l, -qi --changelog)', 'main', (r) => [
    ['-qil', ...labels(r)], ['-q', '--provides', '--requires', '-l', ...labels(r)], ['-q', '--qf', '%{NAME}:\n', '-c', ...labels(r)]]],
  ['-qf for installed paths and for paths no package owns', 'main', (r) => [[
    '-qf', ...spread(utf8Safe(unique(rpmLines(r.root, ['-qa', '--qf', '[%{FILENAMES}\n]']))), 120),
    '/', '/root', '/root/.rpmdb', '/nonexistent/x', '/usr//bin/../bin', '/lib/tls', '/usr/lib/tls', '',
  ]]],
  ['--path (any file state) and --whatprovides PATH', 'main', (r) => {
    const paths = spread(utf8Safe(unique(rpmLines(r.root, ['-qa', '--qf', '[%{FILENAMES}\n]']))), 40);
    return [['-q', '--path', ...paths, '/nonexistent/x'], ['-q', '--whatprovides', ...paths, '/nonexistent/x']];
  }],
  ['--whatprovides and --whatrequires for every capability', 'main', (r) => [
    ['-q', '--whatprovides', ...utf8Safe(unique(rpmLines(r.root, ['-qa', '--qf', '[%{PROVIDENAME}\n]']))), 'nope'],
    ['-q', '--whatrequires', ...utf8Safe(unique(rpmLines(r.root, ['-qa', '--qf', '[%{REQUIRENAME}\n]']))), 'nope', '/bin/sh'],
  ]],
  ['--whatconflicts, --whatobsoletes and the weak --what* queries', 'main', (r) => ['CONFLICT', 'OBSOLETE', 'RECOMMEND', 'SUGGEST', 'SUPPLEMENT', 'ENHANCE'].map((k) => [
    '-q', `--what${k.toLowerCase()}s`, ...utf8Safe(unique(rpmLines(r.root, ['-qa', '--qf', `[%{${k}NAME}\n]`]))), 'nope',
  ])],
  ['-g, --triggeredby, --pkgid, --hdrid, --tid, --querybynumber', 'main', (r) => [
    ['-qg', ...utf8Safe(unique(rpmLines(r.root, ['-qa', '--qf', '%{GROUP}\n']))), 'No Such Group'],
    ['-q', '--triggeredby', ...utf8Safe(unique(rpmLines(r.root, ['-qa', '--qf', '[%{TRIGGERNAME}\n]']))), 'nope'],
    ['-q', '--pkgid', ...rpmLines(r.root, ['-qa', '--qf', '%|SIGMD5?{%{SIGMD5}\n}|']).slice(0, 30), '0123', '00000000000000000000000000000000'],
    ['-q', '--hdrid', ...rpmLines(r.root, ['-qa', '--qf', '%|SHA1HEADER?{%{SHA1HEADER}\n}|']).slice(0, 30), 'abc', '0'.repeat(40)],
    ['-q', '--tid', ...unique(rpmLines(r.root, ['-qa', '--qf', '%{INSTALLTID}\n'])), '0x10', '12x', '4294967295'],
    ['-q', '--querybynumber', '1', '2', '3', '0', '99999', 'x'],
  ]],
  ['-qa with name patterns and TAG=PATTERN filters', 'main', () => [
    ['-qa', 'lib*', 'h*'], ['-qa', '*-devel', '*ash', 'bash-5*'], ['-qa', '!lib*'], ['-qa', 'lib?'],
    ['-qa', 'version=1.*', 'arch=noarch', 'name=[a-h]*'], ['-qa', 'epoch=0', 'bogustag=x'], ['-qa', 'release=*alt*', 'name=*a*'],
    ['-qa', 'basenames=*.conf', 'dirnames=/etc/*'],
  ]],
  ['--queryformat with arrays, formatters, widths and conditionals', 'every', () => [
    ['-qa', '--qf', BIG_FORMAT], ['-qa', '--qf', '[%{FILENAMES} %{FILECLASS}\n]'], ['-qa', '--qf', '[%{FILENAMES} %{CHANGELOGTIME}\n]'],
    ['-qa', '--qf', '%|NAME?{%|EPOCH?{e}:{-}|%|BOGUS?{yes}:{no}|[%|FILENAMES?{%{FILENAMES}}|;]}|\n'],
    ['-qa', '--qf', '%{ORIGFILENAMES}|%{FILECAPS}|%{FILELANGS}|%{VERIFYSCRIPT}|%{POSTIN}|%{POSTINPROG}|%{CHANGELOGNAME}|%{DISTTAG}|%{VCS}|%{BUGURL}\n'
      + '[%{CONFLICTNEVRS}|%{OBSOLETENEVRS}|%{RECOMMENDNEVRS}|%{SUGGESTNEVRS}|%{SUPPLEMENTNEVRS}|%{ENHANCENEVRS}\n]'
      + '%{RPMTAG_NAME} %{name} %{NaMe} %{HEADERI18NTABLE} %{HEADERIMMUTABLE:arraysize}\n'],
    ['-qa', '--qf', '%{SIGMD5:armor}|%{NAME:expand}|%{NAME:armor}|%{SIZE:armor}|%{SIGMD5:xml}|%-020{ARCH}|%0-5{EPOCHNUM}|%{INSTALLTID:hex}\n'],
    ['-qa', '-v', '--qf', '%|VERBOSE?{v}:{q}|[%{=NAME} %{FILENAMES} %{=FILESIZES}\n]'],
  ]],
  ['package files: -qp and -qip, with and without --nosignature (NOKEY warnings once per key)', 'every', (r) => {
    const files = (r as InstalledRoot).installed;
    return [['-qp', ...files, '/nonexistent.rpm'], ['-qip', '--nosignature', ...files], ['-q', '--provides', '-p', '--nosignature', ...files]];
  }],
  ['-V dependency checks over every package (--nofiles: a database-only root; --noscripts: rpm would run %verifyscripts)', 'every', (r) => [
    ['-Va', '--nofiles', '--noscripts'], ['-V', '--nofiles', '--noscripts', ...labels(r).slice(0, 20), 'nosuch']]],
  ['--last and --dupes', 'main', (r) => [['-qa', '--last'], ['-qa', '--dupes'], ['-q', '--last', ...labels(r).slice(0, 5), 'nosuch']]],
];

/** RPMQ_CHECK=regex runs only the matching checks (for working on one query kind). */
const only = process.env.RPMQ_CHECK ? new RegExp(process.env.RPMQ_CHECK) : null;

for (const [name, scope, args] of CHECKS) {
  if (only && !only.test(name)) continue;
  for (const set of ['sample', 'corpus'] as const) {
    testWith(t, `${name} (${set === 'sample' ? 'repos/sample' : 'shared corpus'})`, set === 'sample' ? ['rpm'] : ['rpm', 'corpus'], async () => {
      const failures: string[] = [];
      let runs = 0;
      const all = await roots(set);
      for (const r of scope === 'every' ? all : all.slice(0, 1)) {
        for (const a of args(r)) {
          runs++;
          const d = await compareWithRpm(r, a);
          if (d) failures.push(d);
        }
      }
      assert.ok(runs > 0, 'no command ran');
      assert.equal(failures, [], failures.slice(0, 5).join('\n'));
    });
  }
}

testWith(t, '-qa without instances: the engine orders by the caller\'s order, which sorted by name equals rpm\'s set', ['rpm'], async () => {
  const [r] = await roots('sample');
  const shuffled = [...r.packages].reverse().map(({ instance: _instance, ...p }) => p);
  const got = (await engine(['--root', r.root, '-qa'], shuffled, r.root)).stdout.toString('latin1').split('\n').filter(Boolean);
  const want = rpm(['--root', r.root, '-qa']).stdout.toString('latin1').split('\n').filter(Boolean);
  assert.not.equal(got, want, 'reversed input must change the order (else this test proves nothing)');
  assert.equal([...got].sort(), [...want].sort());
});

testWith(t, 'the sample packages all went into a root (nothing silently left out)', ['rpm'], async () => {
  const all = await roots('sample');
  const installed = all.flatMap((r) => r.installed);
  assert.equal(installed.length, (await binaryPackages(sampleRpms())).length);
});

t.after(async () => {
  for (const p of cache.values()) for (const r of await p) removeRoot(r.root);
});

t.run();
