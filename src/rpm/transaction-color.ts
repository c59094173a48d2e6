/**
 * rpm's transaction colour (`%_transaction_color` of the platform rpm runs on, from
 * /usr/lib/rpm/platform/ARCH-linux/macros): 3 on multilib 64-bit platforms (ELF32 and
 * ELF64 both installable), 2 on ia64, 0 elsewhere. rpm records it in every package it
 * installs as INSTALLCOLOR and uses it to let 32- and 64-bit builds of one name coexist.
 */

const COLOR_3 = new Set(['aarch64', 'amd64', 'ia32e', 'loongarch64', 'mips64', 'mips64el', 'mips64r6', 'mips64r6el', 'ppc64', 'ppc64le',
  'ppc64p7', 'riscv64', 's390x', 'sparc64', 'sparc64v', 'x86_64']);

/** Node's process.arch to rpm's platform arch, for a system of no arch-specific packages. */
const NODE_ARCH: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loongarch64', ia32: 'i686', arm: 'armv7hl' };

export function platformColor(arch: string): number {
  if (COLOR_3.has(arch)) return 3;
  return arch === 'ia64' ? 2 : 0;
}

/**
 * The colour rpm would give a transaction installing packages of these arches on their
 * own platform: the platform is the arch-specific package arch of the highest colour
 * (x86_64 over its i586 multilib builds); with none (all noarch), this machine's.
 */
export function transactionColor(arches: Iterable<string>): number {
  let best: number | null = null;
  for (const a of arches) {
    if (a === 'noarch' || a === '') continue;
    const c = platformColor(a);
    if (best === null || c > best) best = c;
  }
  return best ?? platformColor(NODE_ARCH[process.arch] ?? process.arch);
}
