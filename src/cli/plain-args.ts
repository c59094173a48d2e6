/**
 * What node's util.parseArgs answers for the plain spellings of a command line
 * (positionals, `--store DIR`, `--json`), without loading it: parseArgs and its helpers
 * are two modules Node loads and compiles at the first use, in every start that parses
 * (docs/architecture.md#start-up). Anything else, or a command whose options have
 * defaults, is parseArgs's to parse (null).
 */
export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** parseArgs's `{ values, positionals }` of `args` when they hold nothing but positionals, `--store DIR` and `--json`; else null. */
export function plainArgs(args: readonly string[], options: Readonly<Record<string, { type: string; default?: unknown }>>): ParsedArgs | null {
  if (options.store?.type !== 'string' || options.json?.type !== 'boolean') return null;
  if (Object.values(options).some((o) => o.default !== undefined)) return null;
  // parseArgs's values have no prototype: a key such as `constructor` reads as absent
  const values: Record<string, string | boolean | undefined> = Object.create(null);
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) positionals.push(arg);
    else if (arg === '--json') values.json = true;
    // a value starting with '-' is refused by parseArgs as ambiguous: its message, not ours
    else if (arg === '--store' && i + 1 < args.length && !args[i + 1].startsWith('-')) values.store = args[++i];
    else return null;
  }
  return { values, positionals };
}
