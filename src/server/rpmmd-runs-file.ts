/**
 * `runs.json` in a generation's directory: where each run's gzip member is in each of its
 * three documents (rpmmd-segments.ts). It is sealed with the generation, so any process
 * that republishes the channel (after a restart, or another `--workers` process than the
 * one that wrote the generation) copies the unchanged runs from disk as the writer itself
 * would from memory. A file that is absent, damaged or malformed means no runs to reuse:
 * every run is compressed anew, never a wrong document (each copied member is inflated
 * whole first, segmented-documents.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentType, MemberPlace, SegmentedIndex } from '../rpmmd/index.js';

export const RUNS_FILE = 'runs.json';
const VERSION = 1;
const TYPES: DocumentType[] = ['primary', 'filelists', 'other'];
const HREF = /^repodata\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const KEY = /^[0-9a-f]{64}$/;

/** The file's text: per document, its href (relative to the generation) and [key, offset, length] per run. */
export function runsFileText(members: Record<DocumentType, Map<string, MemberPlace>>, hrefs: Record<DocumentType, string>): string {
  const doc = (t: DocumentType) => ({ href: hrefs[t], runs: [...members[t]].map(([key, p]) => [key, p.offset, p.length]) });
  return JSON.stringify({ version: VERSION, primary: doc('primary'), filelists: doc('filelists'), other: doc('other') });
}

const place = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** The runs of the generation in `dir`, or null when it has no readable, well-formed runs file. */
export function readRunsFile(dir: string): SegmentedIndex | null {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(join(dir, RUNS_FILE), 'utf8')); } catch { return null; }
  if (typeof raw !== 'object' || raw === null || (raw as { version?: unknown }).version !== VERSION) return null;
  const index = {} as SegmentedIndex;
  for (const type of TYPES) {
    const doc = (raw as Record<string, unknown>)[type] as { href?: unknown; runs?: unknown } | undefined;
    if (!doc || typeof doc.href !== 'string' || !HREF.test(doc.href) || !Array.isArray(doc.runs)) return null;
    const members = new Map<string, MemberPlace>();
    for (const run of doc.runs as unknown[]) {
      if (!Array.isArray(run) || run.length !== 3 || typeof run[0] !== 'string' || !KEY.test(run[0]) || !place(run[1]) || !place(run[2])) return null;
      members.set(run[0], { offset: run[1], length: run[2] });
    }
    index[type] = { path: join(dir, doc.href), members };
  }
  return index;
}
