/**
 * `bazaar add`: .rpm files into the store, all or nothing. Every file is read and checked
 * first (prepared: ingest-rpm.ts); then, in one transaction, each becomes a new build, a
 * new signature variant of a stored build, or nothing (the same file again). A NEVRA
 * taken by another build refuses the whole add. Objects of a stored build that are
 * missing, or that fsck found damaged, are written again from the file: a re-add heals.
 * With `keepGoing`, a file that cannot be added (bad, or clashing) is reported on its
 * own and the rest are added, still in one commit.
 */
import { createReadStream, statSync } from 'node:fs';
import { BazaarError } from '../errors.js';
import { checksig } from '../rpm/index.js';
import type { ChecksigResult } from '../rpm/index.js';
import { entryAt } from './builds.js';
import type { BuildEntry } from './builds.js';
import { channelSettings, commitChannelAdd, planChannelAdd, requireChannel } from './channels.js';
import { readKeyring } from './keyring.js';
import type { KnownVerdicts } from './signed-builds.js';
import { readDamage } from './damage.js';
import { prepareRpm } from './ingest-rpm.js';
import type { PreparedPackage } from './ingest-rpm.js';
import { stageKind } from './kinds/index.js';
import type { BuildRecord } from './kinds/build.js';
import type { ObjectId } from './layout.js';
import type { StagedObject } from './objects.js';
import { PACKAGES_BRANCH, buildPath } from './ref-paths.js';
import { internals } from './store.js';
import type { Store } from './store.js';
import type { Transaction } from './transaction.js';

/** Packages read and staged at once. */
const PREPARE_PARALLEL = 3;

export interface AddResult {
  nevra: string;
  id: ObjectId;
  path: string;
  added: boolean;
  /** With `keepGoing`: why this file was not added (nevra and id are then empty). */
  refused?: { code: string; message: string };
}

/** A file to add: a Buffer for a name that is not valid UTF-8 (opened as given). */
export type AddPath = string | Buffer;

export interface AddOptions {
  onProgress?: (done: number, total: number, path: string) => void;
  /** Also put every added build (new or already stored) in this channel, in the same commit. */
  channel?: string;
  /** Store every file as an object now, not when a layer first needs it (ingest-rpm.ts). */
  unpack?: boolean;
  /** Add what can be added; each file that cannot is a result with `refused` (not all or nothing). */
  keepGoing?: boolean;
}

const refusal = (path: AddPath, err: BazaarError): AddResult => ({ nevra: '', id: '' as ObjectId, path: String(path), added: false, refused: { code: err.code, message: err.message } });

/** Adds .rpm files to `store` (see the module comment). */
export async function addPackages(store: Store, paths: AddPath[], options: AddOptions = {}): Promise<AddResult[]> {
  const refused = new Map<number, AddResult>();
  paths.forEach((p, i) => {
    try { checkRegularFile(p); } catch (err) {
      if (!options.keepGoing || !(err instanceof BazaarError)) throw err;
      refused.set(i, refusal(p, err));
    }
  });
  const into = options.channel === undefined ? null : (await store.read((snap) => channelSettings(store, snap, options.channel as string))).settings;
  const rewrite = new Set(readDamage(store.dir).map((d) => d.id));
  for (let attempt = 0; ; attempt++) {
    const prepared = await prepareAll(store, paths, rewrite, options, refused);
    const known = into?.requireSignature ? await judgeFiles(store, prepared) : undefined;
    const used = new Set<StagedObject>();
    try {
      return await store.write(async (tx) => {
        used.clear();
        if (options.channel !== undefined) await requireChannel(store, tx, options.channel);
        const { results, builds, commitPackages } = await applyPrepared(store, tx, prepared, used, rewrite, options, refused);
        // the channel's checks come before anything is written, so a refusal leaves no trace
        const plan = options.channel === undefined ? null : await planChannelAdd(store, tx, options.channel, builds, known);
        await commitPackages();
        if (plan) await commitChannelAdd(tx, plan, `add ${results.length} package${results.length === 1 ? '' : 's'} from files`);
        return results;
      });
    } catch (err) {
      // A concurrent gc removed an object we deduplicated against: prepare again.
      if (err instanceof BazaarError && err.code === 'ERR_STORE_OBJECT_NOT_FOUND' && err.data.retry && attempt < 2) continue;
      throw err;
    } finally {
      for (const p of prepared) if (p) await internals(store).objects.discard([p.rpmStaged, ...p.blobStaged, ...p.metaStaged].filter((s) => !used.has(s)));
    }
  }
}

