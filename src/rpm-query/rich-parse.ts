/**
 * Rich dependencies as rpm's runtime parser (lib/rpmds.c rpmrichParse) accepts them: the
 * resolver's grammar (src/rpm/rich-dep.ts), plus the one rule rpm enforces on every
 * parse, not only at build time: `with` and `without` may only combine operands built
 * of atoms, `or`, `with` and `without` ("Illegal ops in with/without"). rpm treats an
 * expression it cannot parse as a parse error wherever it meets it: an installed
 * package's such dependency never counts as a problem, and none of its atoms is indexed.
 */
import { parseRichDep } from '../rpm/index.js';
import type { RichNode } from '../rpm/index.js';

/** Whether the expression holds an operator that rpm refuses under with/without (its RICHPARSE_NO_WITH); throws when it is under one. */
function forbidsWith(n: RichNode): boolean {
  switch (n.op) {
    case 'atom': return false;
    case 'and':
      forbidsWith(n.left);
      forbidsWith(n.right);
      return true;
    case 'if': case 'unless':
      for (const c of [n.then, n.cond, n.otherwise]) if (c) forbidsWith(c);
      return true;
    case 'or': return [forbidsWith(n.left), forbidsWith(n.right)].some(Boolean);
    case 'with': case 'without':
      if ([forbidsWith(n.left), forbidsWith(n.right)].some(Boolean)) throw new Error('Illegal ops in with/without');
      return false;
  }
}

/** The expression's tree, or an exception where rpm's parser fails. */
export function parseRpmRich(text: string): RichNode {
  const tree = parseRichDep(text);
  forbidsWith(tree);
  return tree;
}
