/**
 * Snippets: the package database of an image, one file per installed package at
 * `var/lib/bazaar/db/<name>-<epoch>:<version>-<release>.<arch>.json` in the layer that
 * holds the package, so the database of an image is the union of its layers' snippet
 * folders (what an overlay mount of the layers shows) and no single database file is
 * rewritten when a lower layer changes. A snippet holds what rpm's database holds for a
 * package: the package's header (its immutable region, base64: header metadata,
 * dependencies, file list with digests, modes, owners, flags, scriptlets, changelog),
 * plus what rpm adds at install time. It is self-contained: a checked-out image answers
 * `bazaar-rpm --root DIR` from its snippets alone.
 *
 * Snippets are files of a layer's tree, so the store holds them as blobs; this module
 * reads, validates and writes their content. They refer to no other object.
 *
 *   {"kind":"snippet","v":1,"name":"bash","epoch":0,"version":"5.2.26","release":"alt1","arch":"x86_64",
 *    "nevra":"bash-5.2.26-alt1.x86_64","build":"sha256:<header digest>","installtime":1732233600,"header":"jq3oAQ..."}
 */
import { BazaarError } from '../../errors.js';
import { formatNevraWithEpoch } from '../../rpm/names.js';
import { canonicalJson } from '../canonical-json.js';
import { isObjectId, objectIdOf } from '../layout.js';
import type { ObjectId } from '../layout.js';
import { fields } from './kind.js';
import type { Kind } from './kind.js';

export const SNIPPET_DIR = 'var/lib/bazaar/db';

export interface SnippetObject {
  kind: 'snippet';
  v: number;
  name: string;
  /** 0 when the package states none. */
  epoch: number;
  version: string;
  release: string;
  arch: string;
  /** As rpm prints it: name-version-release.arch. */
  nevra: string;
  /** The build id: sha256 of `header`. */
  build: ObjectId;
  /** Install time, seconds since the epoch (rpm's INSTALLTIME). */
  installtime: number;
  /** The package's main header (immutable region), base64. */
  header: string;
  /**
   * The signature header of the .rpm it was installed from, base64, when known: rpm keeps
   * its digests and signatures in the installed header (`-qi`'s Signature, `--pkgid`).
   */
  signature?: string;
}

/** The snippet's file name in SNIPPET_DIR: `<name>-<epoch>:<version>-<release>.<arch>.json`. */
export function snippetName(s: { name: string; epoch: number | null; version: string; release: string; arch: string }): string {
  return `${formatNevraWithEpoch(s)}.json`;
}

export const snippetKind: Kind<SnippetObject> = {
  name: 'snippet',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'snippet');
    for (const k of ['name', 'version', 'release', 'arch', 'nevra', 'header']) f.str(k);
    f.num('epoch'); f.num('installtime'); f.objectId('build');
    return { ...(value as unknown as SnippetObject), kind: 'snippet', v: value.v as number };
  },
  refs: () => [],
  title: (s) => `snippet of ${s.nevra}`,
};

/** The bytes of a snippet file. */
export function encodeSnippet(s: Omit<SnippetObject, 'kind' | 'v'>): Buffer {
  return Buffer.from(`${canonicalJson({ ...s, kind: 'snippet', v: snippetKind.version })}\n`);
}

/** Parses a snippet file; ERR_BAD_INPUT naming `where` when it is not one, or when its header does not hash to its build id. */
export function decodeSnippet(bytes: Uint8Array, where: string): SnippetObject & { headerBytes: Buffer } {
  let value: Record<string, unknown>;
  try { value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>; } catch {
    throw new BazaarError('ERR_BAD_INPUT', `${where} is not a bazaar snippet (not JSON)`, { data: { where } });
  }
  if (value === null || typeof value !== 'object' || value.kind !== 'snippet') throw new BazaarError('ERR_BAD_INPUT', `${where} is not a bazaar snippet`, { data: { where } });
  let s: SnippetObject;
  try { s = snippetKind.parse(value, 'sha256:0000000000000000000000000000000000000000000000000000000000000000'); } catch (err) {
    throw new BazaarError('ERR_BAD_INPUT', `${where}: ${(err as Error).message.replace(/^object \S+ is /, '')}`, { data: { where } });
  }
  const headerBytes = Buffer.from(s.header, 'base64');
  if (!isObjectId(s.build) || objectIdOf(headerBytes) !== s.build) throw new BazaarError('ERR_BAD_INPUT', `${where}: its header does not hash to its build id ${s.build}`, { data: { where } });
  return { ...s, headerBytes };
}
