/**
 * The rpm folder's narrow door for names and dependency text (docs/architecture.md#front-doors):
 * NEVRA and EVR spelling and `name flags evr`, which the store's lookups, policy and `show`
 * need without the .rpm readers, rpmdb readers and signature checks that index.ts brings.
 */
export { formatDependency } from './dependency.js';
export type { Dependency, DependencyFlags, DependencyKind } from './dependency.js';
export { displayNevra, formatEvr, formatEvrWithEpoch, formatNevra, formatNevraParts, formatNevraWithEpoch, formatNvra, nevraKey, nevraOfKey, parseEvr, parseNevra, splitEvr } from './nevra.js';
export type { Evr, EvrText } from './nevra.js';
