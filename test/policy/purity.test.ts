/**
 * src/policy is pure (style guide, rule 1): it imports only its own modules, the
 * shared error type, types from src/rpm, src/rpm/nevra.ts's functions (NEVRA and EVR
 * text: pure string functions, and their one owner), through rpm's door or its narrow
 * door for names (src/rpm/names.ts), and the semver
 * package (semver-bump.ts and layer-ref.ts only). No I/O, no CLI, no store.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from '../helpers/tools.js';

const t = suite('src/policy purity');

t('src/policy imports only ./, ../errors.js, types from ../rpm, and semver', () => {
  const dir = join(projectRoot, 'src/policy');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  const nevraText = new Set([...readFileSync(join(projectRoot, 'src/rpm/nevra.ts'), 'utf8').matchAll(/^export (?:function|interface|type) (\w+)/gm)].map((m) => m[1]));
  /** The names a value import from rpm's door brings in: each must be nevra.ts's. */
  const onlyNevraText = (statement: string): boolean => {
    const names = /\{([^}]*)\}/.exec(statement)?.[1].split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean) ?? [];
    return names.length > 0 && names.every((n) => nevraText.has(n));
  };
  assert.ok(files.length >= 7);
  let seen = 0;
  for (const f of files) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)) {
      const spec = m[3] as string;
      seen++;
      const typeOnly = m[2] !== undefined;
      const ok = spec.startsWith('./') || spec === '../errors.js'
        || (spec.startsWith('../rpm/') && typeOnly) || spec === '../rpm/nevra.js' || ((spec === '../rpm/index.js' || spec === '../rpm/names.js') && onlyNevraText(m[0]))
        || (spec === 'semver' && (f === 'semver-bump.ts' || f === 'layer-ref.ts'));
      assert.ok(ok, `${f} imports '${spec}'${typeOnly ? ' (types)' : ''}`);
    }
    assert.not.match(src, /process\.(stdout|stderr|exit)|console\./, `${f} prints nothing`);
  }
  assert.ok(seen >= 15, `the import scan saw ${seen} imports`);
});

t.run();
