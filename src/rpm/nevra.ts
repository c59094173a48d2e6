/**
 * Package references as users type them: `name-version-release.arch` or
 * `name-epoch:version-release.arch`. Parsed from the right, since neither version nor
 * release may contain `-`, while names may.
 */
export interface Nevra { name: string; epoch: number | null; version: string; release: string; arch: string }

export function parseNevra(text: string): Nevra | null {
  const lastDash = text.lastIndexOf('-');
  if (lastDash <= 0) return null;
  const releaseArch = text.slice(lastDash + 1);
  const dot = releaseArch.lastIndexOf('.');
  if (dot <= 0 || dot === releaseArch.length - 1) return null;
  const head = text.slice(0, lastDash);
  const prevDash = head.lastIndexOf('-');
  if (prevDash <= 0) return null;
  let version = head.slice(prevDash + 1);
  let epoch: number | null = null;
  const colon = version.indexOf(':');
  if (colon >= 0) {
    const e = version.slice(0, colon);
    if (!/^\d+$/.test(e)) return null;
    epoch = Number(e);
    version = version.slice(colon + 1);
  }
  if (!version) return null;
  return { name: head.slice(0, prevDash), epoch, version, release: releaseArch.slice(0, dot), arch: releaseArch.slice(dot + 1) };
}

/**
 * The lookup key of a NEVRA: the epoch always written (0 when absent), so `foo-1-1.noarch`
 * and `foo-0:1-1.noarch` name the same build.
 */
export function nevraKey(n: Nevra): string {
  return `${n.name}-${n.epoch ?? 0}:${n.version}-${n.release}.${n.arch}`;
}
