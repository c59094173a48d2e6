/**
 * A live system as a layer (`bazaar layer import NAME@VERSION FILE.squashfs|FILE.iso`,
 * docs/netboot.md#live-systems-as-layers). A squashfs is read as a layer archive
 * (archive/squashfs-source.ts). An ISO (a distribution's live image: a kernel, an initrd,
 * a squashfs of the root) is decomposed: its squashfs becomes the layer and its kernel is
 * kept in it as /boot/vmlinuz-<release> unless the squashfs has a /boot/vmlinuz-* of its
 * own, so the layer boots from bazaar's boot sets; the ISO's initrd is left behind (bazaar
 * builds its own). The members are copied out in one pass over the ISO to temp files in
 * the store's tmp/ (sqfs2tar must seek), removed whatever happens.
 */
import { createReadStream } from 'node:fs';
import { dirname } from 'node:path';
import { BazaarError } from '../errors.js';
import { isoMemberPath, readSquashfs, scanIso, TYPE_BITS } from '../archive/index.js';
import type { ImageFormat, IsoKernel, IsoMember, LayerEntry } from '../archive/index.js';
import { makeDir, removeFile } from '../fs/index.js';
import { tmpPath } from '../store/index.js';
import type { Store } from '../store/index.js';
import { publishEntries } from './publish-entries.js';
import type { ImportLayerResult, ImportOptions } from './publish-entries.js';

export interface LiveImageChoice {
  /** The ISO member whose squashfs is the layer, when the ISO holds more than one. */
  squashfs?: string;
  /** The ISO member that is the kernel, when the ISO holds different vmlinuz* files. */
  kernel?: string;
}

export interface LiveImport {
  format: ImageFormat;
  /** The ISO member the layer is (null for a squashfs file). */
  squashfs: string | null;
  /** The layer's kernel (layer path), and where it came from: the squashfs itself, or the ISO member it was copied from. */
  kernel: { path: string; from: 'squashfs' | string } | null;
}

/** A kernel in a layer, where bazaar's boot sets take it from. */
const LAYER_KERNEL = /^boot\/vmlinuz-[^/]+$/;

/** The ISO's kernel to add when the squashfs has none: null when the ISO has none; an error when it cannot be used. */
type IsoKernelChoice = { kernel: IsoKernel; file: string } | BazaarError | null;

async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk as Buffer;
}

/**
 * Passes `entries` through, noting the squashfs's own kernel in `found`; at the end, when
 * it has none, adds the ISO's as boot/vmlinuz-<release> (or fails with why it cannot).
 */
async function* withKernel(entries: AsyncIterable<LayerEntry>, choice: IsoKernelChoice, found: LiveImport): AsyncGenerator<LayerEntry> {
  found.kernel = null;
  for await (const e of entries) {
    if (!e.whiteout && found.kernel === null && LAYER_KERNEL.test(e.path)) found.kernel = { path: e.path, from: 'squashfs' };
    yield e;
  }
  if (found.kernel !== null || choice === null) return;
  if (choice instanceof BazaarError) throw choice;
  const { kernel, file } = choice;
  const path = `boot/vmlinuz-${kernel.release!}`;
  found.kernel = { path, from: kernel.path };
  yield {
    path, kind: 'file', mode: TYPE_BITS.file | 0o644, uid: 0, gid: 0, size: kernel.size, mtime: kernel.mtime, xattrs: {},
    content: () => fileChunks(file),
  };
}

const listed = (members: IsoMember[]): string => members.map((m) => m.path).join(', ');

/** The squashfs member `want` names, or the only one; else why not. */
function pickSquashfs(iso: string, members: IsoMember[], want: string | undefined): IsoMember {
  if (members.length === 0) throw new BazaarError('ERR_BAD_INPUT', `${iso}: an ISO image without a squashfs member: no live system's root to import`, { data: { path: iso } });
  if (want !== undefined) {
    const m = members.find((x) => x.path === isoMemberPath(want));
    if (!m) throw new BazaarError('ERR_USAGE', `${iso}: --squashfs ${want} is not one of its squashfs members (${listed(members)})`, { data: { path: iso } });
    return m;
  }
  if (members.length > 1) throw new BazaarError('ERR_USAGE', `${iso} holds ${members.length} squashfs images (${listed(members)}): name the layer's with --squashfs PATH`, { data: { path: iso } });
  return members[0]!;
}

