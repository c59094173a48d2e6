/**
 * The architecture holds (docs/architecture.md): every import that leaves a folder of
 * src/ goes through that folder's index.ts, the folders import exactly what the matrix in
 * docs/architecture.md lists (both ways: an unlisted import fails, a listed one no
 * longer used fails), the folder graph has no cycle, and each third-party library is
 * imported only in its home. Imports are read by TypeScript's own pre-processor, so
 * dynamic import() counts and strings that merely look like paths do not.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from '../helpers/tools.js';

const t = suite('architecture');
const SRC = join(projectRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

interface Import { from: string; spec: string; target: string | null }
const files = sourceFiles(SRC);
const imports: Import[] = files.flatMap((f) => ts.preProcessFile(readFileSync(f, 'utf8'), true, true).importedFiles.map(({ fileName: spec }) => ({
  from: relative(SRC, f), spec, target: spec.startsWith('.') ? relative(SRC, normalize(join(dirname(f), spec))).replace(/\.js$/, '.ts') : null,
})));
/** The top folder of a path under src/ ('' for src/index.ts and src/errors.ts). */
const folderOf = (p: string): string => (p.includes('/') ? p.split('/')[0] : '');

/** The matrix in docs/architecture.md: folder -> the folders it imports. */
function documentedMatrix(): Map<string, Set<string>> {
  const doc = readFileSync(join(projectRoot, 'docs/architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('| folder | imports |'));
  const lines = table.split('\n').slice(2);
  const rows = lines.slice(0, lines.findIndex((l) => !l.startsWith('|')));
  return new Map(rows.map((r) => {
    const [folder, uses] = r.split('|').slice(1, 3).map((c) => c.trim());
    return [folder, new Set(uses ? uses.split(/\s+/) : [])];
  }));
}

/** The narrow front doors docs/architecture.md#front-doors lists (`store/open.ts`...). */
function narrowDoors(): string[] {
  const doc = readFileSync(join(projectRoot, 'docs/architecture.md'), 'utf8');
  const table = doc.slice(doc.indexOf('| narrow door | for |'));
  const lines = table.split('\n').slice(2);
  return lines.slice(0, lines.findIndex((l) => !l.startsWith('|'))).map((r) => /`([^`]+)`/.exec(r)?.[1] ?? r);
}

/** The names a door file exports, by `export { ... } from` and `export type { ... } from` (a door does nothing else). */
function doorExports(path: string): { names: string[]; other: string[] } {
  const file = ts.createSourceFile(path, readFileSync(join(SRC, path), 'utf8'), ts.ScriptTarget.Latest);
  const names: string[] = [], other: string[] = [];
  for (const st of file.statements) {
    if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause) && st.moduleSpecifier) names.push(...st.exportClause.elements.map((e) => e.name.text));
    else other.push(st.getText(file).slice(0, 60));
  }
  return { names, other };
}

t('every import that leaves a folder goes through its index.ts, or a narrow door docs/architecture.md lists', () => {
  const doors = narrowDoors();
  assert.ok(doors.length > 0, 'the front-doors table was read');
  const past = imports.filter((i) => i.target !== null && folderOf(i.target) !== '' && folderOf(i.target) !== folderOf(i.from) && i.target !== `${folderOf(i.target)}/index.ts` && !doors.includes(i.target));
  assert.equal(past.map((i) => `${i.from} imports ${i.spec}`), []);
});

t('a narrow door only re-exports names its folder\'s index.ts exports too (a smaller door, never a back door)', () => {
  for (const door of narrowDoors()) {
    const { names, other } = doorExports(door);
    assert.equal(other, [], `${door} does more than re-export`);
    assert.ok(names.length > 0, `${door} exports nothing`);
    const index = new Set(doorExports(`${folderOf(door)}/index.ts`).names);
    assert.equal(names.filter((n) => !index.has(n)), [], `${door} exports names ${folderOf(door)}/index.ts does not`);
  }
});

t('no file imports the index.ts of its own folder (it would tie the folder in a knot)', () => {
  const own = imports.filter((i) => i.target !== null && folderOf(i.from) !== '' && i.target === `${folderOf(i.from)}/index.ts` && i.from !== i.target);
  assert.equal(own.map((i) => `${i.from} imports ${i.spec}`), []);
});

t('the folders import exactly what docs/architecture.md lists', () => {
  const documented = documentedMatrix();
  const actual = new Map<string, Set<string>>();
  for (const f of files) { const d = folderOf(relative(SRC, f)); if (d) actual.set(d, actual.get(d) ?? new Set()); }
  for (const i of imports) {
    const a = folderOf(i.from), b = i.target === null ? '' : folderOf(i.target);
    if (a && b && a !== b) actual.get(a)!.add(b);
  }
  const show = (m: Map<string, Set<string>>): string[] => [...m].map(([k, v]) => `${k}: ${[...v].sort().join(' ')}`).sort();
  assert.equal(show(actual), show(documented), 'the code and docs/architecture.md agree');
});

t('the folder graph has no cycle', () => {
  const m = documentedMatrix();
  const done = new Set<string>(), onPath: string[] = [];
  const visit = (n: string): void => {
    if (done.has(n)) return;
    assert.not.ok(onPath.includes(n), `cycle: ${[...onPath.slice(onPath.indexOf(n)), n].join(' -> ')}`);
    onPath.push(n);
    for (const d of m.get(n) ?? []) visit(d);
    onPath.pop();
    done.add(n);
  };
  for (const n of m.keys()) visit(n);
});

t('each third-party library is imported only in its home', () => {
  const homes: [RegExp, RegExp][] = [
    [/^(hono|@hono\/)/, /^server\//],
    [/^isomorphic-git/, /^store\/history\//],
    [/^@mongodb-js\/zstd/, /^compress\/codec\.ts$/],
    [/^fzstd/, /^compress\//],
    [/^@napi-rs\/xattr/, /^fs\/xattr-calls\.ts$/],
    [/^pako/, /^rpmmd\/write\//],
    [/^openpgp/, /^pgp\//],
  ];
  const text = (f: string): string => readFileSync(join(SRC, f), 'utf8');
  const stray = imports.filter((i) => i.target === null && homes.some(([lib, home]) => lib.test(i.spec) && !home.test(i.from)));
  // codec.ts loads the zstd addon with require(): those names are checked as text
  const required = files.map((f) => relative(SRC, f)).filter((f) => f !== 'compress/codec.ts' && /require\(['"]@mongodb-js\/zstd/.test(text(f)));
  assert.equal([...stray.map((i) => `${i.from} imports ${i.spec}`), ...required], []);
});

/**
 * Uses of `objects`, `states` or `repo` that name a member of one of the store's classes
 * (Store, a view, the object reader), found by TypeScript's checker: `r.objects` of an fsck
 * report or `fi.states` of rpm's file info are other things of the same name.
 */
function storeInternalsUsed(): { outside: string[]; inside: number } {
  const config = ts.getParsedCommandLineOfConfigFile(join(projectRoot, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram(files, { ...config?.options, noEmit: true });
  const checker = program.getTypeChecker();
  const hidden = new Set(['objects', 'states', 'repo']);
  const storeDir = join(SRC, 'store') + '/';
  const ofStoreClass = (receiver: ts.Expression, name: string): boolean => {
    const member = checker.getPropertyOfType(checker.getApparentType(checker.getTypeAtLocation(receiver)), name);
    const classMember = (d: ts.Declaration): boolean => ts.isClassDeclaration(d.parent) || (ts.isParameter(d) && ts.isConstructorDeclaration(d.parent));
    return (member?.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(storeDir) && classMember(d));
  };
  const outside: string[] = [];
  let inside = 0;
  for (const f of files) {
    const sf = program.getSourceFile(f)!;
    const visit = (n: ts.Node): void => {
      const name = ts.isPropertyAccessExpression(n) ? n.name.text
        : ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression) ? n.argumentExpression.text : null;
      if (name !== null && hidden.has(name) && ofStoreClass((n as ts.PropertyAccessExpression | ts.ElementAccessExpression).expression, name)) {
        if (f.startsWith(storeDir)) inside++;
        else outside.push(`${relative(SRC, f)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${n.getText(sf)}`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { outside, inside };
}

t('nothing outside src/store reaches the objects, state or history behind a store or a view', () => {
  const { outside, inside } = storeInternalsUsed();
  assert.ok(inside > 0, 'the check sees the store\'s own uses (it would see others)');
  assert.equal(outside, [], 'use the store\'s operations (ObjectReader, a Transaction\'s staging, latestSeq, fromNearestCached)');
});

t('nothing below the edges writes to the terminal or knows the CLI', () => {
  const core = files.map((f) => relative(SRC, f)).filter((f) => !/^(cli|server)\//.test(f));
  // comments (examples) aside; fs-ops.ts prints its event count for the crash tests when asked to
  const code = (f: string): string => readFileSync(join(SRC, f), 'utf8').split('\n').filter((l) => !/^\s*(\*|\/\/|\/\*\*)/.test(l)).join('\n');
  const loud = core.filter((f) => f !== 'fs/fs-ops.ts' && /process\.(stdout|stderr)\.write|console\.(log|error|warn)\(/.test(code(f)));
  assert.equal(loud, []);
});

t.run();
