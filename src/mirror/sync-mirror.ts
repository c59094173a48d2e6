/**
 * A mirror's sync (docs/mirrors.md): make the mirror's channel equal the upstream's
 * package set.
 *
 * 1. repomd.xml (and its detached signature when the mirror has a key). Unchanged since
 *    the last complete sync, with the channel still at that sync's commit: done.
 * 2. primary.xml, checked against repomd's checksum, every location checked first.
 * 3. The builds the store lacks (no stored build of that NEVRA has an .rpm of that
 *    sha256) are downloaded PARALLEL at a time into the store's tmp/, each checked
 *    against primary's checksum, and added through the store's normal add in batches as
 *    they arrive: a sync killed at any moment has kept every batch committed, and the
 *    next one downloads only what is still missing.
 * 4. One commit makes the channel exactly the upstream's builds, through the channel-add
 *    path every other way in uses.
 *
 * Upstream failures are one ERR_UPSTREAM line naming the URL; what was stored stays.
 */
import { BazaarError } from '../errors.js';
import { channelBranch, channelSettings, channelUpstream, findMirror, publishBuildKeys, publishUpstream, recordMirrorSync, tmpPath } from '../store/index.js';
import type { ChannelChange, MirrorRecord, Store } from '../store/index.js';
import { createFile, removeFile } from '../fs/index.js';
import { nevraKey, parseNevra } from '../rpm/index.js';
import { encodeRecordLines } from '../resolver/index.js';
import { fetchToFile } from './fetch-upstream.js';
import { DEFAULT_LIMITS, fetchDocuments, fetchPackages, fetchRepomd } from './upstream-metadata.js';
import type { MirrorLimits, UpstreamPackage, UpstreamRepomd } from './upstream-metadata.js';
import { verifyRepomd } from './verify-repomd.js';

/** Downloads at once: enough to keep a link busy, few enough to be a polite client. */
const PARALLEL = 4;
/** At most this many downloads go into one add (one commit): what a kill can cost. */
const BATCH = 256;
const MIN_BATCH = 64;

export interface SyncOptions {
  /** Called after each download: done, total, the package's NEVRA. */
  onProgress?: (done: number, total: number, nevra: string) => void;
  parallel?: number;
  limits?: Partial<MirrorLimits>;
}

export interface SyncResult {
  mirror: string;
  channel: string;
  /** The channel's commit after the sync. */
  commit: string;
  /** Packages the upstream lists. */
  packages: number;
  /** .rpm files downloaded, and their bytes. */
  downloaded: number;
  bytes: number;
  /** True when repomd.xml had not changed since the last sync: nothing else was read. */
  unchanged: boolean;
  added: string[];
  removed: string[];
}

/** The upstream packages whose .rpm no stored build of their NEVRA has. */
async function missingFrom(store: Store, packages: readonly UpstreamPackage[]): Promise<UpstreamPackage[]> {
  return store.read(async (view) => {
    const index = await store.index(view);
    const byKey = new Map(index.builds.map((b) => [b.key, b.value]));
    const out: UpstreamPackage[] = [];
    for (const p of packages) {
      const value = byKey.get(p.key);
      if (value === undefined) { out.push(p); continue; }
      // The same NEVRA stored: the same file when one of its variants has this sha256. A
      // checksum of another algorithm cannot be compared: the stored build is taken.
      if (p.checksum.type !== 'sha256') continue;
      const record = await store.readKind(value, 'build');
      if (!record.variants.some((v) => v.rpm === `sha256:${p.checksum.value}`)) out.push(p);
    }
    return out;
  });
}

/**
 * Downloads `wanted`, PARALLEL at a time, adding what arrives in batches. The first
 * failure stops the other downloads; what was downloaded by then is still added.
 */
async function downloadAndAdd(store: Store, wanted: readonly UpstreamPackage[], limits: MirrorLimits, options: SyncOptions): Promise<number> {
  const stop = new AbortController();
  const ready: Array<{ pkg: UpstreamPackage; path: string }> = [];
  let failure: unknown = null;
  let next = 0;
  let done = 0;
  let bytes = 0;
  let downloading = true;
  let wake: (() => void) | null = null;
  const poke = (): void => { wake?.(); wake = null; };
  const worker = async (): Promise<void> => {
    while (failure === null && next < wanted.length) {
      const pkg = wanted[next++];
      const path = tmpPath(store.dir);
      const rpmLimits = { ...limits.rpm, maxBytes: Math.min(limits.rpm.maxBytes, pkg.size ?? Infinity) };
      try {
        bytes += await fetchToFile(pkg.url, path, pkg.checksum, rpmLimits, stop.signal);
      } catch (err) {
        if (failure === null) failure = err;
        stop.abort();
        break;
      }
      ready.push({ pkg, path });
      options.onProgress?.(++done, wanted.length, pkg.nevra);
      poke();
    }
  };
  const adder = async (): Promise<void> => {
    while (downloading || ready.length) {
      // A batch of at least MIN_BATCH (each add is a commit: one per file would cost more
      // than the adding), or what is left once the downloads are over.
      if (ready.length < MIN_BATCH && downloading && failure === null) { await new Promise<void>((r) => { wake = r; }); continue; }
      const batch = ready.splice(0, BATCH);
      try {
        const results = await store.add(batch.map((b) => b.path));
        results.forEach((r, i) => {
          const got = parseNevra(r.nevra);
          if (!got || nevraKey(got) !== batch[i].pkg.key) {
            throw new BazaarError('ERR_UPSTREAM', `${batch[i].pkg.url}: is ${r.nevra}, but the upstream's primary.xml says ${batch[i].pkg.nevra}`, { data: { url: batch[i].pkg.url } });
          }
        });
      } catch (err) {
        if (failure === null) failure = err;
        stop.abort();
      } finally {
        for (const b of batch) removeFile(b.path);
      }
    }
  };
  const adding = adder();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? PARALLEL, 32)) }, worker));
  downloading = false;
  poke();
  await adding;
  for (const b of ready) removeFile(b.path);
  if (failure !== null) throw failure;
  return bytes;
}