/**
 * The signature verdicts of the files being added, by .rpm object id, for a channel that
 * requires signatures: the files' objects are staged, not yet readable from the store.
 */
async function judgeFiles(store: Store, prepared: ReadonlyArray<PreparedPackage | null>): Promise<KnownVerdicts> {
  const keys = await readKeyring(store.dir);
  const known = new Map<ObjectId, ChecksigResult>();
  for (const p of prepared) if (p && !known.has(p.rpm)) known.set(p.rpm, await checksig(createReadStream(p.path), keys, String(p.path)));
  return known;
}

/**
 * Reads and stages packages, PREPARE_PARALLEL at a time, results in the order given. On
 * a failure, everything staged is discarded and the failure of the first failing path
 * (in the order given, so the message does not depend on timing) is thrown.
 */
async function prepareAll(store: Store, paths: AddPath[], rewrite: ReadonlySet<ObjectId>, options: AddOptions, refused: Map<number, AddResult>): Promise<Array<PreparedPackage | null>> {
  const out: Array<PreparedPackage | null> = new Array(paths.length).fill(null);
  const failures: Array<{ index: number; err: unknown }> = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < paths.length) {
      const index = next++;
      if (refused.has(index)) { options.onProgress?.(++done, paths.length, String(paths[index])); continue; }
      try {
        out[index] = await prepareRpm(internals(store).objects, paths[index], { rewrite, unpack: options.unpack });
      } catch (err) {
        if (options.keepGoing && err instanceof BazaarError) refused.set(index, refusal(paths[index], err));
        else failures.push({ index, err });
      }
      options.onProgress?.(++done, paths.length, String(paths[index]));
    }
  };
  await Promise.all(Array.from({ length: PREPARE_PARALLEL }, worker));
  if (failures.length) {
    for (const p of out) if (p) await internals(store).objects.discard([p.rpmStaged, ...p.blobStaged, ...p.metaStaged]);
    throw failures.sort((a, b) => a.index - b.index)[0].err;
  }
  return out;
}

