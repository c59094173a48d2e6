/** The first argument of every library operation: an open Store, checked as the options are. */
import { BazaarError } from '../errors.js';
import { Store } from '../store/index.js';

export function checkStore(fn: string, store: unknown): Store {
  if (!(store instanceof Store)) {
    throw new BazaarError('ERR_USAGE', `${fn} takes an open store first: ${fn}(await Store.open(dir), { ... })`, { data: { function: fn } });
  }
  return store;
}
