/** The linked folder's public surface: what the rest of bazaar may use (docs/architecture.md). */
export { groupMembers, listGroups } from './groups.js';
export { imageClosure, unaccepted } from './image-closure.js';
export { imagePackages } from './image-packages.js';
export { checkFamilies, isBroken, problemLines } from './link-judge.js';
export { linkConstraints, linkRules, outsidePackages, violations, withParentBuilds } from './link-policy.js';
export { parseLinkPolicy } from './linked-image.js';
export { audit, carryChildren, childrenOf, layerExceptions, linkImage, linkTree, recordsAnywhere, rulesOf, setLinkPolicy, syncImage, unlinkImage } from './links.js';
export type { AuditEntry, FamilyResult, LayerAuditEntry, LinkNode } from './links.js';
export { setGroup } from './set-group.js';
