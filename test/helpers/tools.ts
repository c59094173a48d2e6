/**
 * Oracle tools and the shared corpus are optional on a user's machine: a test that needs
 * one is registered as skipped with its name and the reason printed (`SKIPPED ...`), which
 * scripts/run-tests.mjs lists at the end. CI installs every tool, so nothing skips there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Test } from 'uvu';

const found = new Map<string, boolean>();

/** True when `tool` is on PATH (or an absolute path that exists). */
export function hasTool(tool: string): boolean {
  let ok = found.get(tool);
  if (ok === undefined) {
    ok = tool.startsWith('/') ? existsSync(tool) : spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
    found.set(tool, ok);
  }
  return ok;
}

/** python3-rpm / python3-solv live in Debian's /usr/bin/python3, not any python3 on PATH. */
export function hasPythonModule(module: string): boolean {
  const key = `python:${module}`;
  let ok = found.get(key);
  if (ok === undefined) {
    ok = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', `import ${module}`]).status === 0;
    found.set(key, ok);
  }
  return ok;
}

/** The project root (two levels above dist/test/helpers). */
export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The shared corpus, read in place; absent on a user's fresh clone. */
export const corpusDir = process.env.BAZAAR_CORPUS ?? fileURLToPath(new URL('../../../../shared/corpus/', import.meta.url));
export const toolsDir = fileURLToPath(new URL('../../../../shared/tools/', import.meta.url));
export const hasCorpus = (): boolean => existsSync(corpusDir);

/**
 * The requirements of `needs` that do not hold here: tool names, `python:module`, `corpus`
 * or `root` (running as uid 0: owners and device nodes).
 */
export function missingNeeds(needs: string[]): string[] {
  return needs.filter((n) => {
    if (n === 'corpus') return !hasCorpus();
    if (n === 'root') return process.getuid?.() !== 0;
    if (n.startsWith('python:')) return !hasPythonModule(n.slice(7));
    return !hasTool(n);
  });
}

/** Registers `fn` as a test when nothing is `missing`, else as a skipped test whose name and reason are printed. */
export function testUnless(suite: Test, name: string, missing: string[], fn: () => void | Promise<void>): void {
  if (missing.length === 0) {
    suite(name, fn);
  } else {
    console.log(`SKIPPED ${name} (needs ${missing.join(', ')})`);
    suite.skip(name, fn);
  }
}

/** Registers `fn` as a test when every requirement of `needs` holds (missingNeeds), else skips it by name. */
export function testWith(suite: Test, name: string, needs: string[], fn: () => void | Promise<void>): void {
  testUnless(suite, name, missingNeeds(needs), fn);
}
