/**
 * Benchmark: `bazaar vercmp --batch` against python3-rpm's labelCompare on the same
 * 100,000 random `A<TAB>B` lines, each as a whole process (start-up included), median of
 * a few runs. Also times the library alone, in process. Run on its own with
 * `node dist/bench/vercmp.js [lines] [runs]`, or import `benchVercmp` from the bench runner.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compareEvrText, evrTextProblem } from '../src/policy/evr.js';
import { createRng, randomEvrPair } from '../test/helpers/random-evr.js';

export interface VercmpBenchResult {
  lines: number;
  runs: number;
  seed: number;
  /** Median wall time of `node dist/bin/bazaar.js vercmp --batch`, in ms. */
  bazaarMs: number;
  /** Median wall time of one python3 process doing rpm.ver + rpm.labelCompare per line, in ms. */
  rpmMs: number | null;
  /** Median time of compareEvrText over all lines in this process, in ms. */
  libraryMs: number;
  /** rpmMs / bazaarMs: above 1 means bazaar is faster. */
  ratio: number | null;
  /** Lines where the two disagree (must be 0). */
  mismatches: number | null;
}

const PYTHON = '/usr/bin/python3';
const LABEL_COMPARE = `
import sys, rpm
ver = rpm.ver; lc = rpm.labelCompare; out = []
for line in sys.stdin.read().split('\\n'):
    if not line: continue
    a, b = line.split('\\t'); x = ver(a); y = ver(b)
    out.append(str(lc((x.e, x.v, x.r), (y.e, y.v, y.r))))
sys.stdout.write('\\n'.join(out) + '\\n')
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timed(cmd: string, args: string[], input: string): { ms: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

export async function benchVercmp(options: { lines?: number; runs?: number; seed?: number; log?: (line: string) => void } = {}): Promise<VercmpBenchResult> {
  const lines = options.lines ?? 100_000;
  const runs = options.runs ?? 3;
  const seed = options.seed ?? 20261122;
  const log = options.log ?? ((l: string) => console.log(l));
  const rng = createRng(seed);
  const pairs: Array<[string, string]> = [];
  while (pairs.length < lines) {
    const [a, b] = randomEvrPair(rng);
    if (evrTextProblem(a) === null && evrTextProblem(b) === null) pairs.push([a, b]);
  }
  const input = `${pairs.map(([a, b]) => `${a}\t${b}`).join('\n')}\n`;
  const main = fileURLToPath(new URL('../bin/bazaar.js', import.meta.url));

  const lib: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    let sum = 0;
    for (const [a, b] of pairs) sum += compareEvrText(a, b);
    lib.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (Number.isNaN(sum)) throw new Error('unreachable');
  }
  const ours: number[] = [];
  let ourOut = '';
  for (let i = 0; i < runs; i++) {
    const r = timed(process.execPath, [main, 'vercmp', '--batch'], input);
    ours.push(r.ms);
    ourOut = r.stdout;
  }
  let rpmMs: number | null = null;
  let mismatches: number | null = null;
  if (existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import rpm']).status === 0) {
    const theirs: number[] = [];
    let theirOut = '';
    for (let i = 0; i < runs; i++) {
      const r = timed(PYTHON, ['-c', LABEL_COMPARE], input);
      theirs.push(r.ms);
      theirOut = r.stdout;
    }
    rpmMs = median(theirs);
    const a = ourOut.split('\n');
    const b = theirOut.split('\n');
    mismatches = a.length === b.length ? a.filter((x, i) => x !== b[i]).length : Math.abs(a.length - b.length);
  }
  const result: VercmpBenchResult = {
    lines, runs, seed, bazaarMs: median(ours), rpmMs, libraryMs: median(lib),
    ratio: rpmMs === null ? null : rpmMs / median(ours), mismatches,
  };
  log(`vercmp --batch, ${lines} lines (seed ${seed}, median of ${runs}):`);
  log(`  bazaar vercmp --batch (whole process)   ${result.bazaarMs.toFixed(0)} ms`);
  log(`  compareEvrText in process (no start-up)  ${result.libraryMs.toFixed(0)} ms`);
  if (rpmMs === null) log('  python3-rpm labelCompare                  (python3-rpm not installed)');
  else {
    log(`  python3-rpm labelCompare (whole process) ${rpmMs.toFixed(0)} ms`);
    log(`  ratio rpm/bazaar: ${result.ratio!.toFixed(2)}x; answers differing: ${mismatches}`);
  }
  return result;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [lines, runs] = process.argv.slice(2).map(Number);
  benchVercmp({ lines: lines || undefined, runs: runs || undefined }).then((r) => {
    if (r.mismatches) process.exitCode = 1;
  }, (err: unknown) => { console.error(err); process.exitCode = 1; });
}
