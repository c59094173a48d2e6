/**
 * Each build's rpm-md fragments — its `<package>` in primary.xml, filelists.xml and
 * other.xml — formatted once and kept as derived data of the build record, packed
 * (store DerivedPacks, `cache/packs/rpmmd-fragments-v<N>/`): a channel's rpm-md is then
 * the fragments concatenated and compressed, no header decoded again.
 *
 * `prepareFragments` runs right after `add` (CLI and upload: one pack per add, about
 * 0.1 ms per package) and, for builds that came in another way (a mirror sync, a
 * library caller, a cache deleted), on a generation's first need. A damaged entry is a
 * miss: formatted again from the record, never served.
 *
 * An entry's label (read without the body) holds what a generation sorts and lists by;
 * its body the three fragments, or why createrepo_c would leave the package out.
 */
import { formatNevraWithEpoch, formatNvra, LEAD_SIZE, RpmHeader } from '../rpm/index.js';
import { formatPackage } from './write/format-package.js';
import type { Formatted, FormattedBytes } from './write/format-package.js';
import type { RepoPackage } from './write/repo-package.js';
import { DerivedPacks, servedVariant, signatureHeaderOf, TaskPool } from '../store/index.js';
import type { BuildRecord, ObjectId, PackEntry, Store } from '../store/index.js';

/** The version changes with the writer's output: a bazaar whose writer formats differently must not reuse them. */
export const FRAGMENTS_KIND = 'rpmmd-fragments-v2';

/** What a generation needs of a build without reading its body. */
export interface FragmentLabel {
  /** `Packages/<n>-<v>-<r>.<a>.rpm`, the href the fragments are formatted with. */
  href: string;
  /** The href with the epoch, for a build whose plain href another build of the channel took. */
  hrefEpoch: string;
  /** The served variant's .rpm and its size (packages.json). */
  rpm: ObjectId;
  size: number;
  /** createrepo_c would leave it out (the body says why). */
  skipped: boolean;
}

/** `Packages/<name>-<version>-<release>.<arch>.rpm`, the file name rpmbuild gives the package. */
export function packageHref(r: Pick<BuildRecord, 'name' | 'version' | 'release' | 'arch'>): string {
  return `Packages/${formatNvra(r)}.rpm`;
}

/**
 * The writer's input for one build, from what the store keeps: the header blob, the
 * served variant's size, id (its sha256 is the file's) and time added, and its signature
 * header, whose length places the main header in the file.
 */
export async function repoPackageOf(store: Store, record: BuildRecord, href: string): Promise<RepoPackage> {
  const variant = servedVariant(record);
  const headerBytes = await store.readBytes(record.header);
  const sigBytes = await signatureHeaderOf(store, variant.rpm);
  const headerStart = LEAD_SIZE + sigBytes.length + ((8 - (sigBytes.length % 8)) % 8);
  return {
    header: new RpmHeader(headerBytes, `${record.nevra}: header`),
    signature: new RpmHeader(sigBytes, `${record.nevra}: signature header`),
    href,
    size: variant.size,
    checksum: { type: 'sha256', hex: variant.rpm.slice('sha256:'.length) },
    headerStart,
    headerEnd: headerStart + headerBytes.length,
    fileTime: variant.added,
  };
}

const SKIPPED = 0xffffffff;

/** Body: three u32 lengths (the first SKIPPED for a left-out package, then its reason), then the fragments' bytes. */
function encodeBody(f: Formatted): Buffer {
  if (f.skipped !== undefined) {
    const reason = Buffer.from(f.skipped, 'utf8');
    const b = Buffer.alloc(12 + reason.length);
    b.writeUInt32BE(SKIPPED, 0);
    reason.copy(b, 12);
    return b;
  }
  const b = Buffer.allocUnsafe(12 + f.primary.length + f.filelists.length + f.other.length);
  b.writeUInt32BE(f.primary.length, 0);
  b.writeUInt32BE(f.filelists.length, 4);
  b.writeUInt32BE(f.other.length, 8);
  let at = 12;
  for (const text of [f.primary, f.filelists, f.other]) at += b.write(text, at, 'latin1');
  return b;
}

/** The fragments a body holds, as views of its bytes, or null when it is not one (treated as damaged). */
export function decodeFragments(b: Buffer | null): FormattedBytes | null {
  if (b === null || b.length < 12) return null;
  const p = b.readUInt32BE(0);
  if (p === SKIPPED) return { skipped: b.toString('utf8', 12) };
  const f = b.readUInt32BE(4);
  const o = b.readUInt32BE(8);
  if (12 + p + f + o !== b.length) return null;
  return { primary: b.subarray(12, 12 + p), filelists: b.subarray(12 + p, 12 + p + f), other: b.subarray(12 + p + f) };
}

