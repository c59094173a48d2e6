/**
 * Seeded random EVR strings for the oracle tests. The generator is biased towards the
 * inputs where rpm's rules are subtle: shared prefixes (the second string is often a
 * small mutation of the first), `~` and `^` next to segment ends, leading zeros, empty
 * releases, `:` and `-` in odd places, long epochs.
 */

/** mulberry32: small, fast, and the same sequence on every platform for a seed. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed for this run: $BAZAAR_SEED to replay a failure, else the clock. */
export function runSeed(): number {
  const env = process.env.BAZAAR_SEED;
  return env !== undefined && env !== '' ? Number(env) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}

const LETTERS = ['a', 'b', 'z', 'A', 'Z', 'rc', 'alt', 'beta', 'p', 'git'];
const SEPARATORS = ['.', '.', '.', '~', '^', '_', '+'];

function pick<T>(rng: () => number, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)] as T;
}

function digits(rng: () => number): string {
  const r = rng();
  if (r < 0.5) return String(Math.floor(rng() * 10));
  if (r < 0.7) return String(Math.floor(rng() * 100));
  if (r < 0.85) return `0${Math.floor(rng() * 10)}`;
  if (r < 0.95) return String(Math.floor(rng() * 100000));
  return '0';
}

/** A version-like string made of segments and separators (possibly empty). */
export function randomPart(rng: () => number, maxTokens = 6): string {
  const n = Math.floor(rng() * (maxTokens + 1));
  let out = '';
  for (let i = 0; i < n; i++) {
    const r = rng();
    if (r < 0.4) out += digits(rng);
    else if (r < 0.65) out += pick(rng, LETTERS);
    else if (r < 0.97) out += pick(rng, SEPARATORS);
    else out += pick(rng, [':', '-']);
  }
  return out;
}

function randomEpoch(rng: () => number): string {
  const r = rng();
  if (r < 0.6) return '';
  if (r < 0.75) return '0:';
  if (r < 0.88) return `${Math.floor(rng() * 3)}:`;
  if (r < 0.93) return '00:';
  if (r < 0.96) return ':';
  return `${Math.floor(rng() * 1e9)}${Math.floor(rng() * 1e9)}${Math.floor(rng() * 1e9)}:`;
}

/** `[E:]V[-R]`, never empty (rpm refuses an empty EVR). */
export function randomEvr(rng: () => number): string {
  const e = randomEpoch(rng);
  let v = randomPart(rng);
  if (v === '' && rng() < 0.8) v = digits(rng);
  const r = rng();
  const rel = r < 0.35 ? '' : r < 0.4 ? '-' : `-${pick(rng, ['alt', '', 'alt0.', ''])}${randomPart(rng, 3)}`;
  const s = `${e}${v}${rel}`;
  return s === '' ? '1' : s;
}

/** Changes one small thing in an EVR so that most of the pair compares equal. */
export function mutateEvr(rng: () => number, s: string): string {
  const i = Math.floor(rng() * (s.length + 1));
  const r = rng();
  let out: string;
  if (r < 0.3) out = s.slice(0, i) + pick(rng, SEPARATORS) + s.slice(i);
  else if (r < 0.5) out = s.slice(0, i) + digits(rng) + s.slice(i);
  else if (r < 0.65) out = s.slice(0, i) + pick(rng, LETTERS) + s.slice(i);
  else if (r < 0.8) out = s.slice(0, i) + s.slice(i + 1);
  else if (r < 0.9) out = s + pick(rng, ['', '-alt1', '-', '.0', '~rc1', '^1', '0']);
  else out = pick(rng, ['', '0:', '1:', '00:']) + s;
  return out === '' ? s : out;
}

/** A pair of EVRs: half the time independent, half the time one a mutation of the other. */
export function randomEvrPair(rng: () => number): [string, string] {
  const a = randomEvr(rng);
  const b = rng() < 0.5 ? randomEvr(rng) : mutateEvr(rng, a);
  return rng() < 0.5 ? [a, b] : [b, a];
}
