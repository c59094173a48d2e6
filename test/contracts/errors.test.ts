/**
 * Errors say what is wrong; the CLI says what to run next; HTTP picks a status by code.
 *
 * - No message the library, the server or the rpm query engine creates names a `bazaar`
 *   command: the CLI appends its hints (src/cli/error-hints.ts), an HTTP client gets the
 *   plain message. Read from the source with TypeScript's parser: every string and
 *   template in src/ outside src/cli/.
 * - Every error code has an HTTP status chosen by the code (and, for the three codes that
 *   also say "no such thing", by the error's reason), never by the message's words.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { withHint } from '../../src/cli/error-hints.js';
import { BazaarError, isMissing } from '../../src/errors.js';
import type { ErrorCode, ErrorReason } from '../../src/errors.js';
import { HTTP_STATUS, statusOf } from '../../src/server/http-error.js';
import { projectRoot } from '../helpers/tools.js';

const t = suite('errors: messages, hints, HTTP status');
const SRC = join(projectRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

/** Every string literal and template piece of a file, with its line (comments are not literals). */
function literals(file: string): Array<{ line: number; text: string; node: ts.Node }> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: Array<{ line: number; text: string; node: ts.Node }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      out.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text, node });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The `new BazaarError(...)` a node is an argument of, if any. */
function enclosingBazaarError(node: ts.Node): ts.NewExpression | null {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isNewExpression(n) && n.expression.getText() === 'BazaarError') return n;
  }
  return null;
}

const outsideCli = sourceFiles(SRC).filter((f) => !relative(SRC, f).startsWith('cli/'));

/**
 * Reports the CLI prints whole (fsck's damage list, gc's, repair's plan) still spell
 * their next step as text: they are lines of a report, not error messages, and the
 * library returns them to the command that asked for the repair.
 */
const REPORT_WRITERS = new Set(['store/fsck.ts', 'store/gc.ts', 'store/repair.ts']);

t("no error message created outside src/cli names a 'bazaar ...' command", () => {
  const found: string[] = [];
  let errors = 0;
  for (const f of outsideCli) {
    for (const l of literals(f)) {
      const inError = enclosingBazaarError(l.node) !== null;
      if (inError) errors++;
      if (!l.text.includes("'bazaar ")) continue;
      if (!inError && REPORT_WRITERS.has(relative(SRC, f))) continue;
      found.push(`${relative(SRC, f)}:${l.line}: ${l.text.slice(0, 120)}`);
    }
  }
  assert.ok(errors > 300, `the scan saw ${errors} pieces of error messages`);
  assert.equal(found, []);
});

t('every error code has an HTTP status by its code: the same whatever the message says', () => {
  const codes = Object.keys(HTTP_STATUS) as ErrorCode[];
  assert.ok(codes.length >= 36, `${codes.length} codes`);
  const words = ['no channel x', 'no image x', 'no layer x', 'no version of layer x', 'no build x', 'no image commit x', 'x is broken', ''];
  for (const code of codes) {
    const statuses = new Set(words.map((m) => statusOf(new BazaarError(code, m))));
    assert.is(statuses.size, 1, `${code}: ${[...statuses].join(', ')} by message`);
    const status = [...statuses][0];
    assert.ok(Number.isInteger(status) && status >= 400 && status < 600, `${code}: ${status}`);
  }
  assert.is(statusOf(new BazaarError('ERR_PACKAGE_NOT_FOUND', 'x')), 404);
  assert.is(statusOf(new BazaarError('ERR_UNAUTHORIZED', 'x')), 401);
  assert.is(statusOf(new BazaarError('ERR_STORE_DAMAGED', 'x')), 503);
});

t('ERR_CHANNEL, ERR_IMAGE and ERR_LAYER: 404 for a thing that does not exist (its reason), 400 otherwise', () => {
  const cases: Array<[ErrorCode, ErrorReason | undefined, number]> = [
    ['ERR_CHANNEL', 'no-channel', 404], ['ERR_CHANNEL', 'bad-revision', 400], ['ERR_CHANNEL', undefined, 400],
    ['ERR_IMAGE', 'no-image', 404], ['ERR_IMAGE', 'no-image-commit', 404], ['ERR_IMAGE', 'image-exists', 400], ['ERR_IMAGE', 'has-children', 400], ['ERR_IMAGE', undefined, 400],
    ['ERR_LAYER', 'no-layer', 404], ['ERR_LAYER', 'no-layer-version', 404], ['ERR_LAYER', undefined, 400],
    ['ERR_USAGE', 'no-group', 400], ['ERR_TOKEN', 'no-token', 400], ['ERR_STORE_NOT_FOUND', 'no-store', 503],
  ];
  for (const [code, reason, want] of cases) {
    const err = new BazaarError(code, 'x', reason ? { reason } : {});
    assert.is(statusOf(err), want, `${code} ${reason ?? '(no reason)'}`);
  }
  const copied = new BazaarError('ERR_LAYER', 'rewritten', { data: new BazaarError('ERR_LAYER', 'no layer x', { reason: 'no-layer' }).data });
  assert.ok(isMissing(copied), 'the reason travels with data (a rewrapped error keeps its status)');
  assert.not.ok(isMissing(new BazaarError('ERR_LAYER', 'x', { data: { reason: 'no-such-reason' } })), 'only a known reason counts');
});

t('every "no ..." message of ERR_CHANNEL, ERR_IMAGE and ERR_LAYER in src carries a missing reason (so it stays a 404)', () => {
  const unmarked: string[] = [];
  let seen = 0;
  for (const f of sourceFiles(SRC)) {
    const source = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && node.expression.getText() === 'BazaarError' && node.arguments && node.arguments.length >= 2) {
        const [code, message, options] = node.arguments;
        if (ts.isStringLiteral(code) && ['ERR_CHANNEL', 'ERR_IMAGE', 'ERR_LAYER'].includes(code.text) && /^[`']no /.test(message.getText())) {
          seen++;
          if (!options || !/reason: 'no-/.test(options.getText())) unmarked.push(`${relative(SRC, f)}: ${message.getText().slice(0, 80)}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.ok(seen >= 6, `${seen} "no ..." messages`);
  assert.equal(unmarked, []);
});

t('the CLI appends the hint a reason names, after the whole message; errors without one print as they are', () => {
  assert.is(withHint(new BazaarError('ERR_LAYER', 'no layer base', { reason: 'no-layer' })), "no layer base; 'bazaar layer ls' lists them");
  assert.is(withHint(new BazaarError('ERR_LAYER', 'layer base@1.0.0 is already published')), 'layer base@1.0.0 is already published');
  assert.is(withHint(new BazaarError('ERR_STORE_DAMAGED', 'gc deleted nothing: x', { reason: 'history-unreadable' })), "gc deleted nothing: x; 'bazaar fsck --repair' says how to repair it");
  assert.is(withHint(new BazaarError('ERR_STORE_DAMAGED', 'gc deleted nothing: y', { reason: 'root-damaged' })), "gc deleted nothing: y; run 'bazaar fsck --repair' first");
  assert.is(withHint(new BazaarError('ERR_CHANNEL', "'x' is not a state of channel c (1 commits): give HEAD, HEAD~N or a commit id", { data: { channel: 'c' }, reason: 'bad-revision' })),
    "'x' is not a state of channel c (1 commits): give HEAD, HEAD~N or a commit id from 'bazaar channel log c'");
});

t.run();
