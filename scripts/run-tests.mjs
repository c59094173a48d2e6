#!/usr/bin/env node
// Runs every compiled uvu test file (dist/test/**/*.test.js) in its own process, and
// closes with one plain line `N passed, N failed, N skipped` that CI reads, after
// listing by name every test that was skipped (a missing oracle tool, a missing corpus).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../dist/test/', import.meta.url).pathname;
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (!filter || filter.test(p))) files.push(p);
  }
})(root);

let passed = 0, failed = 0, skipped = 0;
const skips = [];
const failures = [];
for (const file of files) {
  const rel = relative(root, file);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [file], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, FORCE_COLOR: '0' } });
  const out = `${r.stdout}${r.stderr}`;
  const num = (label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);
  const total = num('Total'), ok = num('Passed'), skip = num('Skipped');
  for (const m of out.matchAll(/^SKIPPED (.*)$/gm)) skips.push(`${rel}: ${m[1]}`);
  // uvu's Total counts run tests only (skipped ones are not in it)
  const bad = r.status !== 0 || total === 0 ? Math.max(1, total - ok) : total - ok;
  passed += ok; skipped += skip; failed += bad;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`${bad ? 'FAIL' : 'ok  '} ${rel} (${ok} passed${skip ? `, ${skip} skipped` : ''}${bad ? `, ${bad} failed` : ''}, ${secs}s)`);
  if (bad) failures.push(`--- ${rel}\n${out}`);
}
for (const f of failures) console.log(f);
if (skips.length) {
  console.log('\nSkipped, by name:');
  for (const s of skips) console.log(`  ${s}`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
