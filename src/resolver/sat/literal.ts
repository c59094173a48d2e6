/**
 * Literals as small integers, MiniSat style: variable v is `2v` (true) and `2v+1`
 * (false), so negation is `lit ^ 1` and the watch lists index by literal directly.
 */
export const pos = (v: number): number => v << 1;
export const neg = (v: number): number => (v << 1) | 1;
export const varOf = (lit: number): number => lit >> 1;
export const isNeg = (lit: number): boolean => (lit & 1) === 1;
