/**
 * The CLI fuzzed (issue 16, "What must hold"): every command and subcommand of `bazaar
 * --help`, run with its arguments missing, each argument in turn replaced by a hostile
 * value (empty, blank, 100 KB, a NUL byte, what non-UTF-8 bytes decode to, a lone
 * surrogate, control characters, option look-alikes, relative and foreign paths, a
 * symlink loop, glob and range syntax, impossible numbers), an extra argument, each of
 * its options given each hostile value (booleans given a value), an unknown option, an
 * option without its value, and a hostile --store. Each run must end as a user error
 * would: exit 0, 1 or 2, no stack trace, at most one line of error (after notices), and
 * within its time limit. Runs are in-process (test/helpers/in-process.ts) against a copy
 * of a small store per form; a few run as real processes with real non-UTF-8 bytes and
 * 100 KB arguments. The closing line counts the invocations.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commands } from '../../src/cli/commands/index.js';
import type { OptionSpec } from '../../src/cli/command.js';
import { CLI, tempDir } from '../helpers/cli.js';
import { misbehaviour, runInProcess } from '../helpers/in-process.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('cli fuzz');
const file = (nevra: string): string => sampleRpms().find((f) => f.endsWith(`/${nevra}.rpm`)) as string;

/**
 * Scratch space on a tmpfs where there is one (commits sync their filesystem). The runs'
 * working directory is two levels down in it, so `.` and `..` given as paths stay inside.
 */
const scratch = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/bazaar-fuzz-') : tempDir('fuzz');
const cwd = join(scratch, 'cwd', 'here');
mkdirSync(cwd, { recursive: true });

const HUGE = 'x'.repeat(100 << 10);
const LOOP = join(scratch, 'LOOP');
symlinkSync('LOOP', LOOP);
/** A file that is no store's and no package (our own: a command may legitimately write over an output path). */
const FOREIGN = join(scratch, 'foreign');
writeFileSync(FOREIGN, 'not a package, not a store\n');

/** Values no argument should be hurt by (label, value). FIFOs are left out: opening one blocks the whole process. */
const HOSTILE: Array<[string, string]> = [
  ['empty', ''], ['blank', ' '], ['100 KB', HUGE], ['NUL', 'a\0b'], ['non-UTF-8 as decoded', 'd\uFFFD\uFFFDe'],
  ['a lone surrogate', 'x\uD800y'], ['control characters', 'é\x01\x1b[2J\x7f'], ['a dash', '-'], ['an option look-alike', '-x'],
  ['a long option look-alike', '--nosuch'], ['dot', '.'], ['dot dot', '..'], ['a foreign file', FOREIGN],
  ['below a file', join(FOREIGN, 'x')], ['a missing path', join(scratch, 'missing', 'x')], ['a symlink loop', LOOP], ['a glob', '*[!'],
  ['an at sign', '@'], ['a range', 'q@^1'], ['an id', `sha256:${'f'.repeat(64)}`], ['a revision', 'HEAD~99999'],
  ['a huge number', '99999999999999999999'], ['a negative number', '-1'], ['a float', '1e309'],
];

/** Placeholders of a form's arguments, as the fixture store has them. */
function placeholders(fx: Fixture): Record<string, string> {
  return {
    RPM: fx.rpm, DIR: fx.tree, PKG: 'sed', NAME: 'sed', GLOB: 'se*', ID: fx.id, CH: 'c', NEWCH: 'n1', REV: 'HEAD', LAYERV: 'z@1.0.0',
    LAYER: 'q', RANGE: 'q@1', KEY: 'k', NEWKEY: 'k2', IMAGE: 'q', IMAGEV: 'w@1.0.0', V: '1.0.0', COMMIT: 'HEAD', OUT: join(scratch, 'out', String(outs++)),
    URL: 'http://127.0.0.1:1/', G: 'g', POLICY: 'sync:all', CHILD: 'kid', PARENT: 'q', A: '1.0-alt1', B: '1.1-alt1', TOKEN: 'r',
  };
}
let outs = 0;

