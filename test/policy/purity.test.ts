/**
 * src/policy is pure (style guide, rule 1): it imports only its own modules, the
 * shared error type, types from src/rpm, src/rpm/nevra.ts (NEVRA spelling: pure string
 * functions, and their one owner) and the semver package (semver-bump.ts and layer-ref.ts only).
 * No I/O, no CLI, no store.
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
  assert.ok(files.length >= 7);
  let seen = 0;
  for (const f of files) {
    const src = readFileSync(join(dir, f), 'utf8');
    for (const m of src.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)) {
      const spec = m[3] as string;
      seen++;
      const typeOnly = m[2] !== undefined;
      const ok = spec.startsWith('./') || spec === '../errors.js'
        || (spec.startsWith('../rpm/') && typeOnly) || spec === '../rpm/nevra.js'
        || (spec === 'semver' && (f === 'semver-bump.ts' || f === 'layer-ref.ts'));
      assert.ok(ok, `${f} imports '${spec}'${typeOnly ? ' (types)' : ''}`);
    }
    assert.not.match(src, /process\.(stdout|stderr|exit)|console\./, `${f} prints nothing`);
  }
  assert.ok(seen >= 15, `the import scan saw ${seen} imports`);
});

t.run();
