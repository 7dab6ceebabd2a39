/**
 * User functions cross to worker threads as source text, so they must not depend on anything outside
 * themselves. This parses a function's source (acorn) and resolves every name it reads against the
 * scopes inside it (parameters, locals, block and loop variables, catch parameters, inner functions);
 * a name that is none of those nor a pure JS built-in means the function captures a variable (or
 * reaches for global state), and it is refused at build time with an error that names it.
 */
import { parse } from 'acorn';
import { UserFunctionError } from '../base/errors.js';

const PURE_GLOBALS = new Set([
  'Math', 'Number', 'NaN', 'Infinity', 'undefined', 'isNaN', 'isFinite', 'parseFloat', 'parseInt', 'Boolean',
  'String', 'Array', 'Object', 'JSON', 'BigInt', 'Symbol', 'Error', 'RangeError', 'TypeError',
  'Float64Array', 'Float32Array', 'Int32Array', 'Int16Array', 'Int8Array', 'Uint32Array', 'Uint16Array', 'Uint8Array',
  // esbuild's keepNames (tsx) wraps inner named functions in `__name(fn, "name")`; workers define it.
  '__name',
]);

interface Node {
  readonly type: string;
  readonly [k: string]: unknown;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';
}

interface Scope {
  readonly names: Set<string>;
  readonly parent: Scope | undefined;
}

const FUNCTIONS = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);

/** The names a binding pattern declares (`x`, `[a, ...b]`, `{ k: c = 1 }`). */
function patternNames(pattern: unknown, out: Set<string>): void {
  if (!isNode(pattern)) return;
  switch (pattern.type) {
    case 'Identifier':
      out.add(pattern.name as string);
      return;
    case 'ObjectPattern':
      for (const p of pattern.properties as Node[]) patternNames(p.type === 'RestElement' ? p.argument : p.value, out);
      return;
    case 'ArrayPattern':
      for (const e of pattern.elements as (Node | null)[]) patternNames(e, out);
      return;
    case 'RestElement':
      patternNames(pattern.argument, out);
      return;
    case 'AssignmentPattern':
      patternNames(pattern.left, out);
      return;
  }
}

/** `var` names anywhere in a function body (they are function-scoped), not inside nested functions. */
function varNames(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) varNames(n, out);
    return;
  }
  if (!isNode(node) || FUNCTIONS.has(node.type)) return;
  if (node.type === 'VariableDeclaration' && node.kind === 'var') {
    for (const d of node.declarations as Node[]) patternNames(d.id, out);
  }
  for (const [k, v] of Object.entries(node)) if (k !== 'type') varNames(v, out);
}

/** Block-scoped names declared directly in a list of statements (let, const, class, function: strict mode). */
function lexicalNames(statements: readonly Node[], out: Set<string>): void {
  for (const st of statements) {
    if (st.type === 'VariableDeclaration' && st.kind !== 'var') for (const d of st.declarations as Node[]) patternNames(d.id, out);
    else if ((st.type === 'FunctionDeclaration' || st.type === 'ClassDeclaration') && isNode(st.id)) patternNames(st.id, out);
  }
}

/**
 * Resolves every name the function reads against the scopes that enclose it — parameters, `var`s,
 * block-scoped declarations, catch parameters, loop variables, the names of inner functions and
 * classes — so a name declared in one scope does not excuse a read of the same name elsewhere.
 */
class FreeNames {
  readonly free = new Set<string>();
  usesThis = false;

