/** The notice a listing prints (on stderr) when some of what it lists is damaged; it then exits 1. */
export function damagedNotice(names: readonly string[]): string {
  return `${names.length} image${names.length === 1 ? ' is' : 's are'} damaged (${names.join(', ')}); 'bazaar fsck' lists all damage`;
}
