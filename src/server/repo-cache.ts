/**
 * Channels as rpm-md repositories: the metadata of a channel's state, generated from the
 * headers the store keeps (never from the .rpm files) and cached as derived data under
 * `<store>/cache/rpmmd/<channel>/<commit>/`:
 *
 *   repodata/repomd.xml, repodata/<sha256>-{primary,filelists,other}.xml.gz
 *   repodata/repomd.xml.asc, repodata/repomd.xml.key   with a signing key (docs/repo-signing.md):
 *                   the detached signature of that repomd.xml and the public key
 *   packages.json   {href: {rpm, size}}: which stored .rpm each `location href` names
 *   runs.json       where each run of packages is in each document (rpmmd-runs-file.ts):
 *                   what a republish by any process copies instead of compressing again
 *   sums            the seal: every file's sha256 and size, checked before a generation
 *                   is first served by a process (a damaged one is generated again)
 *
 * A signed generation's directory is `<commit>.<keyid>` (another key, another directory).
 * A generation is written into a temp directory beside it and renamed into place whole,
 * so a reader sees all of one generation or none of it; the commit in the name makes an
 * entry immutable (a new channel state is a new directory). The generation a new one
 * replaces is kept, so a client that read the old repomd.xml a moment ago still finds
 * its documents; older ones are deleted.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BazaarError, isErrno } from '../errors.js';
import { createrepoOrder, formatPackage, writeDocuments, writeSegmentedDocuments } from '../rpmmd/index.js';
import type { DocumentType, Formatted, FormattedBytes, MemberPlace, RepomdRecord, SegmentedIndex } from '../rpmmd/index.js';
import { CACHE_TMP_PREFIX, channelBranch, channelCommitTime, channelSettings, channelUpstream, checkSealedDir, pruneRpmmd, rpmmdCacheDir, rpmmdGenerationDir, sealDir } from '../store/index.js';
import type { FileSum, ObjectId, Snapshot, Store, UpstreamPackages } from '../store/index.js';
import { decodeFragments, fragmentEntry, fragmentPacks, prepareFragments, repoPackageOf } from '../rpmmd/index.js';
import type { FragmentEntry } from '../rpmmd/index.js';
import { readRunsFile, RUNS_FILE, runsFileText } from './rpmmd-runs-file.js';
import { cutSegments } from './rpmmd-segments.js';
import { checkedForBatch } from './batch-checks.js';
import type { ActiveSigningKey, RepositorySigner } from './repo-signer.js';

/** The `.rpm` behind one `location href`. */
export interface RepoFile { rpm: ObjectId; size: number }

/** One generated repository: where its files are and which .rpm each href names. */
export interface RepoGeneration {
  channel: string;
  /** The channel commit it is of (an on-demand channel's: its `.upstream`, `upstream-<hex>`). */
  commit: string;
  /** The channel head it was last found current for (an on-demand channel moves with each first use, its metadata does not). */
  head: string;
  /** An on-demand mirror's channel: the upstream's package list (its .rpm files fetched on first use). */
  upstream: UpstreamPackages | null;
  /** The key id that signed its repomd.xml, or null. */
  signedBy: string | null;
  dir: string;
  packages: Map<string, RepoFile>;
}

/** The generation in `dir`, whose seal was checked (or which was just written). */
function loadGeneration(channel: string, commit: string, signedBy: string | null, dir: string, head: string, upstream: UpstreamPackages | null): RepoGeneration | null {
  let text: string;
  try { text = readFileSync(join(dir, 'packages.json'), 'utf8'); } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return null;
    throw err;
  }
  const raw = JSON.parse(text) as Record<string, RepoFile>;
  return { channel, commit, head, upstream, signedBy, dir, packages: new Map(Object.entries(raw)) };
}