  #declared(name: string, scope: Scope | undefined): boolean {
    for (let s = scope; s; s = s.parent) if (s.names.has(name)) return true;
    return false;
  }

  #child(parent: Scope, names: Set<string>): Scope {
    return { names, parent };
  }

  /** A binding pattern: its identifiers are declarations; defaults and computed keys are reads. */
  #pattern(p: unknown, scope: Scope): void {
    if (!isNode(p)) return;
    switch (p.type) {
      case 'Identifier':
        return;
      case 'ObjectPattern':
        for (const prop of p.properties as Node[]) {
          if (prop.type === 'RestElement') this.#pattern(prop.argument, scope);
          else {
            if (prop.computed) this.visit(prop.key, scope);
            this.#pattern(prop.value, scope);
          }
        }
        return;
      case 'ArrayPattern':
        for (const e of p.elements as (Node | null)[]) this.#pattern(e, scope);
        return;
      case 'RestElement':
        this.#pattern(p.argument, scope);
        return;
      case 'AssignmentPattern':
        this.#pattern(p.left, scope);
        this.visit(p.right, scope);
        return;
      default:
        this.visit(p, scope);
    }
  }

  #function(fn: Node, outer: Scope): void {
    let scope = outer;
    if (fn.type === 'FunctionExpression' && isNode(fn.id)) scope = this.#child(scope, new Set([fn.id.name as string]));
    const names = new Set<string>();
    for (const p of fn.params as Node[]) patternNames(p, names);
    if (fn.type !== 'ArrowFunctionExpression') names.add('arguments');
    const body = fn.body as Node;
    if (body.type === 'BlockStatement') {
      varNames(body.body, names);
      lexicalNames(body.body as Node[], names);
    }
    const inner = this.#child(scope, names);
    for (const p of fn.params as Node[]) this.#pattern(p, inner);
    if (body.type === 'BlockStatement') for (const st of body.body as Node[]) this.visit(st, inner);
    else this.visit(body, inner);
  }

  visit(node: unknown, scope: Scope): void {
    if (Array.isArray(node)) {
      for (const n of node) this.visit(n, scope);
      return;
    }
    if (!isNode(node)) return;
    switch (node.type) {
      case 'Identifier': {
        const name = node.name as string;
        if (!this.#declared(name, scope) && !PURE_GLOBALS.has(name)) this.free.add(name);
        return;
      }
      case 'ThisExpression':
        this.usesThis = true;
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.#function(node, scope);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression': {
        const inner = node.type === 'ClassExpression' && isNode(node.id) ? this.#child(scope, new Set([node.id.name as string])) : scope;
        this.visit(node.superClass, inner);
        this.visit(node.body, inner);
        return;
      }
      case 'BlockStatement':
      case 'StaticBlock': {
        const names = new Set<string>();
        lexicalNames(node.body as Node[], names);
        const inner = this.#child(scope, names);
        for (const st of node.body as Node[]) this.visit(st, inner);
        return;
      }
      case 'SwitchStatement': {
        this.visit(node.discriminant, scope);
        const names = new Set<string>();
        for (const c of node.cases as Node[]) lexicalNames(c.consequent as Node[], names);
        const inner = this.#child(scope, names);
        for (const c of node.cases as Node[]) {
          this.visit(c.test, inner);
          this.visit(c.consequent, inner);
        }
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const head = (node.type === 'ForStatement' ? node.init : node.left) as Node | null;
        const names = new Set<string>();
        if (head && head.type === 'VariableDeclaration' && head.kind !== 'var') lexicalNames([head], names);
        const inner = this.#child(scope, names);
        for (const k of ['init', 'left', 'test', 'update', 'right', 'body']) this.visit(node[k], inner);
        return;
      }
      case 'CatchClause': {
        const names = new Set<string>();
        patternNames(node.param, names);
        const inner = this.#child(scope, names);
        this.#pattern(node.param, inner);
        this.visit(node.body, inner);
        return;
      }
      case 'VariableDeclarator':
        this.#pattern(node.id, scope);
        this.visit(node.init, scope);
        return;
      case 'MemberExpression':
        this.visit(node.object, scope);
        if (node.computed) this.visit(node.property, scope);
        return;
      case 'Property':
      case 'MethodDefinition':
      case 'PropertyDefinition':
        if (node.computed) this.visit(node.key, scope);
        this.visit(node.value, scope);
        return;
      case 'LabeledStatement':
        this.visit(node.body, scope);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
      case 'MetaProperty':
        return;
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'type') this.visit(v, scope);
  }
}

/** The function's source if it is pure; otherwise a `UserFunctionError` naming what it reaches for. */
export function pureFunctionSource(fn: unknown, what = 'map'): string {
  if (typeof fn !== 'function') throw new UserFunctionError(`${what} needs a function, got ${typeof fn}.`);
  let source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new UserFunctionError(`${what}: ${fn.name || 'this function'} is a built-in or bound function; its source cannot cross to a worker. Wrap it: (x) => Math.sqrt(x).`);
  }
  if (/^(async\b|class\b|function\s*\*)/.test(source.trim())) {
    throw new UserFunctionError(`${what}: async functions, generators and classes are not supported; pass a plain synchronous function.`);
  }
  let program: Node;
  try {
    program = parse(`(${source})`, { ecmaVersion: 'latest' }) as unknown as Node;
  } catch {
    // Method shorthand (`{ f(x) { ... } }.f`) prints as `f(x) { ... }`, which is not an expression.
    source = `function ${source}`;
    try {
      program = parse(`(${source})`, { ecmaVersion: 'latest' }) as unknown as Node;
    } catch (e) {
      throw new UserFunctionError(`${what}: cannot parse the function's source (${(e as Error).message}).`);
    }
  }
  const names = new FreeNames();
  names.visit(program, { names: new Set(), parent: undefined });
  if (names.usesThis) {
    throw new UserFunctionError(`${what}: the function uses \`this\`, which will not exist in the worker; pass everything it needs as arguments.`);
  }
  const free = [...names.free];
  if (free.length > 0) {
    throw new UserFunctionError(
      `${what}: the function captures ${free.map((n) => `\`${n}\``).join(', ')} from outside itself. User functions run in ` +
        `worker threads from their source text, so they must be pure: inline the value${free.length > 1 ? 's' : ''} as a ` +
        `literal or compute it inside the function.`,
    );
  }
  return source;
}
