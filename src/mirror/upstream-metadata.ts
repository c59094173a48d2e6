/**
 * An upstream rpm-md repository's metadata: repomd.xml (must look like XML: an HTML error
 * page served with status 200 is refused by name), then the primary it names, checked
 * against repomd's checksum and decompressed within a cap, then every package's location
 * checked to stay inside the repository (no `..`, no absolute path, no other host).
 */
import { createHash } from 'node:crypto';
import { nevraKey, nevraOfKey } from '../rpm/index.js';
import { parseRepomd, readPrimary } from '../rpmmd/index.js';
import type { PrimaryPackage, RepomdEntry } from '../rpmmd/index.js';
import type { PackageRecord } from '../resolver/index.js';
import { removeFile } from '../fs/index.js';
import { digestOf, fetchBytes, fetchToFile, upstreamError } from './fetch-upstream.js';
import type { FetchLimits } from './fetch-upstream.js';

export interface MirrorLimits {
  /** repomd.xml and its signature. */
  repomd: FetchLimits;
  /** The primary file as served (compressed). */
  primary: FetchLimits;
  /** What the primary may decompress to, at most (whatever repomd's open-size says). */
  primaryExpanded: number;
  /** One .rpm (its `<size package>` caps it further). */
  rpm: FetchLimits;
}

const MiB = 1 << 20;
export const DEFAULT_LIMITS: MirrorLimits = {
  repomd: { maxBytes: 16 * MiB, timeoutMs: 60_000, idleMs: 30_000 },
  primary: { maxBytes: 1024 * MiB, timeoutMs: 30 * 60_000, idleMs: 30_000 },
  primaryExpanded: 4096 * MiB,
  rpm: { maxBytes: 8192 * MiB, timeoutMs: 60 * 60_000, idleMs: 30_000 },
};

/** A package of the upstream: where it is, what it must hash to. */
export interface UpstreamPackage {
  name: string;
  /** The NEVRA with the epoch written (the store's build key). */
  key: string;
  nevra: string;
  href: string;
  url: string;
  checksum: { type: string; value: string };
  size: number | null;
  /** What primary says of it for the resolver (fetchPackages with `records`). */
  record?: PackageRecord;
}

export interface UpstreamRepomd { url: string; bytes: Buffer; digest: string; primary: RepomdEntry; entries: RepomdEntry[] }

/** Fetches and checks `BASE/repodata/repomd.xml`. */
export async function fetchRepomd(base: string, limits: MirrorLimits): Promise<UpstreamRepomd> {
  const url = new URL('repodata/repomd.xml', base).href;
  const bytes = await fetchBytes(url, limits.repomd);
  const head = bytes.subarray(0, 512).toString('utf8').trimStart().toLowerCase();
  if (!head.startsWith('<?xml') && !head.startsWith('<repomd')) {
    const what = head.startsWith('<!doctype html') || head.startsWith('<html') ? 'an HTML page' : bytes.length === 0 ? 'empty' : 'not XML';
    throw upstreamError(url, `${what}, not repomd.xml; is the URL the repository's base (the directory holding repodata/)?`);
  }
  const entries = parseRepomd(bytes.toString('utf8'));
  const primary = entries.find((e) => e.type === 'primary');
  if (!primary) throw upstreamError(url, 'lists no primary metadata');
  if (!primary.checksum || !digestOf(primary.checksum.type)) throw upstreamError(url, 'gives the primary metadata no checksum bazaar can check');
  checkHref(url, primary.href);
  return { url, bytes, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, primary, entries };
}

/**
 * A location href must name a file below the repository: relative, no `..` segment, no
 * scheme, query, fragment, backslash or control character.
 */
function checkHref(where: string, href: string): void {
  const bad = href === '' || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/') || /[\\?#\x00-\x1f\x7f]/.test(href)
    || href.split('/').some((seg) => seg === '..' || seg === '.' || seg === '');
  if (bad) throw upstreamError(where, `names the location '${href.slice(0, 200)}', outside the repository; refusing the whole sync`);
}