/** A command's forms: its words, its arguments (placeholders), and the options it needs to get going. */
interface Form { words: string[]; args: string[]; needs?: string[] }
const FORMS: Form[] = [
  { words: ['init'], args: [] },
  { words: ['add'], args: ['RPM'] },
  { words: ['import-tree'], args: ['DIR'], needs: ['--name', 't'] },
  { words: ['ls'], args: ['GLOB'] },
  { words: ['show'], args: ['PKG'] },
  { words: ['versions'], args: ['NAME'] },
  { words: ['cat'], args: ['ID'] },
  { words: ['rm'], args: ['PKG'] },
  ...['create', 'ls', 'log', 'delete'].map((sub) => ({ words: ['channel', sub], args: [sub === 'create' ? 'NEWCH' : 'CH'] })),
  ...['add', 'remove', 'publish'].map((sub) => ({ words: ['channel', sub], args: ['CH', 'PKG'] })),
  { words: ['channel', 'restore'], args: ['CH', 'REV'] },
  { words: ['channel', 'diff'], args: ['CH', 'REV', 'REV'] },
  { words: ['channel', 'rename'], args: ['CH', 'NEWCH'] },
  { words: ['layer', 'create'], args: ['LAYERV'], needs: ['--package', 'sed'] },
  { words: ['layer', 'check-version'], args: ['LAYERV'], needs: ['--package', 'sed'] },
  { words: ['layer', 'import'], args: ['LAYERV', 'DIR'] },
  { words: ['layer', 'import-rpmdb'], args: ['LAYERV', 'DIR'] },
  { words: ['layer', 'ls'], args: [] },
  { words: ['layer', 'show'], args: ['LAYER'] },
  { words: ['layer', 'upgrade'], args: ['LAYERV'], needs: ['--to', 'q@1.0.0'] },
  { words: ['image', 'create'], args: ['IMAGEV'], needs: ['--layer', 'q@1'] },
  ...['install', 'remove'].map((sub) => ({ words: ['image', sub], args: ['IMAGE', 'PKG'] })),
  ...['upgrade', 'show', 'log', 'rollback'].map((sub) => ({ words: ['image', sub], args: ['IMAGE'] })),
  { words: ['image', 'upgrade-layer'], args: ['IMAGE', 'RANGE'] },
  { words: ['image', 'ls'], args: [] },
  { words: ['image', 'diff'], args: ['IMAGE', 'V', 'V'] },
  { words: ['image', 'cherry-pick'], args: ['IMAGE', 'COMMIT'] },
  { words: ['image', 'checkout'], args: ['IMAGE', 'OUT'] },
  { words: ['image', 'export'], args: ['IMAGE', 'OUT'] },
  { words: ['link'], args: ['CHILD', 'PARENT'], needs: ['--policy', 'sync:all'] },
  { words: ['link', 'ls'], args: [] },
  { words: ['link', 'set-policy'], args: ['CHILD', 'POLICY'] },
  ...['unlink', 'audit', 'sync'].map((name) => ({ words: [name], args: ['CHILD'] })),
  { words: ['group', 'ls'], args: [] },
  { words: ['group', 'show'], args: ['G'] },
  { words: ['group', 'set'], args: ['G', 'PKG'] },
  { words: ['pin'], args: ['PKG'] },
  { words: ['unpin'], args: ['PKG'] },
  { words: ['fsck'], args: [] },
  { words: ['gc'], args: [] },
  { words: ['reindex'], args: [] },
  { words: ['resolve'], args: [], needs: ['--channel', 'c', '--install', 'sed'] },
  { words: ['vercmp'], args: ['A', 'B'] },
  { words: ['serve'], args: [], needs: ['--port', '0'] },
  { words: ['token', 'create'], args: [], needs: ['--scope', 'read'] },
  { words: ['token', 'ls'], args: [] },
  { words: ['token', 'revoke'], args: ['TOKEN'] },
  { words: ['key', 'generate'], args: ['NEWKEY'] },
  { words: ['key', 'export'], args: ['KEY'] },
  { words: ['push'], args: ['URL', 'RPM'] },
  { words: ['pull'], args: ['URL', 'IMAGE', 'OUT'] },
  { words: ['upload-overlay'], args: ['URL', 'IMAGE', 'DIR'] },
];

interface Fixture { base: string; rpm: string; tree: string; id: string }
let fixture: Fixture | undefined;