export function parseLabel(text: string | undefined): FragmentLabel | null {
  if (text === undefined) return null;
  try {
    const l = JSON.parse(text) as Partial<FragmentLabel>;
    return typeof l.href === 'string' && typeof l.hrefEpoch === 'string' && typeof l.rpm === 'string' && typeof l.size === 'number' && typeof l.skipped === 'boolean' ? l as FragmentLabel : null;
  } catch {
    return null;
  }
}

/** One build's entry: its fragments formatted with its plain href (createrepo_c's default changelog limit). */
export type FragmentEntry = PackEntry & { formatted: Formatted; fragmentLabel: FragmentLabel };

export async function fragmentEntry(store: Store, id: ObjectId, record: BuildRecord): Promise<FragmentEntry> {
  const href = packageHref(record);
  const formatted = formatPackage(await repoPackageOf(store, record, href), undefined);
  const variant = servedVariant(record);
  const fragmentLabel: FragmentLabel = { href, hrefEpoch: `Packages/${formatNevraWithEpoch(record)}.rpm`, rpm: variant.rpm, size: variant.size, skipped: formatted.skipped !== undefined };
  return { id, label: JSON.stringify(fragmentLabel), body: encodeBody(formatted), formatted, fragmentLabel };
}

/** The packs of fragments of `store`. */
export function fragmentPacks(store: Store): DerivedPacks {
  return DerivedPacks.of(store.dir, FRAGMENTS_KIND);
}

/** A build whose fragments are wanted: its record id, and the record when the caller has read it. */
export interface FragmentSource { value: ObjectId; build?: BuildRecord }

/** Formatted bodies written as a pack once this many bytes are waiting, so a store's first generation holds a batch, not every build's fragments. */
const PACK_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Formats the builds that have no fragments yet and writes them as packs, a batch at a
 * time. Returns every build's label (found or made: a generation lists by them, and
 * parsing them twice was a tenth of a cached generation), how many were formatted, and
 * the entries made that are in no pack (a read-only store keeps them in memory only): the
 * others are read back from their pack when used. Before, every entry made was kept until
 * the end: a first generation of 20,000 builds without fragments held them all (~680 MB
 * of RSS in the server afterwards). Records and headers are read a few at a time: the
 * native zstd decoder runs on the thread pool.
 */
export async function prepareFragments(store: Store, builds: Iterable<FragmentSource>, batchBytes = PACK_BATCH_BYTES): Promise<{ made: Map<ObjectId, FragmentEntry>; labels: Map<ObjectId, FragmentLabel>; formatted: number }> {
  const packs = fragmentPacks(store);
  packs.refresh();
  const made = new Map<ObjectId, FragmentEntry>();
  const labels = new Map<ObjectId, FragmentLabel>();
  const taken = new Set<ObjectId>(); // a repeat is not formatted twice
  let waiting: FragmentEntry[] = [];
  let waitingBytes = 0;
  let writable = true;
  const writeWaiting = (): void => {
    if (waiting.length === 0) return;
    if (writable && packs.write(waiting)) for (const e of waiting) made.delete(e.id);
    else writable = false;
    waiting = [];
    waitingBytes = 0;
  };
  const pool = new TaskPool(16);
  for (const b of builds) {
    if (taken.has(b.value) || labels.has(b.value)) continue;
    const found = parseLabel(packs.label(b.value));
    if (found !== null) { labels.set(b.value, found); continue; }
    taken.add(b.value);
    await pool.add(async () => {
      const entry = await fragmentEntry(store, b.value, b.build ?? await store.readKind(b.value, 'build'));
      made.set(b.value, entry);
      labels.set(b.value, entry.fragmentLabel);
      waiting.push(entry);
      waitingBytes += entry.body.length;
    });
    if (waitingBytes >= batchBytes) writeWaiting();
  }
  await pool.drain();
  writeWaiting();
  return { made, labels, formatted: taken.size };
}

/**
 * After `add`: the fragments of the builds just added, so that a channel's first rpm-md
 * generation only concatenates (the CLI's `add` and an upload call it; a build tool that
 * adds through the library may, as `bazaar` exports it). Best effort: the add is
 * committed whatever happens here, and a generation formats what is missing. Returns
 * how many builds were formatted now (0 also when it failed).
 */
export async function prepareRpmmdFragments(store: Store, added: ReadonlyArray<{ nevra: string; refused?: unknown }>): Promise<number> {
  try {
    const builds = await store.read(async (view) => {
      const out: FragmentSource[] = [];
      for (const r of added) if (!r.refused && r.nevra) out.push(await store.findPackage(view, r.nevra));
      return out;
    });
    return (await prepareFragments(store, builds)).formatted;
  } catch {
    return 0; // derived data: made on the first request instead
  }
}
