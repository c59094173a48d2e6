#!/usr/bin/env node
// The project's formatter: TypeScript's own (the language service's document formatting,
// the same engine editors use), with the settings this codebase is written in, plus
// whitespace rules it does not cover (no tab indent, no trailing spaces, one final
// newline). `node scripts/format.mjs` rewrites files; `--check` lists the files that
// differ and exits 1 (npm test runs it so).
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const files = [];
for (const top of ['src', 'test', 'bench', 'scripts']) (function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts')) files.push(p);
  }
})(join(root, top));

/** Settings that describe how the code is already written. */
const settings = {
  ...ts.getDefaultFormatCodeSettings('\n'),
  indentSize: 2, tabSize: 2, convertTabsToSpaces: true, indentStyle: ts.IndentStyle.Smart,
  insertSpaceAfterOpeningAndBeforeClosingNonemptyBraces: true, insertSpaceAfterOpeningAndBeforeClosingEmptyBraces: false,
  insertSpaceAfterSemicolonInForStatements: true,
  insertSpaceAfterOpeningAndBeforeClosingTemplateStringBraces: false,
  insertSpaceAfterFunctionKeywordForAnonymousFunctions: true,
  insertSpaceBeforeFunctionParenthesis: false,
  placeOpenBraceOnNewLineForFunctions: false, placeOpenBraceOnNewLineForControlBlocks: false,
  semicolons: ts.SemicolonPreference.Ignore,
};

const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
const host = {
  getCompilationSettings: () => ({ allowJs: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext }),
  getScriptFileNames: () => files,
  getScriptVersion: () => '1',
  getScriptSnapshot: (f) => (texts.has(f) ? ts.ScriptSnapshot.fromString(texts.get(f)) : undefined),
  getCurrentDirectory: () => root,
  getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
  fileExists: (f) => texts.has(f), readFile: (f) => texts.get(f),
};
const service = ts.createLanguageService(host, ts.createDocumentRegistry());

function format(file, text) {
  const edits = service.getFormattingEditsForDocument(file, settings).sort((a, b) => b.span.start - a.span.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.start + e.span.length);
  out = out.replace(/[ \t]+$/gm, '').replace(/\n*$/, '\n');
  return out;
}

const differ = [];
for (const f of files) {
  const text = texts.get(f);
  const out = format(f, text);
  if (out !== text) {
    differ.push(relative(root, f));
    if (!check) writeFileSync(f, out);
  }
}
if (check && differ.length) {
  console.error(`not formatted (run 'node scripts/format.mjs'):\n  ${differ.join('\n  ')}`);
  process.exit(1);
}
if (!check) console.log(`formatted ${differ.length} file${differ.length === 1 ? '' : 's'}`);
