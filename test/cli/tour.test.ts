/** Runs every ```sh block of docs/tour.md, in order, in a fresh directory. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDocBlocks } from '../helpers/doc-blocks.js';

const t = suite('docs/tour.md');

t('every command of the tour succeeds', () => {
  const r = runDocBlocks('docs/tour.md');
  assert.ok(r.blocks >= 5);
  assert.is(r.status, 0, `tour failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  assert.match(r.stdout, 'webserver-1.24.0-alt1.x86_64');
  assert.match(r.stdout, 'no damage');
});

t.run();
