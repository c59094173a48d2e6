/**
 * Reading an installed set. Two formats, told apart by the first non-blank character:
 *
 * - text: one NEVRA per line, `name-[epoch:]version-release.arch`, `#` starts a comment.
 *   A package that is also in the universe takes its dependencies from there; one that
 *   is not is known only by its name and self-provide.
 * - JSON: an array whose items are NEVRA strings or full `PackageRecord` objects (the
 *   store's snippets carry those), for installed packages the universe no longer has.
 *
 * See docs/resolver.md#installed-set.
 */
import { readFile } from 'node:fs/promises';
import { BazaarError, pathError } from '../errors.js';
import { recordNevra } from './memory-source.js';
import { formatEvrWithEpoch, formatNevraWithEpoch } from '../rpm/index.js';
import type { PackageRecord, PackageSource } from './source.js';

export function parseInstalled(text: string, universe: PackageSource | null, origin = 'installed set'): PackageRecord[] {
  const byNevra = new Map<string, PackageRecord>();
  if (universe) for (const p of universe.packages()) byNevra.set(formatNevraWithEpoch(p), p);
  const fromNevra = (s: string): PackageRecord => {
    const id = recordNevra(s);
    const known = byNevra.get(formatNevraWithEpoch(id));
    if (known) return known;
    return { ...id, provides: [{ name: id.name, flags: '=', evr: formatEvrWithEpoch(id) }], requires: [], conflicts: [], obsoletes: [], files: [] };
  };
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) {
    let items: unknown;
    try { items = JSON.parse(trimmed); } catch (err) {
      throw new BazaarError('ERR_BAD_INPUT', `${origin}: not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    if (!Array.isArray(items)) throw new BazaarError('ERR_BAD_INPUT', `${origin}: expected a JSON array`);
    return items.map((it, i) => {
      if (typeof it === 'string') return fromNevra(it);
      const r = it as Partial<PackageRecord>;
      if (!r || typeof r.name !== 'string' || typeof r.version !== 'string' || typeof r.release !== 'string' || typeof r.arch !== 'string') {
        throw new BazaarError('ERR_BAD_INPUT', `${origin}: item ${i} is neither a NEVRA nor a package record`);
      }
      return { epoch: 0, provides: [], requires: [], conflicts: [], obsoletes: [], files: [], ...r } as PackageRecord;
    });
  }
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean).map(fromNevra);
}

export async function readInstalled(file: string, universe: PackageSource | null): Promise<PackageRecord[]> {
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch (err) { throw pathError(err, file, 'installed set'); }
  return parseInstalled(text, universe, file);
}
