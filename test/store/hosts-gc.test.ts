/**
 * gc across hosts (docs/engines.md, "gc across hosts"): gc on one host while another
 * writes loses nothing. The race is forced: the writer finds a removed package's objects
 * present (and skips writing them), then waits, between staging and its state commit,
 * for another host's gc with no grace period to delete exactly those objects. The gc
 * fence makes the writer see that a gc ran, find its objects gone, and start again.
 * Skipped by name where PostgreSQL or Ceph is not installed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { removePackage } from '../../src/store/remove.js';
import { S3ObjectBackend } from '../../src/store/s3-object-backend.js';
import type { StagedObject } from '../../src/store/object-backend.js';
import type { ObjectId } from '../../src/store/layout.js';
import type { AddResult, Store } from '../../src/store/store.js';
import { attachedHost, closeHosts, storeName } from '../helpers/attached-hosts.js';
import { testWithEngine } from '../helpers/engines.js';
import { sampleRpms } from '../helpers/rpm-files.js';

const t = suite('gc across hosts');

/** An S3 backend that runs `pause` once, after the objects of a commit are put and before the state's commit. */
class PausingS3 extends S3ObjectBackend {
  pause: (() => Promise<void>) | null = null;
  override async commit(staged: readonly StagedObject[]): Promise<boolean> {
    const r = await super.commit(staged);
    const p = this.pause;
    this.pause = null;
    if (p) await p();
    return r;
  }
}

/** fsck is clean (every object a kept state reaches is there and intact), and each package is listed and its header reads. */
/** An S3 backend that runs `beforeDelete` once, before the deletions of a gc (after its state's commit). */
class DeletingS3 extends S3ObjectBackend {
  beforeDelete: (() => Promise<void>) | null = null;
  override async deleteAll(ids: readonly ObjectId[]): Promise<void> {
    const p = this.beforeDelete;
    this.beforeDelete = null;
    if (p && ids.length) await p();
    return super.deleteAll(ids);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function assertWhole(store: Store, packages: AddResult[], what: string): Promise<void> {
  const report = await store.fsck();
  assert.ok(report.ok, `${what}: ${JSON.stringify({ problems: report.problems, history: report.history, state: report.state })}`);
  const listed = (await store.list()).map((b) => b.nevra);
  for (const p of packages) {
    assert.ok(listed.includes(p.nevra), `${what}: ${p.nevra} is listed`);
    assert.ok((await store.readBytes(p.id)).length > 0, `${what}: ${p.nevra}'s header reads`);
  }
}

testWithEngine(t, 'a writer that skipped objects present, held up while another host gc deletes them (no grace), commits only once they are written again: nothing is lost', ['postgres', 'ceph'], async () => {
  const name = storeName();
  const a = await attachedHost(name, { s3: { gcGraceMs: 0 } });
  const rpms = sampleRpms().slice(0, 3);
  const added = await a.store.add(rpms);
  await removePackage(a.store, added[0].nevra);
  const b = await attachedHost(name, { objects: PausingS3, s3: { gcGraceMs: 0 } });
  let deleted = -1;
  (b.backends.objectBackend as PausingS3).pause = async () => {
    const r = await a.store.gc({ retentionDays: 0, now: Date.now() + 60_000 });
    deleted = r.deleted;
  };
  const again = await b.store.add([rpms[0]]);
  assert.ok(deleted > 0, `the other host's gc ran while the writer waited and deleted the removed package's objects (${deleted})`);
  assert.is(again[0].nevra, added[0].nevra);
  assert.ok(again[0].added, 'the package is back');
  await assertWhole(b.store, added, 'the writer');
  await assertWhole(a.store, added, 'the collector');
});

testWithEngine(t, 'a writer that begins after another host gc committed its state, before its deletions (no grace), waits for them: what it found present and skipped is not lost', ['postgres', 'ceph'], async () => {
  const name = storeName();
  const a = await attachedHost(name, { objects: DeletingS3, s3: { gcGraceMs: 0 } });
  const rpms = sampleRpms().slice(0, 3);
  const added = await a.store.add(rpms);
  await removePackage(a.store, added[0].nevra);
  const b = await attachedHost(name, { s3: { gcGraceMs: 0 } });
  let adding = null as Promise<AddResult[]> | null;
  let finishedFirst = false;
  (a.backends.objectBackend as DeletingS3).beforeDelete = async () => {
    // the doomed objects are there: the writer finds them present; it has 3 s to commit
    adding = b.store.add([rpms[0]]);
    let done = false;
    await Promise.race([adding.then(() => { done = true; }), sleep(3000)]);
    finishedFirst = done;
  };
  const r = await a.store.gc({ retentionDays: 0, now: Date.now() + 60_000 });
  assert.ok(r.deleted > 0, `gc deleted the removed package's objects (${r.deleted})`);
  assert.ok(adding !== null, 'the writer ran between the gc state commit and its deletions');
  const again = await adding!;
  assert.ok(again[0].added, 'the package is back');
  await assertWhole(b.store, added, 'the writer');
  await assertWhole(a.store, added, 'the collector');
  assert.not.ok(finishedFirst, 'the writer could not commit while the gc held the fence');
});

testWithEngine(t, 'with the grace period, gc keeps an unreferenced object written within it, and collects it once older', ['postgres', 'ceph'], async () => {
  const name = storeName();
  const a = await attachedHost(name, { s3: { gcGraceMs: 3_600_000 } });
  const added = await a.store.add(sampleRpms().slice(0, 2));
  await removePackage(a.store, added[0].nevra);
  const young = await a.store.gc({ retentionDays: 0, now: Date.now() + 60_000 });
  assert.is(young.deleted, 0, 'nothing younger than the grace period goes');
  assert.ok(young.young > 0, `the removed package's objects are kept as young (${young.young})`);
  const old = await a.store.gc({ retentionDays: 0, now: Date.now() + 60_000, graceMs: 0 });
  assert.is(old.deleted, young.young, 'the same objects go once the grace period is over');
  await assertWhole(a.store, [added[1]], 'after gc');
});

t.after(closeHosts);

t.run();
