#!/usr/bin/env node
// Runs every compiled uvu test file (dist/test/**/*.test.js) in its own process, and
// closes with one plain line `N passed, N failed, N skipped` that CI reads, after
// listing by name every test that was skipped (a missing oracle tool, a missing corpus).
// Files run BAZAAR_TEST_JOBS at a time (default: one per core, at most 4), the slow
// ones (crash and concurrency trials) first so the two cores finish together.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('../dist/test/', import.meta.url).pathname;
const filter = process.argv[2] ? new RegExp(process.argv[2]) : null;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    // matched against test/DIR/FILE.test.js, not the whole path: a checkout's own directory name ("wt-rpmmd") must not select every file
    else if (name.endsWith('.test.js') && (!filter || filter.test(join('test', relative(root, p))))) files.push(p);
  }
})(root);

/** Files known to take minutes: started first. */
const SLOW = /(crash|concurrency|damage|roundtrip|show-vs-rpm|linked-images|integrity|channel|images)\.test\.js$/;
files.sort((a, b) => Number(SLOW.test(b)) - Number(SLOW.test(a)));

// The oracle tests that matter run a second time on an attached store (docs/engines.md):
// their stores (test/helpers/cli.ts freshStore) live on the file's PostgreSQL and Ceph.
// Reported as `attached: FILE`; skipped by name where the engines are not installed.
const ATTACHED = ['server/repo.test.js', 'boot/boot-refusals.test.js', 'image/images.test.js'];
const ENGINE_NEEDS = ['/usr/lib/postgresql/15/bin/postgres', 'ceph-mon', 'ceph-osd', 'ceph-mgr', 'radosgw', 'radosgw-admin'];
const enginesMissing = ENGINE_NEEDS.filter((n) => (n.startsWith('/') ? !existsSync(n) : spawnSync('sh', ['-c', `command -v ${n}`]).status !== 0));
const attached = ATTACHED.map((f) => join(root, f)).filter((p) => files.includes(p) || (filter?.test('attached') ?? false));
const runs = [...attached.map((file) => ({ file, attached: true })), ...files.map((file) => ({ file, attached: false }))];
const jobs = Math.max(1, Number(process.env.BAZAAR_TEST_JOBS) || Math.min(4, availableParallelism()));

// Each file gets its own TMPDIR, removed when it ends: a test that fails, or a child it
// killed, leaves no store behind (runs used to leave tens of gigabytes in /tmp).
function runFile(file, attachedStore) {
  const tmp = mkdtempSync(join(tmpdir(), 'bazaar-test-'));
  chmodSync(tmp, 0o1777); // as /tmp: tests run tools as other users (nobody, postgres)
  return new Promise((done) => {
    const env = { ...process.env, FORCE_COLOR: '0', TMPDIR: tmp, ...(attachedStore ? { BAZAAR_TEST_STORE: 'attached' } : {}) };
    const child = spawn(process.execPath, [file], { env });
    const chunks = [];
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('close', (status) => {
      rmSync(tmp, { recursive: true, force: true, maxRetries: 3 });
      done({ status, out: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

let passed = 0, failed = 0, skipped = 0;
const skips = [];
const failures = [];
let next = 0;
async function worker() {
  while (next < runs.length) {
    const { file, attached: onEngines } = runs[next++];
    await runOne(file, onEngines);
  }
}
async function runOne(file, onEngines) {
  const rel = `${onEngines ? 'attached: ' : ''}${relative(root, file)}`;
  if (onEngines && enginesMissing.length) {
    skipped++;
    skips.push(`${rel}: the whole file on an attached store (${enginesMissing.join(', ')} not installed)`);
    console.log(`skip ${rel}`);
    return;
  }
  const t0 = Date.now();
  const r = await runFile(file, onEngines);
  const out = r.out;
  const num = (label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);
  const total = num('Total'), ok = num('Passed'), skip = num('Skipped');
  for (const m of out.matchAll(/^SKIPPED (.*)$/gm)) skips.push(`${rel}: ${m[1]}`);
  // uvu's Total counts run tests only (skipped ones are not in it): a file whose every
  // test was skipped by name (a missing tool) ran none and passed; one that reports
  // neither ran nothing it should have
  const bad = r.status !== 0 || total + skip === 0 ? Math.max(1, total - ok) : total - ok;
  passed += ok; skipped += skip; failed += bad;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`${bad ? 'FAIL' : 'ok  '} ${rel} (${ok} passed${skip ? `, ${skip} skipped` : ''}${bad ? `, ${bad} failed` : ''}, ${secs}s)`);
  if (bad) failures.push(`--- ${rel}\n${out}`);
}
await Promise.all(Array.from({ length: jobs }, worker));
for (const f of failures) console.log(f);
if (skips.length) {
  console.log('\nSkipped, by name:');
  for (const s of skips) console.log(`  ${s}`);
}
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
