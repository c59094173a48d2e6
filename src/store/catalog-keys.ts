/**
 * The LevelDB key schema, built here and nowhere else. Parts are joined by NUL: package
 * names and NEVRAs come from NUL-terminated rpm header strings and can never contain it,
 * so every key splits back unambiguously.
 */
const SEP = '\u0000';

export const catalogKeys = {
  /** NEVRA key (epoch always written) -> `<manifest id> <nevra>` */
  nevra: (key: string): string => `nevra${SEP}${key}`,
  /** name + NEVRA key -> the same; a range over `namePrefix(name)` lists a name's builds. */
  name: (name: string, key: string): string => `name${SEP}${name}${SEP}${key}`,
  namePrefix: (name: string): string => `name${SEP}${name}${SEP}`,
  /** Range over every package, in name order. */
  allNames: (): { gte: string; lt: string } => ({ gte: `name${SEP}`, lt: 'name\u0001' }),
  /** The packages-branch commit the index was built from. */
  builtFrom: (): string => `meta${SEP}packages-commit`,
  /** Splits a `name` key back into its parts. */
  parseName(key: string): { name: string; nevra: string } {
    const [, name, nevra] = key.split(SEP);
    return { name, nevra };
  },
};
