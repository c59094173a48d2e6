/** The RPM files the tests read: the shared corpus (in place) and repos/sample. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { corpusDir, hasCorpus, projectRoot } from './tools.js';

/** Every file under `dir` (recursively) whose name passes `keep`, sorted. */
export function filesUnder(dir: string, keep: (name: string) => boolean = () => true): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, keep));
    else if (keep(name)) out.push(p);
  }
  return out;
}

/** The corpus holds only packages (one is named *.rpm-v3), so every file counts. */
export const corpusRpms = (): string[] => (hasCorpus() ? filesUnder(join(corpusDir, 'rpms')) : []);
export const corpusBadRpms = (): string[] => (hasCorpus() ? filesUnder(join(corpusDir, 'rpms-bad')) : []);
export const sampleRpms = (): string[] => filesUnder(join(projectRoot, 'repos/sample'), (n) => n.endsWith('.rpm'));
