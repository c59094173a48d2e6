/** `bazaar vercmp`: the CLI contract (rule-evr-order), through the real executable. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { projectRoot } from '../helpers/tools.js';

const bin = join(projectRoot, 'dist/bin/bazaar.js');
function bazaar(args: string[], input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const t = suite('bazaar vercmp');

t('rule-evr-order: vercmp A B prints -1, 0 or 1', () => {
  assert.equal(bazaar(['vercmp', '1.0-alt1', '1.0-alt1.1']), { status: 0, stdout: '-1\n', stderr: '' });
  assert.is(bazaar(['vercmp', '1:1.0', '2.0']).stdout, '1\n');
  assert.is(bazaar(['vercmp', '0:1.0-alt1', '1.0-alt1']).stdout, '0\n');
  assert.is(bazaar(['vercmp', '--', '-1', '1']).status, 2, 'an empty version is refused, as rpm refuses it');
});

t('rule-evr-order: --json prints {"result": n}', () => {
  const r = bazaar(['vercmp', '--json', '1.0~rc1', '1.0']);
  assert.is(r.status, 0);
  assert.equal(JSON.parse(r.stdout), { result: -1 });
});

t('rule-alt-segment-order: --alt compares as ALT rpm does', () => {
  assert.is(bazaar(['vercmp', '1.0-alt1.qa1', '1.0-alt1.1']).stdout, '-1\n');
  assert.is(bazaar(['vercmp', '--alt', '1.0-alt1.qa1', '1.0-alt1.1']).stdout, '1\n');
  assert.is(bazaar(['vercmp', '--alt', '--batch'], '1.0a\t1.0.1\n1\t1\n').stdout, '1\n0\n');
  assert.is(bazaar(['vercmp', '--alt', '1:', '1']).status, 2, 'the same EVRs are refused in both orders');
});

t('rule-evr-order: --batch answers one line per input line, CRLF and a missing final newline included', () => {
  const r = bazaar(['vercmp', '--batch'], '1.0\t2.0\r\n2.0\t2.0\n1:0\t9\n1.0^g\t1.0');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, '-1\n0\n1\n1\n');
  assert.is(bazaar(['vercmp', '--batch'], '').stdout, '', 'no input, no output');
  assert.equal(JSON.parse(bazaar(['vercmp', '--batch', '--json'], '1\t2\n2\t1\n').stdout), { results: [-1, 1] });
});

t('rule-evr-order: --batch stops at a malformed line with exit 2, naming its number', () => {
  for (const bad of ['1.0 2.0', '1\t2\t3', '\t1', '1:\t1.0']) {
    const r = bazaar(['vercmp', '--batch'], `1\t2\n3\t3\n${bad}\n4\t5\n`);
    assert.is(r.status, 2, `exit 2 for '${bad}'`);
    assert.match(r.stderr, /^bazaar vercmp: line 3: /, r.stderr);
    assert.is(r.stderr.trim().split('\n').length, 1, 'a one-line error');
    assert.is(r.stdout, '-1\n0\n', 'the lines before it were answered');
  }
});

t('rule-evr-order: usage errors exit 2', () => {
  assert.is(bazaar(['vercmp', '1.0']).status, 2);
  assert.is(bazaar(['vercmp', '--batch', '1', '2']).status, 2);
});

t.run();
