/** Runs every ```sh block of docs/linked-images.md, in order, on the sample distribution. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDocBlocks } from '../helpers/doc-blocks.js';

const t = suite('docs/linked-images.md');

t('every example of the linked-images document does what it says', () => {
  const r = runDocBlocks('docs/linked-images.md');
  assert.ok(r.blocks >= 5);
  assert.is(r.status, 0, `failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout, 'va1 -> host@2.0.0 (sync:minimal): complies');
  assert.match(r.stdout, /host@2\.0\.0\n  va1@2\.0\.0  \(sync:minimal\)/);
});

t.run();
