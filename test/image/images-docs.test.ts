/** Runs every ```sh block of docs/images.md, in order, on the sample distribution. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runDocBlocks } from '../helpers/doc-blocks.js';
import { testWith } from '../helpers/tools.js';

const t = suite('docs/images.md');

testWith(t, 'every example of the images document does what it says', ['tar', 'zstd'], () => {
  const r = runDocBlocks('docs/images.md');
  assert.ok(r.blocks >= 5);
  assert.is(r.status, 0, `failed:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  assert.match(r.stdout, 'base@1.0.1 understates the change');
  assert.match(r.stdout, /^base\t1\.1\.0 1\.0\.0$/m);
  assert.match(r.stdout, 'private layer unchanged');
  assert.match(r.stdout, /^bash-5\.2\.26-alt2\.x86_64\nbash-5\.2\.26-alt1\.x86_64$/m);
  assert.match(r.stdout, 'bash verifies');
  assert.match(r.stdout, 'lighttpd and webserver conflict');
  assert.match(r.stdout, 'published with --nodeps despite: /bin/sh is needed by lighttpd-1.4.76-alt1.x86_64');
  assert.match(r.stdout, 'base does not give lighttpd its libssl');
  assert.match(r.stdout, /layer lt@1\.0\.0: published with --nodeps despite\n {2}\S/);
});

t.run();
