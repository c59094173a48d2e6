/**
 * docs/versioning-policy.md is executable: every fenced example table is checked here,
 * the rpm rows against rpm itself too, every rule has a test named after it, and every
 * function a rule names as its enforcer is exported by the library.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as library from '../../src/index.js';
import * as policy from '../../src/policy/index.js';
import * as layerRules from '../../src/layer/index.js';
import * as storeApi from '../../src/store/index.js';
import { parseEvr } from '../../src/rpm/nevra.js';
import type { Dependency } from '../../src/rpm/dependency.js';
import { oracleLabelCompare } from '../helpers/python-rpm-oracle.js';
import { projectRoot, testWith } from '../helpers/tools.js';

const doc = readFileSync(join(projectRoot, 'docs/versioning-policy.md'), 'utf8');

/** The rows of every fenced block with this info string (comments and blank lines dropped). */
function blocks(kind: string): string[] {
  const rows: string[] = [];
  const re = new RegExp('^```' + kind + '\\n([\\s\\S]*?)^```', 'gm');
  for (const m of doc.matchAll(re)) {
    for (const line of (m[1] as string).split('\n')) {
      const s = line.trim();
      if (s !== '' && !s.startsWith('#')) rows.push(s);
    }
  }
  return rows;
}

const OPS: Record<string, number> = { '<': -1, '=': 0, '>': 1 };
const t = suite('docs/versioning-policy.md');

function evrExamples(): Array<{ left: string; right: string; want: number; mode: string }> {
  return blocks('evr-examples').map((row) => {
    const [left, op, right, mode = 'both'] = row.split(/\s+/) as [string, string, string, string?];
    assert.ok(op in OPS, `operator in '${row}'`);
    assert.ok(['rpm', 'alt', 'both'].includes(mode), `mode in '${row}'`);
    return { left, right, want: OPS[op] as number, mode };
  });
}

t('rule-alt-release-conventions: every evr-examples row holds in its order(s)', () => {
  const rows = evrExamples();
  assert.ok(rows.length >= 30, `${rows.length} rows`);
  for (const r of rows) {
    if (r.mode !== 'alt') assert.is(policy.compareEvrText(r.left, r.right), r.want, `rpm order: ${r.left} vs ${r.right}`);
    if (r.mode !== 'rpm') {
      const got = policy.compareAltBuilds(parseEvr(r.left), parseEvr(r.right), { honorBuildtime: false });
      assert.is(got, r.want, `ALT order: ${r.left} vs ${r.right}`);
    }
  }
});

testWith(t, 'rule-evr-order: the rpm-order rows of evr-examples agree with rpm.labelCompare', ['python:rpm'], () => {
  const rows = evrExamples().filter((r) => r.mode !== 'alt');
  const want = oracleLabelCompare(rows.map((r) => [r.left, r.right] as const));
  rows.forEach((r, i) => assert.is(r.want, want[i], `${r.left} vs ${r.right}: the doc says ${r.want}, rpm ${want[i]}`));
});

t('rule-alt-mode: every alt-build-examples row holds', () => {
  const rows = blocks('alt-build-examples');
  assert.ok(rows.length >= 10);
  const side = (evr: string, dt: string, bt: string): policy.AltBuild => ({
    ...parseEvr(evr), disttag: dt === '-' ? null : dt, buildtime: bt === '-' ? null : Number(bt),
  });
  for (const row of rows) {
    const c = row.split(/\s+/);
    assert.is(c.length, 8, `8 columns in '${row}'`);
    const options: policy.AltCompareOptions = {};
    for (const o of (c[7] as string).split(',')) {
      if (o.startsWith('priority=')) options.priorityBranch = o.slice(9);
      else if (o === 'buildtime=off') options.honorBuildtime = false;
      else assert.is(o, '-', `option '${o}' in '${row}'`);
    }
    const got = policy.compareAltBuilds(side(c[0]!, c[1]!, c[2]!), side(c[4]!, c[5]!, c[6]!), options);
    assert.is(got, OPS[c[3]!], row);
  }
});

