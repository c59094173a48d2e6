/**
 * Channel settings: how it orders builds (fixed when the channel is created), and whether
 * it takes only packages signed by a trusted key (`requireSignature`, absent when off;
 * `bazaar channel set` changes it). See docs/versioning-policy.md#rule-channels.
 *
 *   {"kind":"channel","v":1,"order":"alt","priorityBranch":"p11","requireSignature":true}
 */
import type { VersionOrder } from '../../policy/index.js';
import { fields, invalid } from './kind.js';
import type { Kind } from './kind.js';

export interface ChannelSettingsObject { kind: 'channel'; v: number; order: VersionOrder; priorityBranch?: string; requireSignature?: boolean }

export const channelKind: Kind<ChannelSettingsObject> = {
  name: 'channel',
  version: 1,
  parse(value, id) {
    const f = fields(value, id, 'channel');
    const order = f.str('order');
    if (order !== 'rpm' && order !== 'alt') throw invalid(id, 'channel', `order ${order} is neither rpm nor alt`);
    const priorityBranch = f.optStr('priorityBranch');
    const requireSignature = value.requireSignature;
    if (requireSignature !== undefined && typeof requireSignature !== 'boolean') throw invalid(id, 'channel', 'requireSignature is not true or false');
    return { kind: 'channel', v: typeof value.v === 'number' ? value.v : 0, order, ...(priorityBranch ? { priorityBranch } : {}), ...(requireSignature ? { requireSignature: true } : {}) };
  },
  refs: () => [],
};