export class RepoCache {
  /** Generations in progress, by channel: one writer per channel in this process. */
  private readonly building = new Map<string, Promise<RepoGeneration>>();
  /** The newest generation known per channel (its files are read from disk each time). */
  private readonly current = new Map<string, RepoGeneration>();
  /**
   * The generation last served per channel, with the store state and signing keys it was
   * found for: while neither has changed it is the channel's generation (`known`).
   */
  private readonly served = new Map<string, { seq: number; keys: string; gen: RepoGeneration }>();

  /** `signer`: the key that signs each generation's repomd.xml, when the store has one. */
  constructor(private readonly store: Store, private readonly onNotice: (line: string) => void = () => {}, private readonly signer?: RepositorySigner) {}

  /** The generation of the channel's state in `view`, generated (once) if not cached. */
  async generation(view: Snapshot, channel: string): Promise<RepoGeneration> {
    const keys = this.signer?.stamp() ?? '';
    const gen = await this.find(view, channel);
    this.served.set(channel, { seq: view.state.seq, keys, gen });
    return gen;
  }

  /**
   * The channel's generation without waiting, when the store's state and its signing keys
   * are those it was last found for (a stat of each, once per batch of requests:
   * batch-checks.ts); null otherwise (call `generation`).
   */
  known(channel: string): RepoGeneration | null {
    const s = this.served.get(channel);
    if (!s || s.seq !== checkedForBatch(this.latestSeq) || s.keys !== checkedForBatch(this.keys)) return null;
    return s.gen;
  }

  /** The two checks of `known`, each read once for a batch of requests (batch-checks.ts). */
  private readonly latestSeq = (): number | null => this.store.latestSeqNow();
  private readonly keys = (): string => this.signer?.stamp() ?? '';

  private async find(view: Snapshot, channel: string): Promise<RepoGeneration> {
    // The channel's head is in the snapshot's state: a known generation costs no git read.
    const head = view.head(channelBranch(channel));
    const key = (await this.signer?.current()) ?? null;
    const signedBy = key?.keyId ?? null;
    const known = this.current.get(channel);
    if (head !== null && known && known.head === head && known.signedBy === signedBy) return known;
    const { commit: at } = await channelSettings(this.store, view, channel);
    const upstream = await channelUpstream(this.store, view, channel);
    const commit = upstream ? `upstream-${upstream.id.slice('sha256:'.length)}` : at;
    const dir = rpmmdGenerationDir(this.store.dir, channel, commit, signedBy);
    if (known && known.dir === dir) { known.head = at; return known; }
    const found = await this.checked(channel, commit, signedBy, dir, at, upstream);
    if (found) return this.remember(found);
    const time = upstream ? 0 : await channelCommitTime(view, at);
    const building = `${channel}\0${basename(dir)}`;
    let pending = this.building.get(building);
    if (!pending) {
      pending = (upstream ? this.copyUpstream(channel, commit, at, upstream, key, dir) : this.generate(channel, commit, time, key, dir)).finally(() => this.building.delete(building));
      this.building.set(building, pending);
    }
    return this.remember(await pending);
  }

