/** How an image change, and the children it carried along, read on a terminal. */
import type { ChangeResult } from '../image/index.js';
import type { FamilyResult } from '../linked/index.js';

export type FamilyChange = ChangeResult & { children: FamilyResult[] };

/** `recorded`: a new version was made even if no package changed (a link, an unlink). */
export function changeText(r: ChangeResult, recorded = false): string {
  if (!recorded && r.installed.length === 0 && r.removed.length === 0) return `image ${r.name}@${r.version}: nothing to do`;
  return [...r.installed.map((n) => `+ ${n}`), ...r.removed.map((n) => `- ${n}`), `image ${r.name}@${r.version}\t${r.id}`].join('\n');
}

/** The change, then one line per linked child carried along. */
export function familyText(r: FamilyChange, recorded = false): string {
  return [changeText(r, recorded), ...r.children.map((c) => `  carried child ${c.image}@${c.version}${c.installed.length || c.removed.length ? `: ${[...c.installed.map((n) => `+${n}`), ...c.removed.map((n) => `-${n}`)].join(' ')}` : ''}`)].join('\n');
}
