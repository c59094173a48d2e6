/**
 * rpm's choice of an I18N string's translation (lib/header.c copyI18NEntry and
 * headerMatchLocale): the locale comes from the first of LANGUAGE, LC_ALL, LC_MESSAGES
 * and LANG that is set (an empty one included, which means "untranslated"), as
 * `ll[_CC][.codeset][@modifier]` entries separated by colons; each entry is tried in
 * turn against the header's HEADERI18NTABLE, first whole, then without its @modifier,
 * then without its .codeset (a table name matching that far wins), then without its
 * _territory (a weaker match, used only when nothing better matched that entry). No
 * match, or no locale: the first (C) string. rpm reads the environment, not the C
 * library's locale, so a locale need not be installed for it to apply.
 */

/** rpm's getenv chain: the locale list, or null when none of the variables is set. */
export function localeFrom(env: Record<string, string | undefined>): string | null {
  for (const name of ['LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'LANG']) {
    const v = env[name];
    if (v !== undefined) return v;
  }
  return null;
}

/** headerMatchLocale: 1 for a match, 2 for a match without the territory, 0 for none. */
function matchLocale(td: string, l: string): 0 | 1 | 2 {
  if (td === l) return 1;
  // rpm compares the first n bytes only (strncmp): a longer table name still matches
  const prefix = (sep: string): boolean => {
    const at = l.indexOf(sep);
    return at >= 0 && td.startsWith(l.slice(0, at));
  };
  if (prefix('@') || prefix('.')) return 1;
  return prefix('_') ? 2 : 0;
}

/** The translation rpm shows of `values` (one per table entry), for locale list `lang`. */
export function pickTranslation(values: string[], table: string[], lang: string | null): string {
  if (!lang || table.length === 0) return values[0];
  const n = Math.min(values.length, table.length);
  for (const l of lang.split(':')) {
    if (l === '') continue;
    let weak: string | null = null;
    for (let i = 0; i < n; i++) {
      const m = matchLocale(table[i], l);
      if (m === 1) return values[i];
      if (m === 2) weak = values[i];
    }
    if (weak !== null) return weak;
  }
  return values[0];
}