  /**
   * The generation in `dir` when its seal checks (store/caches/sealed-dir.ts); one that
   * does not (damaged, or written before generations were sealed) is moved out of the way
   * and removed, to be generated again: never served.
   */
  private async checked(channel: string, commit: string, signedBy: string | null, dir: string, head: string, upstream: UpstreamPackages | null): Promise<RepoGeneration | null> {
    const seal = await checkSealedDir(dir);
    if (seal === 'ok') return loadGeneration(channel, commit, signedBy, dir, head, upstream);
    if (seal === 'absent') return null;
    if (seal === 'damaged') this.onNotice(`channel ${channel}: the cached rpm-md of ${commit.slice(0, 12)} was damaged; generating it again`);
    const aside = join(rpmmdCacheDir(this.store.dir, channel), `${CACHE_TMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    try { await rename(dir, aside); } catch (err) { if (!isErrno(err, 'ENOENT')) throw err; }
    await rm(aside, { recursive: true, force: true });
    return null;
  }

  /**
   * The runs of a previous generation of the channel whose files still check against
   * their seal (their names are their sha256, and runs.json is sealed with them, so the
   * places kept are those of these very bytes); null when there is none (every run is
   * compressed anew). The newest such generation on disk, whichever process wrote it.
   */
  private async previousRuns(channel: string): Promise<SegmentedIndex | null> {
    const root = rpmmdCacheDir(this.store.dir, channel);
    const mtime = (dir: string): number => { try { return statSync(dir).mtimeMs; } catch { return 0; } };
    try {
      const dirs = readdirSync(root).filter((n) => !n.startsWith('.')).map((n) => ({ dir: join(root, n), mtime: mtime(join(root, n)) }));
      for (const { dir } of dirs.sort((a, b) => b.mtime - a.mtime)) {
        const index = readRunsFile(dir);
        if (index && (await checkSealedDir(dir)) === 'ok') return index;
      }
    } catch { /* an unreadable cache is no runs to copy: each is compressed anew */ }
    return null;
  }

  /** Forgets the generation in memory (its directory was deleted: `bazaar reindex` clears cache/). */
  forget(channel: string): void { this.current.delete(channel); this.served.delete(channel); }

  private remember(gen: RepoGeneration): RepoGeneration {
    const before = this.current.get(gen.channel);
    if (!before || before.dir !== gen.dir) {
      this.current.set(gen.channel, gen);
      if (before) this.pruneSoon(gen.channel, [basename(gen.dir), basename(before.dir)]);
    }
    return gen;
  }

  /** Per channel, what the prune waiting for the next turn keeps: the newest generation remembered and the one it replaced. */
  private readonly pruning = new Map<string, string[]>();

  /**
   * Deletes the channel's generations other than `keep` (and stale temp dirs of dead
   * writers) once the request that brought the new generation has its answer: setImmediate
   * runs after the continuations that send it, so no client waits for the unlinks. A
   * generation remembered meanwhile replaces `keep` (one prune, of the newest pair; a
   * generation this process is writing is in a temp directory of its own, which prune
   * leaves). A reader never loses a file it is sending: a repodata file is opened before
   * its answer goes out (routes/repo.ts, send.ts), and an unlinked file stays readable.
   */
  private pruneSoon(channel: string, keep: string[]): void {
    const scheduled = this.pruning.has(channel);
    this.pruning.set(channel, keep);
    if (scheduled) return;
    setImmediate(() => {
      const newest = this.pruning.get(channel) as string[];
      this.pruning.delete(channel);
      try { pruneRpmmd(this.store.dir, channel, newest); } catch { /* derived: what is left is pruned by the next gc */ }
    });
  }

  /**
   * `time`: the channel commit's, for every `<timestamp>` and document mtime (createrepo_c's
   * --set-timestamp-to-revision), so that every server of an attached store (docs/engines.md)
   * writes the same repomd.xml: one that a client reads from one server and its signature
   * from another still verify together.
   */
  private async generate(channel: string, commit: string, time: number, key: ActiveSigningKey | null, dir: string): Promise<RepoGeneration> {
    const started = Date.now();
    const index = await this.store.indexOf(commit);
    // Each build's fragments come from its pack entry (rpmmd/fragments.ts): no record or
    // header is read unless a build has none yet (then formatted now, once, and kept).
    const packs = fragmentPacks(this.store); // refreshed by prepareFragments
    const { made, labels, formatted } = await prepareFragments(this.store, index.builds);
    const items: Array<{ id: ObjectId; href: string; plain: string }> = [];
    const packages = new Map<string, RepoFile>();
    const taken = new Set<string>();
    let written = 0;
    for (const b of index.builds) {
      const l = labels.get(b.value) ?? (await this.remake(b.value)).fragmentLabel; // (prepareFragments gives every build's)
      // Two builds differing only in epoch would share a file name: the later gets its epoch written.
      const href = taken.has(l.href) ? l.hrefEpoch : l.href;
      taken.add(href);
      items.push({ id: b.value, href, plain: l.href });
      packages.set(href, { rpm: l.rpm, size: l.size });
      if (!l.skipped) written++;
    }
    items.sort(createrepoOrder);
    const store = this.store;
    const remake = (id: ObjectId): Promise<FragmentEntry> => this.remake(id);
    const read = async (item: { id: ObjectId; href: string; plain: string }): Promise<Formatted | FormattedBytes> => {
      // A damaged entry is formatted again (and kept); the rare href with the epoch, in memory.
      if (item.href !== item.plain) return formatPackage(await repoPackageOf(store, await store.readKind(item.id, 'build'), item.href), undefined);
      return made.get(item.id)?.formatted ?? decodeFragments(packs.read(item.id)) ?? (await remake(item.id)).formatted;
    };
    const skipped = items.filter((item) => labels.get(item.id)?.skipped).map((item) => ({ href: item.href, reason: 'as createrepo_c would' }));
    const previous = await this.previousRuns(channel);
    const parent = rpmmdCacheDir(this.store.dir, channel);
    await mkdir(parent, { recursive: true });
    const tmp = join(parent, `${CACHE_TMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    let runs: Record<DocumentType, Map<string, MemberPlace>> | undefined;
    let reused = 0;
    let records: RepomdRecord[];
    try {
      // The channel's commit time would do as revision too; the commit itself says which state it is.
      const result = await writeDocuments(tmp, true, { revision: commit, timestamp: time, unpublished: true }, async (staging) => {
        const w = await writeSegmentedDocuments(staging, cutSegments(items, read), written, skipped, previous);
        runs = w.members;
        reused = w.reused;
        return w.documents;
      });
      records = result.records;
      if (runs) {
        const href = (type: DocumentType): string => (records.find((r) => r.type === type) as RepomdRecord).href;
        await writeFile(join(tmp, RUNS_FILE), runsFileText(runs, { primary: href('primary'), filelists: href('filelists'), other: href('other') }), { flag: 'wx' });
      }
      if (key) await signRepomd(result.repodata, key);
      await writeFile(join(tmp, 'packages.json'), JSON.stringify(Object.fromEntries(packages)), { flag: 'wx' });
      // The documents' sha256 and size are their records' (hashed as they were written): the seal need not read them back.
      await publishGeneration(tmp, dir, new Map(records.map((r) => [r.href, { sha256: r.checksum, size: r.size }])));
      if (result.skipped.length) this.onNotice(`channel ${channel}: ${result.skipped.length} package(s) left out of the metadata, as createrepo_c would: ${result.skipped.map((s) => s.href).join(', ')}`);
      this.onNotice(`channel ${channel}: rpm-md for ${commit.slice(0, 12)} generated (${items.length} packages, ${formatted} formatted now, ${reused} runs of packages reused${key ? `, signed by ${key.name} ${key.keyId}` : ''}, ${Date.now() - started} ms)`);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    // What was just written, from memory (not packages.json read and parsed again).
    if (!statSafe(join(dir, 'packages.json'))) throw vanished(channel, dir);
    return { channel, commit, head: commit, upstream: null, signedBy: key?.keyId ?? null, dir, packages };
  }

  /**
   * An on-demand mirror's channel: the upstream's repomd.xml and the documents it lists,
   * byte for byte as its sync checked them (their .rpm files are fetched on first use and
   * checked against the same checksums), signed like any other generation.
   */
  private async copyUpstream(channel: string, commit: string, head: string, list: UpstreamPackages, key: ActiveSigningKey | null, dir: string): Promise<RepoGeneration> {
    const parent = rpmmdCacheDir(this.store.dir, channel);
    await mkdir(parent, { recursive: true });
    const tmp = join(parent, `${CACHE_TMP_PREFIX}${process.pid}-${randomBytes(4).toString('hex')}`);
    const repodata = join(tmp, 'repodata');
    try {
      await mkdir(repodata, { recursive: true });
      await writeFile(join(repodata, 'repomd.xml'), await this.store.readBytes(list.upstream.repomd), { flag: 'wx' });
      const left: string[] = [];
      for (const d of list.upstream.metadata) {
        // The route serves repodata/<name>: a document elsewhere cannot be served.
        const name = d.href.startsWith('repodata/') ? d.href.slice('repodata/'.length) : '';
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || UNIQUE_PER_GENERATION.has(name)) { left.push(d.href); continue; }
        await writeFile(join(repodata, name), await this.store.readBytes(d.blob), { flag: 'wx' });
      }
      if (key) await signRepomd(repodata, key);
      await writeFile(join(tmp, 'packages.json'), '{}', { flag: 'wx' });
      await publishGeneration(tmp, dir);
      if (left.length) this.onNotice(`channel ${channel}: upstream document(s) outside repodata/ not served: ${left.join(', ')}`);
      this.onNotice(`channel ${channel}: rpm-md of its upstream ${list.upstream.url} (${list.entries.length} packages, on demand${key ? `, signed by ${key.name} ${key.keyId}` : ''})`);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    return loaded(channel, commit, key, dir, head, list);
  }

  /** A build's fragments formatted again from its record (its entry is damaged) and written anew. */
  private async remake(id: ObjectId): Promise<FragmentEntry> {
    const entry = await fragmentEntry(this.store, id, await this.store.readKind(id, 'build'));
    fragmentPacks(this.store).write([entry]);
    return entry;
  }

  /**
   * The path of a repodata file: in the current generation, else in the one it replaced
   * (a client that read the previous repomd.xml). Null when neither has it.
   */
  repodataFile(gen: RepoGeneration, name: string): string | null {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) return null;
    const here = join(gen.dir, 'repodata', name);
    if (statSafe(here)) return here;
    // These three change together: another generation's would not match this repomd.xml.
    if (UNIQUE_PER_GENERATION.has(name)) return null;
    const root = rpmmdCacheDir(this.store.dir, gen.channel);
    let names: string[];
    try { names = readdirSync(root); } catch { return null; }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const p = join(root, n, 'repodata', name);
      if (statSafe(p)) return p;
    }
    return null;
  }
}

/** Seals a generation written in `tmp` (`known`: sums of files already hashed, by path in it) and renames it into place whole. */
async function publishGeneration(tmp: string, dir: string, known?: ReadonlyMap<string, FileSum>): Promise<void> {
  await sealDir(tmp, known);
  try {
    await rename(tmp, dir);
  } catch (err) {
    // Another process published this very generation first: theirs is as good as ours.
    if (!(isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST'))) throw err;
    await rm(tmp, { recursive: true, force: true });
  }
}

function loaded(channel: string, commit: string, key: ActiveSigningKey | null, dir: string, head: string, upstream: UpstreamPackages | null): RepoGeneration {
  const gen = loadGeneration(channel, commit, key?.keyId ?? null, dir, head, upstream);
  if (!gen) throw vanished(channel, dir);
  return gen;
}

function vanished(channel: string, dir: string): BazaarError {
  return new BazaarError('ERR_STORE_DAMAGED', `the rpm-md cache for channel ${channel} vanished as it was written (${dir})`);
}

/** Files that have one name in every generation (the documents are named by their checksum). */
export const UNIQUE_PER_GENERATION: ReadonlySet<string> = new Set(['repomd.xml', 'repomd.xml.asc', 'repomd.xml.key']);

/**
 * `repomd.xml.asc`, the detached signature of the exact bytes of `repomd.xml`, and
 * `repomd.xml.key`, the public key (dnf's `repo_gpgcheck`, zypper's `repo_gpgcheck`).
 */
async function signRepomd(repodata: string, key: ActiveSigningKey): Promise<void> {
  const repomd = readFileSync(join(repodata, 'repomd.xml'));
  await writeFile(join(repodata, 'repomd.xml.asc'), await key.sign(repomd), { flag: 'wx' });
  await writeFile(join(repodata, 'repomd.xml.key'), key.publicArmored, { flag: 'wx' });
}

function statSafe(path: string): boolean {
  try { return statSync(path).isFile(); } catch { return false; }
}
