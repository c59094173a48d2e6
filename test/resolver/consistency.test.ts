/**
 * setProblems: whether a package set holds together as `rpm -i` of it would check, every
 * problem in rpm's words (the layer and image tests compare its lines with rpm's own on
 * real packages; these are the rules one at a time).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { pkg, setProblems } from '../../src/resolver/index.js';

const t = suite('setProblems');
const texts = (...args: Parameters<typeof setProblems>): string[] => setProblems(...args).map((p) => p.text);

t('a set that holds has no problem: versioned, file and rich requirements met within it', () => {
  const set = [
    pkg('app-1.0-1.noarch', { requires: ['lib >= 2', '/bin/sh', '(web or httpd)'] }),
    pkg('lib-2.1-1.noarch'),
    pkg('bash-5-1.x86_64', { files: ['/bin/sh'] }),
    pkg('httpd-2-1.x86_64'),
  ];
  assert.equal(texts(set), []);
});

t('every unmet requirement is listed, not only the first, as rpm words it', () => {
  const set = [pkg('app-1.0-1.noarch', { requires: ['lib >= 2', '/bin/sh', '(web or httpd)'] }), pkg('lib-1.0-1.noarch')];
  assert.equal(texts(set), ['lib >= 2 is needed by app-1.0-1.noarch', '/bin/sh is needed by app-1.0-1.noarch', '(web or httpd) is needed by app-1.0-1.noarch']);
});

t('a conflict is reported for the package that declares it; an obsoletes between two members too', () => {
  const set = [pkg('webserver-1-1.x86_64', { conflicts: ['lighttpd'] }), pkg('lighttpd-1-1.x86_64', { conflicts: ['webserver'] }), pkg('new-2-1.noarch', { obsoletes: ['old < 2'] }), pkg('old-1-1.noarch')];
  assert.equal(texts(set), ['lighttpd conflicts with webserver-1-1.x86_64', 'webserver conflicts with lighttpd-1-1.x86_64', 'old < 2 is obsoleted by new-2-1.noarch']);
  assert.equal(setProblems(set).map((p) => p.kind), ['conflicts', 'conflicts', 'obsoletes']);
});

t('outside packages satisfy needs without their own being checked, but a member may not conflict with one', () => {
  const parent = [pkg('core-11-1.noarch', { requires: ['nowhere'] })];
  assert.equal(texts([pkg('agent-3-1.noarch', { requires: ['core >= 11'] })], parent), [], 'the outside core satisfies the agent; its own need is not ours');
  assert.equal(texts([pkg('agent-3-1.noarch', { requires: ['core >= 12'] })], parent), ['core >= 12 is needed by agent-3-1.noarch']);
  assert.equal(texts([pkg('rival-1-1.noarch', { conflicts: ['core'] })], parent), ['core conflicts with rival-1-1.noarch']);
  assert.equal(texts([pkg('plain-1-1.noarch')], [pkg('picky-1-1.noarch', { conflicts: ['plain'] })]), ['plain conflicts with picky-1-1.noarch'], 'an outside package\'s conflict with a member counts too');
  assert.equal(texts([], [pkg('a-1-1.noarch', { conflicts: ['b'] }), pkg('b-1-1.noarch')]), [], 'outside packages among themselves are not ours to judge');
});

t.run();