function limitsOf(options: SyncOptions): MirrorLimits {
  return { ...DEFAULT_LIMITS, ...options.limits };
}

/** Syncs mirror `name` (see the module comment). */
export async function syncMirror(store: Store, name: string, options: SyncOptions = {}): Promise<SyncResult> {
  const mirror: MirrorRecord = findMirror(store.dir, name);
  const limits = limitsOf(options);
  const { head, upstream } = await store.read(async (view) => {
    await channelSettings(store, view, mirror.channel);
    return { head: view.head(channelBranch(mirror.channel)), upstream: (await channelUpstream(store, view, mirror.channel))?.upstream ?? null };
  });
  const repomd = await fetchRepomd(mirror.url, limits);
  if (mirror.key !== undefined) await verifyRepomd(repomd, mirror.key, limits);
  const base = { mirror: name, channel: mirror.channel, downloaded: 0, bytes: 0, added: [], removed: [] };
  // An on-demand channel moves with each first use: its `.upstream` says which repomd it holds.
  const same = mirror.policy === 'on-demand' ? upstream?.repomd === repomd.digest && upstream.url === mirror.url : mirror.last?.commit === head && upstream === null;
  if (mirror.last && mirror.last.repomd === repomd.digest && same && head !== null) {
    return { ...base, commit: head, packages: mirror.last.packages, unchanged: true };
  }
  if (mirror.policy === 'on-demand') return syncOnDemand(store, mirror, repomd, limits);
  const packages = await fetchPackages(mirror.url, repomd, tmpPath(store.dir), limits);
  const wanted = await missingFrom(store, packages);
  const bytes = wanted.length ? await downloadAndAdd(store, wanted, limits, options) : 0;
  const change: ChannelChange = await publishBuildKeys(store, mirror.channel, packages, `sync of mirror ${name} from ${mirror.url}`);
  await recordMirrorSync(store.dir, name, { repomd: repomd.digest, commit: change.commit, synced: new Date(store.now()).toISOString(), packages: packages.length });
  return { ...base, commit: change.commit, packages: packages.length, downloaded: wanted.length, bytes, unchanged: false, added: change.added, removed: change.removed };
}

/**
 * An on-demand sync: the metadata now (repomd.xml, primary and every document repomd
 * lists, each checked), no .rpm; one commit makes `.upstream` name it and the channel hold
 * the upstream packages the store already has. The rest are fetched on first use
 * (fetch-on-first-use.ts).
 */
async function syncOnDemand(store: Store, mirror: MirrorRecord, repomd: UpstreamRepomd, limits: MirrorLimits): Promise<SyncResult> {
  const files: string[] = [];
  const tmp = (): string => { const p = tmpPath(store.dir); files.push(p); return p; };
  try {
    const repomdFile = tmp();
    createFile(repomdFile, repomd.bytes);
    const primaryFile = tmp();
    const packages = await fetchPackages(mirror.url, repomd, primaryFile, limits, { keep: true, records: true });
    const documents = await fetchDocuments(mirror.url, repomd, tmp, limits);
    const change = await publishUpstream(store, mirror.channel, {
      url: mirror.url,
      repomd: repomdFile,
      metadata: [{ type: 'primary', href: repomd.primary.href, path: primaryFile }, ...documents],
      packages: packages.map((p) => ({ name: p.name, key: p.key, href: p.href, checksum: p.checksum, size: p.size })),
      // Source packages are not installable: the resolver never sees them.
      records: encodeRecordLines(packages.flatMap((p) => (p.record && p.record.arch !== 'src' && p.record.arch !== 'nosrc' ? [p.record] : []))),
    }, `on-demand sync of mirror ${mirror.name} from ${mirror.url}`);
    await recordMirrorSync(store.dir, mirror.name, { repomd: repomd.digest, commit: change.commit, synced: new Date(store.now()).toISOString(), packages: packages.length });
    return { mirror: mirror.name, channel: mirror.channel, commit: change.commit, packages: packages.length, downloaded: 0, bytes: 0, unchanged: false, added: change.added, removed: change.removed };
  } finally {
    for (const f of files) removeFile(f);
  }
}
