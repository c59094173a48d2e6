/**
 * Mirror definitions: the store's document `mirrors.json`, beside `tokens.json` and
 * written the same way (store-documents.ts: a file, or a row of an attached store). A definition is
 * configuration, not content: it has no history, and what a sync brings in is in the
 * channel's history. `last` remembers the upstream's repomd.xml digest and the channel
 * commit of the last complete sync, so a sync of an unchanged upstream stops after
 * repomd.xml.
 *
 *   {"mirrors":[{"name":"fedora","url":"http://mirror/fedora/","channel":"f40","policy":"immediate",
 *     "key":"-----BEGIN PGP PUBLIC KEY BLOCK-----...","created":"2026-...",
 *     "last":{"repomd":"sha256:...","commit":"...","synced":"2026-...","packages":1234}}]}
 */
import { join } from 'node:path';
import { BazaarError } from '../errors.js';
import { checkChannelName } from '../policy/index.js';
import { jsonListChange, readJsonList } from './json-list-file.js';
import { documentsOf, updateDocuments } from './store-documents.js';
import type { DocumentView } from './store-documents.js';

export type MirrorPolicy = 'immediate' | 'on-demand';
export const MIRROR_POLICIES: readonly MirrorPolicy[] = ['immediate', 'on-demand'];

export interface MirrorSyncRecord { repomd: string; commit: string; synced: string; packages: number }

export interface MirrorRecord {
  name: string;
  /** The repository's base URL (ends with `/`; repodata/repomd.xml is under it). */
  url: string;
  channel: string;
  policy: MirrorPolicy;
  /** An armored OpenPGP public key: repomd.xml must carry a detached signature by it. */
  key?: string;
  created: string;
  last?: MirrorSyncRecord;
}

export function mirrorsPath(root: string): string { return join(root, 'mirrors.json'); }
const MIRRORS = mirrorsPath('');

const noMirror = (name: string): BazaarError => new BazaarError('ERR_NOT_FOUND', `no mirror ${name}`, { data: { mirror: name } });

/** A mirror's name: what `sync` and `rm` take; the rules of a channel name. */
export function checkMirrorName(name: string): string {
  try { checkChannelName(name); } catch {
    throw new BazaarError('ERR_BAD_INPUT', `'${name.slice(0, 100)}' is not a mirror name: letters, digits, '.', '_', '-', as a channel name`, { data: { mirror: name.slice(0, 100) } });
  }
  return name;
}

/** An upstream URL: http or https, no query, fragment or credentials; returned with a trailing `/`. */
export function checkMirrorUrl(text: string): string {
  let url: URL;
  try { url = new URL(text); } catch {
    throw new BazaarError('ERR_BAD_INPUT', `'${text.slice(0, 200)}' is not a URL (http://host/path/ of an rpm-md repository)`, { data: { url: text.slice(0, 200) } });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BazaarError('ERR_BAD_INPUT', `${url.href}: a mirror's URL is http:// or https://`, { data: { url: url.href } });
  if (url.search || url.hash || url.username || url.password) throw new BazaarError('ERR_BAD_INPUT', `${url.href}: a mirror's URL has no query, fragment or credentials`, { data: { url: url.href } });
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

function checkRecord(value: unknown, index: number, file: string): MirrorRecord {
  const bad = (what: string): BazaarError => new BazaarError('ERR_STORE_DAMAGED', `${file}: mirror ${index + 1} ${what}; fix or remove that entry`, { data: { file, mirror: index + 1 } });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad('is not an object');
  const r = value as Record<string, unknown>;
  for (const k of ['name', 'url', 'channel', 'policy', 'created'] as const) if (typeof r[k] !== 'string') throw bad(`has no ${k}`);
  if (!MIRROR_POLICIES.includes(r.policy as MirrorPolicy)) throw bad(`has policy '${String(r.policy)}'`);
  if (r.key !== undefined && typeof r.key !== 'string') throw bad('has a key that is not text');
  const last = r.last as Record<string, unknown> | undefined;
  if (last !== undefined && (last === null || typeof last !== 'object' || typeof last.repomd !== 'string' || typeof last.commit !== 'string')) throw bad('has a malformed last sync');
  return r as unknown as MirrorRecord;
}

/** Every mirror definition (none when the file does not exist); a malformed file is damage, named. */
export function readMirrors(root: string): MirrorRecord[] { return mirrorsOf(documentsOf(root)); }

const mirrorsOf = (view: DocumentView): MirrorRecord[] => readJsonList(view, MIRRORS, 'mirrors', 'mirror', checkRecord);

/** The definition of mirror `name`; ERR_NOT_FOUND when there is none. */
export function findMirror(root: string, name: string): MirrorRecord {
  const m = readMirrors(root).find((r) => r.name === name);
  if (!m) throw noMirror(name);
  return m;
}

async function updateMirrors<T>(root: string, fn: (mirrors: MirrorRecord[]) => T): Promise<T> {
  return updateDocuments(root, async (view) => {
    const mirrors = mirrorsOf(view);
    const result = fn(mirrors);
    return { changes: [jsonListChange(MIRRORS, 'mirrors', mirrors, 0o644)], result };
  });
}

/** Defines a mirror (the channel is checked by the caller); a name is defined once. */
export async function defineMirror(root: string, record: Omit<MirrorRecord, 'created' | 'last'>): Promise<MirrorRecord> {
  checkMirrorName(record.name);
  const url = checkMirrorUrl(record.url);
  if (!MIRROR_POLICIES.includes(record.policy)) throw new BazaarError('ERR_BAD_INPUT', `a mirror's policy is immediate or on-demand, not '${String(record.policy)}'`);
  return updateMirrors(root, (mirrors) => {
    if (mirrors.some((m) => m.name === record.name)) throw new BazaarError('ERR_BAD_INPUT', `a mirror named ${record.name} exists; remove it first or choose another name`, { data: { mirror: record.name } });
    const taken = mirrors.find((m) => m.channel === record.channel);
    if (taken) throw new BazaarError('ERR_BAD_INPUT', `channel ${record.channel} is already mirror ${taken.name}'s: a sync makes a channel equal to one upstream`, { data: { mirror: record.name, channel: record.channel } });
    const full: MirrorRecord = { name: record.name, url, channel: record.channel, policy: record.policy, ...(record.key ? { key: record.key } : {}), created: new Date().toISOString() };
    mirrors.push(full);
    return full;
  });
}

/** Removes a mirror's definition (its channel and the builds a sync brought in stay). */
export async function undefineMirror(root: string, name: string): Promise<MirrorRecord> {
  return updateMirrors(root, (mirrors) => {
    const at = mirrors.findIndex((m) => m.name === name);
    if (at < 0) throw noMirror(name);
    return mirrors.splice(at, 1)[0];
  });
}

/** Records a complete sync (a definition removed meanwhile stays removed). */
export async function recordMirrorSync(root: string, name: string, last: MirrorSyncRecord): Promise<void> {
  await updateMirrors(root, (mirrors) => {
    const m = mirrors.find((r) => r.name === name);
    if (m) m.last = last;
  });
}