/**
 * Downloads the primary into `tmp` (removed after, unless `keep`), checks it, and returns its packages.
 * Every location is checked before anything is downloaded, so a hostile primary stores nothing.
 */
export async function fetchPackages(base: string, repomd: UpstreamRepomd, tmp: string, limits: MirrorLimits, options: { keep?: boolean; records?: boolean } = {}): Promise<UpstreamPackage[]> {
  const url = new URL(repomd.primary.href, base).href;
  const sum = repomd.primary.checksum as { type: string; value: string };
  const out: UpstreamPackage[] = [];
  try {
    await fetchToFile(url, tmp, sum, { ...limits.primary, maxBytes: Math.min(limits.primary.maxBytes, repomd.primary.size ?? Infinity) });
    const cap = Math.min(limits.primaryExpanded, repomd.primary.openSize ?? Infinity);
    const seen = new Set<string>();
    await readPrimary(tmp, (p: PrimaryPackage) => {
      const key = nevraKey({ name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch });
      if (!p.location) throw upstreamError(url, `${nevraOfKey(key)} has no location`);
      checkHref(url, p.location);
      if (!p.checksum || !p.checksum.value || !digestOf(p.checksum.type)) throw upstreamError(url, `${nevraOfKey(key)} has no checksum bazaar can check`);
      if (seen.has(key)) throw upstreamError(url, `lists ${nevraOfKey(key)} twice`);
      seen.add(key);
      const pkg: UpstreamPackage = { name: p.name, key, nevra: nevraOfKey(key), href: p.location, url: new URL(p.location, base).href, checksum: p.checksum, size: p.packageSize ?? null };
      if (options.records) pkg.record = { name: p.name, epoch: p.epoch, version: p.version, release: p.release, arch: p.arch, provides: p.provides, requires: p.requires, conflicts: p.conflicts, obsoletes: p.obsoletes, files: p.files };
      out.push(pkg);
    }, { checksums: true, maxBytes: cap });
  } catch (err) {
    removeFile(tmp);
    if ((err as { code?: string }).code === 'ERR_REPO') throw upstreamError(url, (err as Error).message.replace(`${tmp} `, '').replace(tmp, 'primary'), err);
    throw err;
  }
  if (!options.keep) removeFile(tmp);
  return out;
}

/** Documents repomd.xml may list, at most (a real repository lists about ten). */
const MAX_DOCUMENTS = 64;

/**
 * Downloads every document repomd.xml lists but the primary (filelists, other, comps,
 * updateinfo...), each checked against repomd's checksum and within the primary's limits,
 * into temp files `tmpOf()` gives; on a failure the ones downloaded are removed.
 */
export async function fetchDocuments(base: string, repomd: UpstreamRepomd, tmpOf: () => string, limits: MirrorLimits): Promise<Array<{ type: string; href: string; path: string }>> {
  const others = repomd.entries.filter((e) => e !== repomd.primary);
  if (repomd.entries.length > MAX_DOCUMENTS) throw upstreamError(repomd.url, `lists ${repomd.entries.length} documents, more than the ${MAX_DOCUMENTS} a mirror takes`);
  const hrefs = new Set<string>();
  for (const e of repomd.entries) {
    checkHref(repomd.url, e.href);
    if (!e.checksum || !digestOf(e.checksum.type)) throw upstreamError(repomd.url, `gives ${e.href} no checksum bazaar can check`);
    if (hrefs.has(e.href)) throw upstreamError(repomd.url, `lists ${e.href} twice`);
    hrefs.add(e.href);
  }
  const out: Array<{ type: string; href: string; path: string }> = [];
  try {
    for (const e of others) {
      const path = tmpOf();
      await fetchToFile(new URL(e.href, base).href, path, e.checksum as { type: string; value: string }, { ...limits.primary, maxBytes: Math.min(limits.primary.maxBytes, e.size ?? Infinity) });
      out.push({ type: e.type, href: e.href, path });
    }
  } catch (err) {
    for (const d of out) removeFile(d.path);
    throw err;
  }
  return out;
}
