/**
 * On-demand mirrors in the store (docs/mirrors.md#on-demand). A channel synced on demand
 * holds, beside its builds, the entry `.upstream`: the upstream's metadata as its sync
 * read it (kinds/upstream.ts). The channel's builds are the upstream packages stored so
 * far; the rest are known by the metadata only, and fetched on first use (src/mirror).
 * Both change in one commit of the channel's branch, so a kill at any moment leaves one
 * state or the next, and gc and fsck follow `.upstream` like any other entry.
 */
import { statSync } from 'node:fs';
import { BazaarError } from '../errors.js';
import { nevraOfKey } from '../rpm/index.js';
import type { BranchView } from './branch-view.js';
import { entryAt } from './builds.js';
import type { BuildEntry } from './builds.js';
import { commitChannelAdd, planChannelAdd, requireChannel } from './channels.js';
import type { ChannelChange } from './channels.js';
import { stageKind } from './kinds/index.js';
import type { BuildRecord } from './kinds/build.js';
import type { UpstreamObject } from './kinds/upstream.js';
import type { ObjectId } from './layout.js';
import type { ObjectReader } from './object-reader.js';
import { objectStoreOf } from './object-reader.js';
import { PACKAGES_BRANCH, UPSTREAM_PATH, channelBranch } from './ref-paths.js';
import type { Store } from './store.js';
import type { Transaction } from './transaction.js';

export type { UpstreamObject } from './kinds/upstream.js';

/** One package of an upstream's primary.xml: where it is and what its .rpm must hash to. */
export interface UpstreamEntry {
  name: string;
  /** Its NEVRA key (epoch written). */
  key: string;
  /** The location href, relative to the upstream's base (checked by the sync). */
  href: string;
  checksum: { type: string; value: string };
  size: number | null;
}

/** An upstream's package list, with its lookups. */
export class UpstreamPackages {
  private readonly byKey = new Map<string, UpstreamEntry>();
  private readonly byHref = new Map<string, UpstreamEntry>();
  private readonly byRpm = new Map<string, UpstreamEntry>();
  constructor(readonly id: ObjectId, readonly upstream: UpstreamObject, readonly entries: readonly UpstreamEntry[]) {
    for (const e of entries) {
      this.byKey.set(e.key, e);
      this.byHref.set(e.href, e);
      if (e.checksum.type === 'sha256') this.byRpm.set(`sha256:${e.checksum.value}`, e);
    }
  }
  get(key: string): UpstreamEntry | undefined { return this.byKey.get(key); }
  atHref(href: string): UpstreamEntry | undefined { return this.byHref.get(href); }
  /** The package whose .rpm has this object id (sha256 checksums only). */
  withRpm(id: ObjectId): UpstreamEntry | undefined { return this.byRpm.get(id); }
}

/** The package list blob: JSON lines [name, key, href, checksum type, checksum hex, size]. */
export function encodeUpstreamPackages(list: readonly UpstreamEntry[]): Buffer {
  return Buffer.from(list.map((e) => `${JSON.stringify([e.name, e.key, e.href, e.checksum.type, e.checksum.value, e.size])}\n`).join(''));
}