/** A store with packages, channel c, layer q, image q and its linked child kid, group g, token r. */
async function baseFixture(): Promise<Fixture> {
  if (fixture) return fixture;
  const base = join(scratch, 'base');
  const ok = async (args: string[]): Promise<string> => {
    const r = await runInProcess([...args, '--store', base]);
    assert.is(r.status, 0, `fixture: ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  await ok(['init']);
  await ok(['add', file('filesystem-2.3.21-alt1.x86_64'), file('setup-2.2.9-alt1.noarch'), file('etcskel-5.0-alt1.noarch'), file('sed-4.9-alt1.x86_64')]);
  await ok(['channel', 'create', 'c']);
  await ok(['channel', 'add', 'c', 'filesystem', 'setup', 'etcskel', 'sed']);
  await ok(['layer', 'create', 'q@1.0.0', '--nodeps', '--package', 'etcskel']);
  await ok(['image', 'create', 'q@1.0.0', '--nodeps', '--layer', 'q@1']);
  await ok(['image', 'create', 'kid@1.0.0', '--nodeps', '--layer', 'q@1']);
  await ok(['group', 'set', 'g', 'sed']);
  await ok(['token', 'create', '--scope', 'read', '--name', 'r']);
  await ok(['key', 'generate', 'k']);
  const tree = join(scratch, 'tree');
  mkdirSync(join(tree, 'etc'), { recursive: true });
  writeFileSync(join(tree, 'etc', 'motd'), 'hello\n');
  const id = (JSON.parse(await ok(['show', 'sed', '--json'])) as { rpm: string }).rpm;
  fixture = { base, rpm: file('zlib-1.3.1-alt1.x86_64'), tree, id };
  return fixture;
}

/** The options of a command, from its definition (what --help lists). */
const optionsOf = new Map<string, OptionSpec>();
async function options(name: string): Promise<OptionSpec> {
  let o = optionsOf.get(name);
  if (!o) { o = (await commands.find((c) => c.name === name)!.load()).options; optionsOf.set(name, o); }
  return o;
}

let invocations = 0;
let copies = 0;
const failures: string[] = [];

/** Runs one invocation and records how it misbehaved, if it did. */
async function attempt(what: string, argv: string[]): Promise<void> {
  invocations++;
  const serving = argv[0] === 'serve' || argv.includes('--serve');
  const r = await runInProcess(argv, { timeoutMs: 30_000, ...(serving ? { stopWhen: /bazaar serving/ } : {}) });
  const wrong = misbehaviour(r);
  if (wrong) failures.push(`${what}: ${wrong.slice(0, 600)}`);
}

const show = (v: string): string => (v.length > 40 ? `${JSON.stringify(v.slice(0, 20))}...(${v.length})` : JSON.stringify(v));

for (const form of FORMS) {
  t(`bazaar ${form.words.join(' ')}: missing, hostile and extra arguments, every option hostile`, async () => {
    const fx = await baseFixture();
    const store = join(scratch, `store-${copies++}`);
    cpSync(fx.base, store, { recursive: true });
    const p = placeholders(fx);
    const args = form.args.map((a) => p[a]);
    const needs = form.needs ?? [];
    const run = (what: string, argv: string[]): Promise<void> => attempt(`bazaar ${form.words.join(' ')} ${what}`, [...form.words, ...argv, '--store', store]);
    const before = failures.length;
    process.chdir(cwd);

    await run('(as given)', [...args, ...needs]);
    for (let n = 0; n < args.length; n++) await run(`(only ${n} arguments)`, [...args.slice(0, n), ...needs]);
    if (needs.length) await run('(without the options it needs)', args);
    for (let i = 0; i < args.length; i++) {
      for (const [label, v] of HOSTILE) await run(`(argument ${i + 1} ${label} ${show(v)})`, [...args.slice(0, i), v, ...args.slice(i + 1), ...needs]);
    }
    for (const [label, v] of [['extra', 'extra'], ['extra 100 KB', HUGE], ['extra NUL', 'a\0b']]) await run(`(${label})`, [...args, v, ...needs]);
    await run('(an unknown option)', [...args, ...needs, '--nosuch']);
    await run('(an unknown short option)', [...args, ...needs, '-Z']);
    for (const [name, spec] of Object.entries(await options(form.words[0]))) {
      const flag = `--${name}`;
      const rest = needs.includes(flag) ? needs.filter((_, k) => k !== needs.indexOf(flag) && k !== needs.indexOf(flag) + 1) : needs;
      if (spec.type === 'boolean') {
        await run(`(${flag})`, [...args, ...rest, flag]);
        await run(`(${flag}=value)`, [...args, ...rest, `${flag}=value`]);
        continue;
      }
      await run(`(${flag} without its value)`, [...args, ...rest, flag]);
      for (const [label, v] of HOSTILE) await run(`(${flag} ${label} ${show(v)})`, [...args, ...rest, flag, v]);
      if (spec.multiple) await run(`(${flag} twice)`, [...args, ...rest, flag, 'a', flag, 'b']);
    }
    process.chdir(scratch);
    assert.equal(failures.slice(before), [], `${failures.length - before} misbehaving invocations`);
  });
}

t('--store hostile, for one command of each kind', async () => {
  const before = failures.length;
  process.chdir(cwd);
  for (const words of [['ls'], ['add', file('sed-4.9-alt1.x86_64')], ['fsck'], ['gc'], ['channel', 'create', 'x'], ['image', 'ls'], ['token', 'ls'], ['reindex']]) {
    // init and demo make a store where they are told: no hostile --store for them here
    for (const [label, v] of HOSTILE.filter(([, value]) => !['.', '..'].includes(value))) await attempt(`bazaar ${words.join(' ')} --store ${label} ${show(v)}`, [...words, '--store', v]);
  }
  await attempt('bazaar --store (no value)', ['ls', '--store']);
  process.chdir(scratch);
  assert.equal(failures.slice(before), []);
});

t('no command, an unknown command, help for each, demo with bad options', async () => {
  const before = failures.length;
  process.chdir(cwd);
  for (const argv of [[], ['--nosuch'], ['nosuch'], [HUGE], ['a\0b'], ['help', 'nosuch'], ['help', HUGE], ['--version', 'extra'], ['--store']]) await attempt(`bazaar ${argv.map(show).join(' ')}`, argv);
  for (const c of commands) {
    await attempt(`bazaar help ${c.name}`, ['help', c.name]);
    await attempt(`bazaar ${c.name} --help`, [c.name, '--help']);
  }
  const demoStore = join(scratch, 'demo');
  for (const argv of [['demo', 'extra'], ['demo', '--nosuch'], ['demo', '--serve', '--port', 'x'], ['demo', '--serve', '--host', ''], ['demo', '--max-upload', 'lots']]) await attempt(`bazaar ${argv.join(' ')}`, [...argv, '--store', demoStore]);
  process.chdir(scratch);
  assert.equal(failures.slice(before), []);
});

t('real processes: non-UTF-8 bytes and 100 KB arguments through execve', async () => {
  const before = failures.length;
  const fx = await baseFixture();
  const store = join(scratch, `store-${copies++}`);
  cpSync(fx.base, store, { recursive: true });
  // printf makes the raw bytes (0xff is never UTF-8); node decodes them to U+FFFD
  const shell = [
    'show "$(printf \'\\377\\376\')"', 'add "$(printf \'d\\377.rpm\')"', 'channel create "$(printf \'c\\377\')"', 'ls "$(printf \'\\377*\')"',
    'image export q "$(printf \'/tmp/\\377/out\')"', 'import-tree "$(printf \'\\377\')" --name t', 'pin "$(printf \'\\300\\200\')"',
    `show "$(head -c 100000 /dev/zero | tr '\\0' x)"`, `channel create "$(head -c 100000 /dev/zero | tr '\\0' y)"`, `ls "$(head -c 100000 /dev/zero | tr '\\0' '*')"`,
  ];
  for (const cmd of shell) {
    invocations++;
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" ${cmd} --store "${store}"`], { encoding: 'utf8', timeout: 30_000 });
    const wrong = r.error ? String(r.error) : r.status === null || r.status > 2 ? `exit ${r.status}` : /\n\s+at |internal error/.test(r.stderr) ? 'a stack trace' : r.status !== 0 && r.stderr.trim().split('\n').length > 1 ? 'more than one line' : null;
    if (wrong) failures.push(`${cmd.slice(0, 80)}: ${wrong}: ${r.stderr.slice(0, 300)}`);
  }
  assert.equal(failures.slice(before), []);
});

t.after(() => {
  process.chdir(tmpdir());
  rmSync(scratch, { recursive: true, force: true }); // on a tmpfs: memory
  for (const f of failures.slice(0, 200)) console.log(`MISBEHAVED ${f.replace(/\n/g, '\\n').slice(0, 400)}`);
  console.log(`cli fuzz: ${invocations} invocations, ${failures.length} misbehaved`);
});

t.run();