/** The kernel to add when the squashfs has none, from the ISO's vmlinuz* members (copied to `kept`). */
function pickKernel(iso: string, kernels: IsoKernel[], want: string | undefined, kept: Map<string, string>): IsoKernelChoice {
  const candidates = want === undefined ? kernels : kernels.filter((k) => k.path === isoMemberPath(want));
  if (want !== undefined && candidates.length === 0) {
    throw new BazaarError('ERR_USAGE', `${iso}: --kernel ${want} is not one of its vmlinuz* members (${kernels.length ? listed(kernels) : 'it has none'})`, { data: { path: iso } });
  }
  if (candidates.length === 0) return null;
  const distinct = candidates.filter((k, i) => candidates.findIndex((x) => x.sha256 === k.sha256) === i);
  if (distinct.length > 1) return new BazaarError('ERR_USAGE', `${iso} holds ${distinct.length} different kernels (${listed(distinct)}) and its squashfs none: name the layer's with --kernel PATH`, { data: { path: iso } });
  const kernel = distinct[0]!;
  if (kernel.release === null) return new BazaarError('ERR_BAD_INPUT', `${iso}: ${kernel.path} is not a Linux bzImage stating its release (no HdrS header), so it cannot be named boot/vmlinuz-<release>; give the kernel a squashfs of its own`, { data: { path: iso } });
  return { kernel, file: kept.get(kernel.path)! };
}

/**
 * Publishes the squashfs or ISO image `file` (its `format`, sniffed by the caller) as
 * layer `ref`. Bad images (truncated, corrupt, an ISO without a squashfs) fail with one
 * ERR_BAD_INPUT line and leave the store as it was.
 */
export async function importLiveImage(store: Store, ref: string, file: string, format: ImageFormat, options: ImportOptions & LiveImageChoice = {}): Promise<ImportLayerResult & { live: LiveImport }> {
  const live: LiveImport = { format, squashfs: null, kernel: null };
  if (format === 'squashfs') {
    for (const o of ['squashfs', 'kernel'] as const) {
      if (options[o] !== undefined) throw new BazaarError('ERR_USAGE', `--${o} picks a member of an ISO image; ${file} is a squashfs`);
    }
    const r = await publishEntries(store, ref, 'overlay', () => withKernel(readSquashfs(file), null, live), options);
    return { ...r, live };
  }
  // Every temp file is named before it is written, so the finally below finds it.
  const temps: string[] = [];
  const temp = (): string => { const t = tmpPath(store.dir); temps.push(t); return t; };
  try {
    makeDir(dirname(tmpPath(store.dir)));
    let squashfsKept = false;
    const want = options.squashfs === undefined ? undefined : isoMemberPath(options.squashfs);
    const wantKernel = options.kernel === undefined ? undefined : isoMemberPath(options.kernel);
    const scan = await scanIso(file, (m, kind) => {
      if (kind === 'kernel') return wantKernel === undefined || m.path === wantKernel ? temp() : null;
      // without --squashfs the first is kept; a second one makes the import refused below
      if (squashfsKept || (want !== undefined && m.path !== want)) return null;
      squashfsKept = true;
      return temp();
    });
    const member = pickSquashfs(file, scan.squashfs, options.squashfs);
    const kernel = pickKernel(file, scan.kernels, options.kernel, scan.kept);
    live.squashfs = member.path;
    const image = scan.kept.get(member.path)!;
    const r = await publishEntries(store, ref, 'overlay', () => withKernel(readSquashfs(image, `${file}: ${member.path}`), kernel, live), options);
    return { ...r, live };
  } finally {
    for (const t of temps) removeFile(t);
  }
}
