/**
 * `bazaar show --json` against `rpm -qp` on every corpus package and every package of
 * repos/sample: NEVRA fields, all eight dependency kinds, and the file tags. `show` runs
 * in-process (the CLI's own dispatch): what is compared is its output, not a node start.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { nevraKey } from '../../src/rpm/nevra.js';
import { packageMeta } from '../../src/rpm/package-meta.js';
import { readRpmFile } from '../../src/rpm/read-rpm.js';
import { bazaar, freshStore } from '../helpers/cli.js';
import { runInProcess } from '../helpers/in-process.js';
import { compareWithRpm } from '../helpers/compare-show.js';
import type { ShownPackage } from '../helpers/compare-show.js';
import { rpmAlias, rpmSays } from '../helpers/rpm-oracle.js';
import { corpusRpms, sampleRpms } from '../helpers/rpm-files.js';
import { testWith } from '../helpers/tools.js';

const t = suite('show --json agrees with rpm -qp');

/** `bazaar show --json` run in this process: the same dispatch, without a node start per package. */
async function showJson(store: string, ref: string): Promise<ShownPackage> {
  const r = await runInProcess(['show', '--json', '--store', store, ref]);
  if (r.status !== 0) throw new Error(`show ${ref}: exit ${String(r.status)}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ShownPackage;
}

/**
 * Adds files to as few stores as possible: builds sharing a NEVRA with different bytes
 * (the corpus has the same package under several compressors) go to different stores,
 * since one store refuses a second build under a taken NEVRA.
 */
async function ingest(files: string[]): Promise<Array<{ file: string; store: string; nevra: string }>> {
  const stores: Array<{ dir: string; keys: Set<string>; files: string[] }> = [];
  const placed: Array<{ file: string; key: string; nevra: string; slot: number }> = [];
  for (const file of files) {
    const meta = packageMeta((await readRpmFile(file)).header, file);
    const key = nevraKey(meta);
    let slot = stores.findIndex((s) => !s.keys.has(key));
    if (slot < 0) { stores.push({ dir: freshStore('oracle'), keys: new Set(), files: [] }); slot = stores.length - 1; }
    stores[slot].keys.add(key);
    stores[slot].files.push(file);
    placed.push({ file, key, nevra: meta.nevra, slot });
  }
  for (const s of stores) {
    const r = bazaar(['add', '--store', s.dir, ...s.files]);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.trim().split('\n').length, s.files.length);
  }
  return placed.map((p) => ({ file: p.file, store: stores[p.slot].dir, nevra: p.nevra }));
}

async function checkAll(files: string[]): Promise<void> {
  const placed = await ingest(files);
  const failures: string[] = [];
  const queue = [...placed];
  const worker = async (): Promise<void> => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      const shown = await showJson(p.store, p.nevra);
      const diffs = compareWithRpm(p.file, shown);
      if (diffs.length) failures.push(`${p.file}:\n  ${diffs.slice(0, 6).join('\n  ')}`);
    }
  };
  await Promise.all([worker(), worker()]);
  assert.equal(failures, [], failures.join('\n'));
}

testWith(t, 'the query format is what rpm\'s --provides/--requires/... aliases print', ['rpm'], () => {
  const file = sampleRpms().find((f) => f.includes('webapp-2.4.1'))!;
  const says = rpmSays(file);
  for (const kind of ['provides', 'requires', 'recommends', 'suggests', 'enhances']) {
    assert.equal(says.deps[kind], rpmAlias(file, kind), kind);
  }
  assert.ok(says.deps.requires.some((d) => d.startsWith('(')), 'webapp has rich requires');
});

testWith(t, 'every package of repos/sample', ['rpm'], async () => {
  const files = sampleRpms();
  assert.ok(files.length >= 30, `repos/sample has ${files.length} packages`);
  await checkAll(files);
});

testWith(t, 'every package of the shared corpus (../shared/corpus/rpms)', ['rpm', 'corpus'], async () => {
  const files = corpusRpms();
  assert.ok(files.length >= 150, `corpus has ${files.length} packages`);
  await checkAll(files);
});

t.run();
