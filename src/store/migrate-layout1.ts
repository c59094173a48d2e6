/**
 * Migrates a layout-1 store (bazaar 0.1) to layout 2, once, under the writers' lock, when
 * it is first opened. Layout 1 had no state file (git refs were the heads), no fan-out in
 * branch paths, and branches pointing at package manifests keyed by their JSON hash.
 * Layout 2 points at build records keyed on the rpm header (kinds/build.ts).
 *
 * Nothing is rewritten in place: each branch gets one new commit on top of its old
 * history ("migrate to store layout 2"), so log and diff reach back before the migration,
 * and every old object stays valid (each kind reads its layout-1 form as version 0). The
 * first state file is the commit point; the marker is updated after it, and a migration
 * interrupted in between finishes by writing the marker.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { withStoredCopy } from './rpm-blob.js';
import { BazaarError } from '../errors.js';
import { readRpmFile } from '../rpm/index.js';
import { BranchView } from './branch-view.js';
import { allEntries as branchEntries, updateTree } from './history/branch-tree.js';
import { signaturesOf } from './ingest-rpm.js';
import { makeDir } from '../fs/ops.js';
import { stageKind } from './kinds/index.js';
import type { BuildRecord } from './kinds/build.js';
import { INITIAL_LAYOUT, legacyIndexDir, markerPath, objectIdOf, tmpDir, tmpPath } from './layout.js';
import type { ObjectId } from './layout.js';
import type { StagedObject } from './objects.js';
import { CHANNEL_PREFIX, CHANNEL_SETTINGS_PATH, PACKAGES_BRANCH, PINS_BRANCH, buildOfPath, buildPath } from './ref-paths.js';
import { internals } from './store.js';
import type { Store } from './store.js';

/** Branch names under refs/heads of the legacy repository (loose refs; layout 1 never packed them). */

function readRpmBlob(store: Store, id: ObjectId): ReturnType<typeof readRpmFile> {
  return withStoredCopy(internals(store).objects, id, tmpPath(store.dir), readRpmFile);
}

export async function migrateLayout1(store: Store): Promise<void> {
  const { objects, repo, states } = internals(store);
  const finish = (): void => {
    const tmp = `${markerPath(store.dir)}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ layout: INITIAL_LAYOUT })}\n`);
    renameSync(tmp, markerPath(store.dir));
    rmSync(legacyIndexDir(store.dir), { recursive: true, force: true });
  };
  if ((await states.list()).length > 0) { finish(); return; }
  store.notice(`migrating the store to layout ${INITIAL_LAYOUT} (once): build records keyed on the rpm header`);
  const heads: Record<string, string> = {};
  for (const [branch, ref] of await repo.readRefs('heads')) {
    if (ref === 'garbage') throw new BazaarError('ERR_STORE_DAMAGED', `cannot migrate: refs/heads/${branch} is unreadable; restore it from a backup`, { data: { branch } });
    if (ref !== null) heads[branch] = ref;
  }
  const view = new BranchView(objects, repo, heads);
  const staged: StagedObject[] = [];
  const time = Math.floor(store.now() / 1000);
  const message = 'migrate to store layout 2\n\nBuild records keyed on the rpm header digest; paths fanned out by name.';
  const next: Record<string, string> = { ...heads };
  const commit = async (branch: string, changes: Array<{ path: string; id: ObjectId }>): Promise<void> => {
    const tree = (await updateTree(repo, null, changes)) ?? repo.writeTree([]);
    next[branch] = repo.writeCommit({ tree, parents: heads[branch] ? [heads[branch]] : [], message, timestamp: time });
  };
  makeDir(tmpDir(store.dir));

  // packages: manifest -> build record
  const records = new Map<ObjectId, ObjectId>();
  if (heads[PACKAGES_BRANCH]) {
    const changes: Array<{ path: string; id: ObjectId }> = [];
    for (const [path, manifestId] of await branchEntries(repo, (await repo.readCommit(heads[PACKAGES_BRANCH])).tree)) {
      const where = buildOfPath(path);
      if (!where) continue;
      try {
        const m = await store.readKind(manifestId, 'package');
        if (!m.rpm) throw new Error('the manifest names no .rpm');
        const rpm = await readRpmBlob(store, m.rpm);
        const headerBytes = Buffer.from(rpm.header.bytes);
        const header = objectIdOf(headerBytes);
        staged.push(await objects.stageBytes(headerBytes));
        const record: Omit<BuildRecord, 'kind' | 'v'> = {
          name: m.name, nevra: m.nevra, key: where.key, epoch: m.epoch, version: m.version, release: m.release, arch: m.arch,
          disttag: m.disttag ?? null, buildtime: m.buildtime, isSource: m.isSource, header, manifest: manifestId,
          variants: [{ rpm: m.rpm, size: m.rpmSize ?? rpm.size, signatures: signaturesOf(rpm), added: time }],
        };
        const s = await stageKind(objects, 'build', record);
        staged.push(s);
        records.set(manifestId, s.id);
        changes.push({ path: buildPath(where.name, where.key), id: s.id });
      } catch (err) {
        store.notice(`could not migrate ${where.key} (${(err as Error).message}); add its .rpm again to restore it`);
      }
    }
    await commit(PACKAGES_BRANCH, changes);
  }

  // channels: same paths, now to build records; the settings entry is kept
  for (const branch of Object.keys(heads).filter((b) => b.startsWith(CHANNEL_PREFIX))) {
    const changes: Array<{ path: string; id: ObjectId }> = [];
    for (const [path, id] of await view.entries(branch)) {
      if (path === CHANNEL_SETTINGS_PATH) { changes.push({ path, id }); continue; }
      const where = buildOfPath(path);
      const record = records.get(id);
      if (where && record) changes.push({ path: buildPath(where.name, where.key), id: record });
      else if (where) store.notice(`channel ${branch.slice(CHANNEL_PREFIX.length)}: ${where.key} was not migrated and leaves the channel`);
    }
    await commit(branch, changes);
  }

  // pins: pin objects that name the build record
  if (heads[PINS_BRANCH]) {
    const changes: Array<{ path: string; id: ObjectId }> = [];
    for (const [path, pinId] of await view.entries(PINS_BRANCH)) {
      const where = buildOfPath(path);
      const pin = await store.readKind(pinId, 'pin');
      const record = pin.package ? records.get(pin.package) : undefined;
      if (!where || !record) { store.notice(`pin ${path} names a build that was not migrated; it is dropped`); continue; }
      const s = await stageKind(objects, 'pin', { build: record, nevra: pin.nevra, reason: pin.reason });
      staged.push(s);
      changes.push({ path: buildPath(where.name, where.key), id: s.id });
    }
    await commit(PINS_BRANCH, changes);
  }

  await repo.flush(); // first: the objects' syncfs covers the history's files
  await objects.commit(staged);
  if (!(await states.commit({ seq: 1, time: store.now(), heads: next }))) {
    throw new BazaarError('ERR_STORE_LOCKED', 'another process migrated the store at the same time; run the command again');
  }
  await repo.setRefs(Object.entries(next).map(([branch, oid]) => [`heads/${branch}`, oid]));
  finish();
  for (const [branch, oid] of Object.entries(next)) {
    if (branch === PACKAGES_BRANCH || branch.startsWith(CHANNEL_PREFIX)) await store.indexOf(oid).catch(() => null);
  }
}
