/**
 * Random universes for the universe tests: a deterministic generator and random builds
 * over a small name space (rich dependencies, files, obsoletes, arches), so that changes
 * touch what others ask for and a package's name is often another's capability.
 */
import { pkg } from '../../src/resolver/memory-source.js';
import type { PackageRecord } from '../../src/resolver/source.js';

/** A small deterministic generator (mulberry32). */
export function random(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return (((x ^ (x >>> 14)) >>> 0) / 4294967296 * n) | 0;
  };
}

/** A random build over a small name space, so that changes touch what others ask for. */
export function build(r: (n: number) => number, serial: number): PackageRecord {
  const name = `p${r(300)}`;
  const arch = ['x86_64', 'noarch', 'i586', 'aarch64'][r(4)];
  const cap = (): string => [`cap${r(200)}`, `p${r(300)}`, `/usr/bin/f${r(100)}`, `lib${r(50)}.so.${r(3)}()(64bit)`][r(4)];
  const versioned = (): string => { const c = cap(); return c.startsWith('/') || r(2) ? c : `${c} ${['>=', '<', '='][r(3)]} ${r(4)}.${r(3)}`; };
  const rich = (): string => `(${cap()} or ${cap()})`;
  const list = (max: number, item: () => string): string[] => Array.from({ length: r(max + 1) }, item);
  const rec = pkg(`${name}-${r(3)}:${r(4)}.${r(3)}-alt${serial}.${arch}`, {
    provides: list(3, () => (r(3) ? `cap${r(200)}` : `cap${r(200)} = ${r(4)}.${r(3)}`)),
    requires: [...list(4, versioned), ...(r(6) === 0 ? [rich()] : [])],
    conflicts: list(1, versioned),
    obsoletes: list(1, () => `p${r(300)} < ${r(4)}.0`),
    files: list(3, () => `/usr/bin/f${r(100)}`),
  });
  // some builds do not state their own name = EVR (the pool adds it)
  if (r(3) === 0) rec.provides = rec.provides.slice(1);
  return Object.assign(rec, { buildId: `sha256:${serial.toString(16).padStart(64, '0')}`, buildtime: 1700000000 + r(1000) });
}
