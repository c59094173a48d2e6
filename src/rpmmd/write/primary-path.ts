/**
 * createrepo_c's cr_is_primary (src/misc.c): the files primary.xml lists, so that
 * dependencies on them resolve without filelists.xml. Everything under /etc/, every path
 * containing `bin/`, and /usr/lib/sendmail, as every createrepo and yum has agreed.
 */
import type { ByteString } from './header-view.js';

export function isPrimaryPath(path: ByteString): boolean {
  return path.startsWith('/etc/') || path.includes('bin/') || path === '/usr/lib/sendmail';
}