/** Turns prepared packages into build records in `tx` (`commitPackages` writes them); `used` collects what gets committed. */
async function applyPrepared(store: Store, tx: Transaction, prepared: Array<PreparedPackage | null>, used: Set<StagedObject>, rewrite: ReadonlySet<ObjectId>,
  options: AddOptions, refusedBefore: ReadonlyMap<number, AddResult>): Promise<{ results: AddResult[]; builds: BuildEntry[]; commitPackages: () => Promise<void> }> {
  const unpack = options.unpack === true;
  const records = new Map<string, { record: BuildRecord; changed: boolean; value: ObjectId | null; from?: string }>();
  const results: AddResult[] = [];
  const use = (...s: StagedObject[]): void => { for (const x of s) { used.add(x); tx.stage(x); } };
  for (const [index, p] of prepared.entries()) {
    if (p === null) { results.push(refusedBefore.get(index) as AddResult); continue; }
    let current = records.get(p.key);
    if (!current) {
      const entry = await entryAt(tx, PACKAGES_BRANCH, p.name, p.key);
      if (entry) current = { record: await store.readKind(entry.value, 'build'), changed: false, value: entry.value };
    }
    if (current && current.record.header !== p.header) {
      const err = current.from !== undefined
        ? new BazaarError('ERR_NEVRA_CONFLICT',
          `${p.nevra}: two files of this add are different builds under the same NEVRA: ${current.from} (build ${current.record.header}) and ${String(p.path)} (build ${p.header}); add one of them`,
          { data: { nevra: p.nevra, existing: current.record.header, incoming: p.header, path: String(p.path), clashesWith: current.from } })
        : new BazaarError('ERR_NEVRA_CONFLICT',
          `${p.nevra} is already in the store as build ${current.record.header}; refusing another build ${p.header} under the same NEVRA (bump the release); from ${String(p.path)}`,
          { data: { nevra: p.nevra, existing: current.record.header, incoming: p.header, path: String(p.path) } });
      if (!options.keepGoing) throw err;
      results.push(refusal(p.path, err));
      continue;
    }
    const variant = { rpm: p.rpm, size: p.rpmSize, signatures: p.signatures, added: Math.floor(store.now() / 1000) };
    if (!current) {
      use(p.rpmStaged, ...p.blobStaged, ...p.metaStaged);
      const m = p.meta;
      const record: Omit<BuildRecord, 'kind' | 'v'> = {
        name: p.name, nevra: p.nevra, key: p.key, epoch: m.epoch, version: m.version, release: m.release, arch: m.arch,
        disttag: m.disttag, buildtime: m.buildtime, isSource: m.isSource, header: p.header, manifest: p.manifest, variants: [variant],
      };
      records.set(p.key, { record: { ...record, kind: 'build', v: 1 }, changed: true, value: null, from: String(p.path) });
      results.push({ nevra: p.nevra, id: p.header, path: String(p.path), added: true });
      continue;
    }
    // The same build again: heal what was missing or known damaged (staged with a slot):
    // its header, and the files fsck found damaged or missing; other files stay in the .rpm.
    records.set(p.key, current);
    use(...p.blobStaged.filter((s) => s.slot !== null && (s.id === p.header || rewrite.has(s.id) || unpack)));
    if (p.manifest === current.record.manifest) {
      use(...p.metaStaged.filter((s) => s.slot !== null));
    } else if (!(await store.has(current.record.manifest)) || rewrite.has(current.record.manifest)) {
      // A manifest of an older format that is gone: the build takes this one instead.
      use(...p.metaStaged.filter((s) => s.slot !== null));
      current.record = { ...current.record, manifest: p.manifest };
      current.changed = true;
    }
    if (current.record.variants.some((v) => v.rpm === p.rpm)) {
      if (p.rpmStaged.slot !== null) use(p.rpmStaged);
      results.push({ nevra: p.nevra, id: p.header, path: String(p.path), added: current.changed });
      continue;
    }
    use(p.rpmStaged);
    current.record = { ...current.record, variants: [...current.record.variants, variant] };
    current.changed = true;
    records.set(p.key, current);
    results.push({ nevra: p.nevra, id: p.header, path: String(p.path), added: true });
  }
  // Objects we deduplicated against must still exist (a gc may have run before the lock).
  for (const s of used) {
    if (s.slot === null && !(await store.has(s.id))) {
      throw new BazaarError('ERR_STORE_OBJECT_NOT_FOUND', `object ${s.id} vanished while adding`, { data: { retry: true } });
    }
  }
  const changes: Array<{ path: string; id: ObjectId }> = [];
  const builds: BuildEntry[] = [];
  const lines: string[] = [];
  for (const { record, changed, value } of records.values()) {
    let id = value as ObjectId;
    if (changed) {
      const { kind: _kind, v: _v, ...fields } = record;
      const staged = await stageKind(tx, 'build', fields);
      use(staged);
      id = staged.id;
      changes.push({ path: buildPath(record.name, record.key), id });
      lines.push(`${record.nevra} ${record.header}`);
    }
    builds.push({ name: record.name, key: record.key, nevra: record.nevra, value: id });
  }
  const commitPackages = async (): Promise<void> => {
    if (changes.length) await tx.update(PACKAGES_BRANCH, changes, `add ${changes.length} package${changes.length === 1 ? '' : 's'}\n\n${lines.join('\n')}`);
  };
  return { results, builds, commitPackages };
}

/** A path `add` may read: a regular file (FIFOs, sockets and devices are refused before opening). */
function checkRegularFile(path: AddPath): void {
  let st;
  try { st = statSync(path); } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${path}: cannot open: ${(err as Error).message}`, { cause: err, data: { path } });
  }
  if (!st.isFile()) {
    const what = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'not a regular file';
    throw new BazaarError('ERR_BAD_INPUT', `${path}: ${what}, not an .rpm file`, { data: { path } });
  }
}
