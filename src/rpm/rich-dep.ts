/**
 * rpm's boolean ("rich") dependencies: `(a or b)`, `(a and b)`, `(a if b else c)`,
 * `(a unless b else c)`, `(a with b)`, `(a without b)`, nested with parentheses. Parsed
 * once into a tree; the rule generator turns a tree into clauses (rules.ts) and the
 * brute-force checker evaluates it directly.
 */
import type { Dependency, DependencyFlags } from './dependency.js';
import { BazaarError } from '../errors.js';

export type RichNode =
  | { op: 'atom'; dep: Dependency }
  | { op: 'and' | 'or' | 'with' | 'without'; left: RichNode; right: RichNode }
  | { op: 'if' | 'unless'; then: RichNode; cond: RichNode; otherwise?: RichNode };

const OPS: Record<string, DependencyFlags> = { '<': '<', '>': '>', '=': '=', '==': '=', '<=': '<=', '>=': '>=', '=<': '<=', '=>': '>=' };
const KEYWORDS = new Set(['and', 'or', 'if', 'unless', 'else', 'with', 'without']);

export function isRich(name: string): boolean { return name.charCodeAt(0) === 0x28; }

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(why: string): never { throw new BazaarError('ERR_BAD_INPUT', `bad rich dependency '${this.s}': ${why}`); }

  ws(): void { while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++; }

  word(): string {
    this.ws();
    const start = this.i;
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '(') depth++;
      else if (c === ')') { if (depth === 0) break; depth--; } else if (/\s/.test(c) && depth === 0) break;
      this.i++;
    }
    return this.s.slice(start, this.i);
  }

  operand(): RichNode {
    this.ws();
    if (this.s[this.i] === '(') return this.group();
    const name = this.word();
    if (!name || KEYWORDS.has(name)) this.fail(`expected a package name at ${this.i}`);
    const save = this.i;
    const op = this.word();
    if (op in OPS) {
      const evr = this.word();
      if (!evr) this.fail(`missing version after ${op}`);
      return { op: 'atom', dep: { name, flags: OPS[op], evr } };
    }
    this.i = save;
    return { op: 'atom', dep: { name, flags: '', evr: '' } };
  }

  group(): RichNode {
    this.ws();
    if (this.s[this.i] !== '(') this.fail('expected (');
    this.i++;
    let left = this.operand();
    let seenOp: string | null = null;
    for (; ;) {
      this.ws();
      if (this.i >= this.s.length) this.fail('missing )');
      if (this.s[this.i] === ')') break;
      const op = this.word();
      // rpm allows chains only of the same and/or/with operator: (a or b or c)
      if (seenOp !== null && (seenOp !== op || (op !== 'and' && op !== 'or' && op !== 'with'))) this.fail(`cannot chain '${op}' after '${seenOp}' without parentheses`);
      seenOp = op;
      const right = this.operand();
      if (op === 'and' || op === 'or' || op === 'with' || op === 'without') {
        left = { op, left, right };
      } else if (op === 'if' || op === 'unless') {
        this.ws();
        let otherwise: RichNode | undefined;
        if (this.s[this.i] !== ')') {
          const save = this.i;
          if (this.word() === 'else') otherwise = this.operand();
          else { this.i = save; this.fail(`unexpected text after '${op}'`); }
        }
        left = otherwise ? { op, then: left, cond: right, otherwise } : { op, then: left, cond: right };
      } else {
        this.fail(`unknown operator '${op}'`);
      }
    }
    this.i++;
    return left;
  }

  parse(): RichNode {
    const node = this.group();
    this.ws();
    if (this.i !== this.s.length) this.fail('text after the closing )');
    return node;
  }
}

const cache = new Map<string, RichNode>();

/** Parses (and memoises) a rich dependency expression. */
export function parseRichDep(text: string): RichNode {
  let node = cache.get(text);
  if (!node) {
    node = new Parser(text).parse();
    cache.set(text, node);
  }
  return node;
}

/** Every atom of a tree (for reachability: their providers may be needed). */
export function richAtoms(node: RichNode, out: Dependency[] = []): Dependency[] {
  switch (node.op) {
    case 'atom': out.push(node.dep); break;
    case 'if': case 'unless':
      richAtoms(node.then, out); richAtoms(node.cond, out);
      if (node.otherwise) richAtoms(node.otherwise, out);
      break;
    default: richAtoms(node.left, out); richAtoms(node.right, out);
  }
  return out;
}

/**
 * Evaluates a tree against a set: `providers(dep)` gives the members providing an atom.
 * Returns whether the dependency holds (used by the brute-force oracle and checks).
 */
export function evalRich(node: RichNode, providers: (dep: Dependency) => number[]): boolean {
  switch (node.op) {
    case 'atom': return providers(node.dep).length > 0;
    case 'and': return evalRich(node.left, providers) && evalRich(node.right, providers);
    case 'or': return evalRich(node.left, providers) || evalRich(node.right, providers);
    case 'if': return evalRich(node.cond, providers) ? evalRich(node.then, providers) : node.otherwise ? evalRich(node.otherwise, providers) : true;
    case 'unless': return !evalRich(node.cond, providers) ? evalRich(node.then, providers) : node.otherwise ? evalRich(node.otherwise, providers) : true;
    case 'with': case 'without': return richSet(node, providers).length > 0;
  }
}

/** Members satisfying `with`/`without` (a single member must provide both sides / not). */
export function richSet(node: RichNode, providers: (dep: Dependency) => number[]): number[] {
  if (node.op === 'atom') return providers(node.dep);
  if (node.op === 'with' || node.op === 'without') {
    const left = richSet(node.left, providers);
    const right = new Set(richSet(node.right, providers));
    return left.filter((p) => (node.op === 'with') === right.has(p));
  }
  if (node.op === 'or') return [...new Set([...richSet(node.left, providers), ...richSet(node.right, providers)])];
  if (node.op === 'and') {
    const r = new Set(richSet(node.right, providers));
    return richSet(node.left, providers).filter((p) => r.has(p));
  }
  throw new BazaarError('ERR_BAD_INPUT', `'${node.op}' cannot appear inside with/without`);
}
