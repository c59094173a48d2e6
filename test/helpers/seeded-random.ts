/**
 * A seeded PRNG (mulberry32) so a failing random test can be replayed: the seed is
 * printed, and BAZAAR_SEED=<n> replays it.
 */
export function seededRandom(label: string): () => number {
  let seed = Number(process.env.BAZAAR_SEED ?? Math.floor(Math.random() * 2 ** 31));
  console.log(`${label}: seed ${seed} (replay with BAZAAR_SEED=${seed})`);
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
