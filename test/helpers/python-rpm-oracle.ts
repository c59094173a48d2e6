/**
 * python3-rpm as an oracle: one /usr/bin/python3 process per call, fed a whole batch on
 * stdin, answering one line per input line. Only used inside `testWith(..., ['python:rpm'])`.
 */
import { spawnSync } from 'node:child_process';

function runPython(script: string, input: string): string[] {
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`python3-rpm oracle failed (${r.status}): ${r.stderr}`);
  const out = r.stdout.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * `rpm.labelCompare` on `[E:]V[-R]` strings split by rpm's own parser (`rpm.ver`), so
 * both the split and the order come from rpm. Input lines are `A<TAB>B`; the answer is
 * -1, 0, 1, or NaN where rpm refuses the pair ("invalid version": an empty version).
 */
const LABEL_COMPARE = `
import sys, rpm
out = []
ver = rpm.ver
lc = rpm.labelCompare
for line in sys.stdin.read().split('\\n'):
    if not line:
        continue
    a, b = line.split('\\t')
    x = ver(a); y = ver(b)
    try:
        out.append(str(lc((x.e, x.v, x.r), (y.e, y.v, y.r))))
    except ValueError:
        out.append('E')
sys.stdout.write('\\n'.join(out) + '\\n')
`;

export function oracleLabelCompare(pairs: ReadonlyArray<readonly [string, string]>): number[] {
  const lines = pairs.map(([a, b]) => `${a}\t${b}`).join('\n');
  return runPython(LABEL_COMPARE, `${lines}\n`).map(Number);
}

/**
 * python3-rpm exports no rpmvercmp; labelCompare with equal epochs and versions compares
 * the releases with it (the release slot, unlike the version, may be empty).
 */
const VERCMP = `
import sys, rpm
out = []
lc = rpm.labelCompare
for line in sys.stdin.read().split('\\n'):
    if not line:
        continue
    a, b = line.split('\\t')
    out.append(str(lc(('0', '1', a), ('0', '1', b))))
sys.stdout.write('\\n'.join(out) + '\\n')
`;

export function oracleVercmp(pairs: ReadonlyArray<readonly [string, string]>): number[] {
  return runPython(VERCMP, `${pairs.map(([a, b]) => `${a}\t${b}`).join('\n')}\n`).map(Number);
}

/**
 * rpm's dependency overlap: `rpm.ds((N, flags, EVR), tag).Compare(other)`, which is
 * rpmdsCompare. Input lines are `nameA<TAB>senseA<TAB>evrA<TAB>nameB<TAB>senseB<TAB>evrB`.
 */
const DS_COMPARE = `
import sys, rpm
out = []
P = rpm.RPMTAG_PROVIDENAME
R = rpm.RPMTAG_REQUIRENAME
for line in sys.stdin.read().split('\\n'):
    if not line:
        continue
    na, fa, ea, nb, fb, eb = line.split('\\t')
    a = rpm.ds((na, int(fa), ea), P)
    b = rpm.ds((nb, int(fb), eb), R)
    out.append('1' if a.Compare(b) else '0')
sys.stdout.write('\\n'.join(out) + '\\n')
`;

export interface OracleRange { name: string; sense: number; evr: string }

export function oracleOverlap(pairs: ReadonlyArray<readonly [OracleRange, OracleRange]>): boolean[] {
  const lines = pairs.map(([a, b]) => [a.name, a.sense, a.evr, b.name, b.sense, b.evr].join('\t')).join('\n');
  return runPython(DS_COMPARE, `${lines}\n`).map((s) => s === '1');
}
