/** What the image benchmarks share: their command-line options, and the sample distribution's packages. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SAMPLE = fileURLToPath(new URL('../../repos/sample/RPMS', import.meta.url));

/** `--name VALUE` from the command line, else `fallback`. */
export const option = (name: string, fallback: string): string => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] as string : fallback; };
export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function rpmsUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => { const p = join(dir, n); return statSync(p).isDirectory() ? rpmsUnder(p) : p.endsWith('.rpm') && !p.includes('.i586.') ? [p] : []; });
}

/** Every binary package of repos/sample but the i586 ones (one build per name and arch). */
export const sampleRpms = (): string[] => rpmsUnder(SAMPLE);