t('rule-layer-semver: every semver-examples row holds', () => {
  const rows = blocks('semver-examples');
  assert.ok(rows.length >= 6);
  for (const row of rows) {
    const [prev, next, bump] = row.split(/\s+/) as [string, string, string];
    assert.is(layerRules.actualBump(prev, next) ?? 'none', bump, row);
  }
});

t('rule-layer-semver: every range-examples row holds', () => {
  const rows = blocks('range-examples');
  assert.ok(rows.length >= 5);
  for (const row of rows) {
    const cols = row.split(/\s+/);
    const range = cols[0] as string;
    const picks = cols[cols.length - 1] as string;
    const ref = layerRules.parseLayerRef(`base@${range}`);
    assert.is(layerRules.pickLayerVersion(cols.slice(1, -1), ref.range) ?? 'none', picks, row);
  }
});

t('rule-layer-bump: every bump-examples row holds', () => {
  const rows = blocks('bump-examples');
  assert.ok(rows.length >= 6);
  const list = (s: string): Dependency[] => (s.trim() === '-' ? [] : s.split(',').map((x) => {
    const [name, evr = ''] = x.trim().split('=') as [string, string?];
    return { name, flags: evr === '' ? '' : '=', evr };
  }));
  for (const row of rows) {
    const [prev, next, want] = row.split('|') as [string, string, string];
    assert.is(layerRules.requiredBump({ previous: list(prev), next: list(next) }).bump, want.trim(), row);
  }
});

/** `### rule-x: ...` sections, with their "Enforced by" text. */
function rules(): Array<{ id: string; enforcedBy: string; planned: boolean }> {
  const out: Array<{ id: string; enforcedBy: string; planned: boolean }> = [];
  const sections = doc.split(/^#{2,3} /m);
  for (const s of sections) {
    const m = /^(rule-[a-z-]+)(?::|\s)/.exec(s);
    if (!m) continue;
    const enforced = /Enforced by:([\s\S]*?)(?:\n\n|$)/.exec(s);
    assert.ok(enforced, `${m[1]} says what enforces it`);
    out.push({ id: m[1] as string, enforcedBy: enforced[1] as string, planned: /\(enforced from the channels\s+work\)/.test(enforced[1] as string) });
  }
  return out;
}

t('every rule has an anchor, an enforcer, and a test named after it', () => {
  const all = rules();
  assert.ok(all.length >= 15, `${all.length} rules`);
  // Rules about the store (channels, retention) are tested in test/store and test/cli.
  const testText = ['policy', 'store', 'cli'].map((d) => join(projectRoot, 'dist/test', d))
    .flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.test.js')).map((f) => readFileSync(join(dir, f), 'utf8'))).join('\n');
  // Names of registered tests only (t('rule-x: ...') or testWith(t, 'rule-x: ...')), not messages.
  const named = new Set([...testText.matchAll(/(?:\bt\(|testWith\(t,\s*)['"`](rule-[a-z-]+):/g)].map((m) => m[1]));
  for (const r of all) {
    assert.ok(doc.includes(`<a id="${r.id}"></a>`), `${r.id} has a stable anchor`);
    assert.ok(doc.includes(`(#${r.id})`), `${r.id} is in the rule index`);
    const names = [...r.enforcedBy.matchAll(/`([a-z][A-Za-z]+)`/g)].map((m) => m[1] as string);
    assert.ok(names.length > 0, `${r.id} names a function`);
    if (r.planned) continue;
    for (const n of names) {
      // An enforcer is a policy function, a layer version rule, a library export, or a method of the Store.
      const found = [policy, layerRules, storeApi, library, library.Store.prototype].some((m) => typeof (m as Record<string, unknown>)[n] === 'function');
      assert.ok(found, `${r.id}: ${n} is exported by src/policy, src/layer, src/store or the library, or is a Store method`);
    }
    assert.ok(named.has(r.id), `${r.id} has a test whose name starts with '${r.id}:'`);
  }
});

t.run();
