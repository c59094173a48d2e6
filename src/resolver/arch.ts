/**
 * Which architectures a system can install, and how much it prefers each: libsolv's
 * arch policy for the pool arch (x86_64 takes x86_64, then i686 … i386; noarch fits
 * everywhere). Lower score is better; 0 means "cannot be installed here". Source
 * packages never install.
 */
const POLICIES: Record<string, string[]> = {
  x86_64: ['x86_64', 'i686', 'i586', 'i486', 'i386'],
  i686: ['i686', 'i586', 'i486', 'i386'],
  i586: ['i586', 'i486', 'i386'],
  aarch64: ['aarch64'],
  ppc64le: ['ppc64le'],
  s390x: ['s390x'],
};

export type ArchScorer = (arch: string) => number;

/** Scorer for a system arch; unknown system arches accept only themselves and noarch. */
export function archScorer(systemArch: string): ArchScorer {
  const order = POLICIES[systemArch] ?? [systemArch];
  const scores = new Map<string, number>(order.map((a, i) => [a, i + 1]));
  scores.set('noarch', 1);
  return (arch) => scores.get(arch) ?? 0;
}