function decodeUpstreamPackages(bytes: Buffer, id: ObjectId): UpstreamEntry[] {
  const out: UpstreamEntry[] = [];
  for (const line of bytes.toString('utf8').split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as unknown[];
    if (!Array.isArray(row) || row.length !== 6 || !row.slice(0, 5).every((v) => typeof v === 'string') || (row[5] !== null && typeof row[5] !== 'number')) {
      throw new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${id} is not an upstream package list`, { data: { id } });
    }
    const [name, key, href, type, value, size] = row as [string, string, string, string, string, number | null];
    out.push({ name, key, href, checksum: { type, value }, size });
  }
  return out;
}

/** Parsed lists by object id (immutable): a server reads each once. */
const parsed = new Map<ObjectId, UpstreamPackages>();

/** The `.upstream` of channel `name` at its head in `view` (or at `commit`); null for a channel that is not on demand. */
export async function channelUpstream(reader: ObjectReader, view: BranchView, name: string, commit?: string): Promise<UpstreamPackages | null> {
  const id = await view.read(channelBranch(name), UPSTREAM_PATH, commit);
  if (id === null) return null;
  const hit = parsed.get(id);
  if (hit) return hit;
  const upstream = await reader.readKind(id, 'upstream');
  let entries: UpstreamEntry[];
  try { entries = decodeUpstreamPackages(await reader.readBytes(upstream.packages), upstream.packages); } catch (err) {
    if (err instanceof SyntaxError) throw new BazaarError('ERR_STORE_OBJECT_CORRUPT', `object ${upstream.packages} is not an upstream package list`, { data: { id: upstream.packages } });
    throw err;
  }
  const list = new UpstreamPackages(id, upstream, entries);
  if (parsed.size >= 8) parsed.clear();
  parsed.set(id, list);
  return list;
}

/** Whether a stored build is the upstream's package: one of its .rpm files has the checksum primary gives. */
export function isUpstreamBuild(record: BuildRecord, entry: UpstreamEntry): boolean {
  // A checksum of another algorithm cannot be compared without the file: the NEVRA decides.
  if (entry.checksum.type !== 'sha256') return true;
  return record.variants.some((v) => v.rpm === `sha256:${entry.checksum.value}`);
}

/** The .rpm object of a stored build that is the upstream's package; null when none is. */
export function upstreamRpmOf(record: BuildRecord, entry: UpstreamEntry): ObjectId | null {
  if (entry.checksum.type === 'sha256') return record.variants.find((v) => v.rpm === `sha256:${entry.checksum.value}`)?.rpm ?? null;
  return record.variants[record.variants.length - 1]?.rpm ?? null;
}

/** A document of the upstream, downloaded and checked, to be kept. */
export interface UpstreamFile { type: string; href: string; path: string }

/**
 * Publishes an on-demand sync in one commit of the channel: `.upstream` names the
 * metadata (`repomd`, `metadata`: files downloaded and checked by the caller, staged
 * here), `packages` and `records` (the resolver's view of them), and the channel's builds become exactly the upstream packages
 * the store already holds (through the channel-add path: its signature rule applies).
 */
export async function publishUpstream(store: Store, name: string, input: { url: string; repomd: string; metadata: readonly UpstreamFile[]; packages: readonly UpstreamEntry[]; records: Buffer }, why: string): Promise<ChannelChange & { upstream: ObjectId }> {
  return store.write(async (tx) => {
    await requireChannel(store, tx, name);
    const stageFile = async (path: string): Promise<ObjectId> => {
      const s = await objectStoreOf(tx).stageFile(path, statSync(path).size);
      tx.stage(s);
      return s.id;
    };
    const repomd = await stageFile(input.repomd);
    const metadata = [];
    for (const m of input.metadata) metadata.push({ type: m.type, href: m.href, blob: await stageFile(m.path) });
    const list = await tx.stageBytes(encodeUpstreamPackages(input.packages));
    const records = await tx.stageBytes(input.records);
    tx.stage(list, records);
    const staged = await stageKind(tx, 'upstream', { url: input.url, repomd, metadata, packages: list.id, records: records.id, count: input.packages.length });
    tx.stage(staged);
    const builds = await storedUpstreamBuilds(store, tx, input.packages);
    const plan = await planChannelAdd(store, tx, name, builds, undefined, true);
    const extras = (await tx.read(channelBranch(name), UPSTREAM_PATH)) === staged.id ? [] : [{ path: UPSTREAM_PATH, id: staged.id }];
    return { ...(await commitChannelAdd(tx, plan, why, extras)), upstream: staged.id };
  });
}

/** The stored builds that are upstream packages (same NEVRA, an .rpm of the same checksum). */
async function storedUpstreamBuilds(store: Store, tx: Transaction, packages: readonly UpstreamEntry[]): Promise<BuildEntry[]> {
  const index = await store.index(tx);
  const out: BuildEntry[] = [];
  for (const p of packages) {
    const hit = index.get(p.key);
    if (!hit) continue;
    const entry = await entryAt(tx, PACKAGES_BRANCH, p.name, p.key);
    if (entry && isUpstreamBuild(await store.readKind(entry.value, 'build'), p)) out.push(entry);
  }
  return out;
}

/** ERR_PACKAGE_NOT_FOUND for a NEVRA key the upstream of channel `name` does not list. */
export function notUpstream(name: string, key: string): BazaarError {
  return new BazaarError('ERR_PACKAGE_NOT_FOUND', `no package ${nevraOfKey(key)} in channel ${name} (nor in its upstream's metadata)`, { data: { ref: nevraOfKey(key), channel: name, scope: 'channel' }, reason: 'no-package' });
}
