/**
 * User functions cross to worker threads as source text, so they must not depend on anything outside
 * themselves. This parses a function's source (acorn) and lists the names it reads that are neither
 * its parameters, its own locals, nor pure JS built-ins; any such name means the function captures a
 * variable (or reaches for global state) and is refused at build time with an error that names it.
 */
import { parse } from 'acorn';
import { UserFunctionError } from '../base/errors.js';

const PURE_GLOBALS = new Set([
  'Math', 'Number', 'NaN', 'Infinity', 'undefined', 'isNaN', 'isFinite', 'parseFloat', 'parseInt', 'Boolean',
  'String', 'Array', 'Object', 'JSON', 'BigInt', 'Symbol', 'Error', 'RangeError', 'TypeError',
  'Float64Array', 'Float32Array', 'Int32Array', 'Int16Array', 'Int8Array', 'Uint32Array', 'Uint16Array', 'Uint8Array',
]);

interface Node {
  readonly type: string;
  readonly [k: string]: unknown;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).type === 'string';
}

function declareNames(pattern: unknown, out: Set<string>): void {
  if (!isNode(pattern)) return;
  switch (pattern.type) {
    case 'Identifier':
      out.add(pattern.name as string);
      return;
    case 'ObjectPattern':
      for (const p of pattern.properties as Node[]) declareNames(p.type === 'RestElement' ? p.argument : p.value, out);
      return;
    case 'ArrayPattern':
      for (const e of pattern.elements as (Node | null)[]) declareNames(e, out);
      return;
    case 'RestElement':
      declareNames(pattern.argument, out);
      return;
    case 'AssignmentPattern':
      declareNames(pattern.left, out);
      return;
  }
}

/** Every name the function declares (parameters, locals, inner functions), ignoring block scoping. */
function collectDeclarations(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectDeclarations(n, out);
    return;
  }
  if (!isNode(node)) return;
  switch (node.type) {
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      if (node.id) declareNames(node.id, out);
      for (const p of node.params as Node[]) declareNames(p, out);
      break;
    case 'VariableDeclarator':
      declareNames(node.id, out);
      break;
    case 'ClassDeclaration':
      declareNames(node.id, out);
      break;
    case 'CatchClause':
      declareNames(node.param, out);
      break;
  }
  for (const [k, v] of Object.entries(node)) if (k !== 'type') collectDeclarations(v, out);
}

function collectReferences(node: unknown, out: Set<string>, flags: { usesThis: boolean }): void {
  if (Array.isArray(node)) {
    for (const n of node) collectReferences(n, out, flags);
    return;
  }
  if (!isNode(node)) return;
  switch (node.type) {
    case 'Identifier':
      out.add(node.name as string);
      return;
    case 'ThisExpression':
      flags.usesThis = true;
      return;
    case 'MemberExpression':
      collectReferences(node.object, out, flags);
      if (node.computed) collectReferences(node.property, out, flags);
      return;
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
      if (node.computed) collectReferences(node.key, out, flags);
      collectReferences(node.value, out, flags);
      return;
    case 'LabeledStatement':
      collectReferences(node.body, out, flags);
      return;
    case 'BreakStatement':
    case 'ContinueStatement':
      return;
  }
  for (const [k, v] of Object.entries(node)) if (k !== 'type') collectReferences(v, out, flags);
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
  const declared = new Set<string>();
  collectDeclarations(program, declared);
  const referenced = new Set<string>();
  const flags = { usesThis: false };
  collectReferences(program, referenced, flags);
  if (flags.usesThis) {
    throw new UserFunctionError(`${what}: the function uses \`this\`, which will not exist in the worker; pass everything it needs as arguments.`);
  }
  const free = [...referenced].filter((n) => !declared.has(n) && !PURE_GLOBALS.has(n));
  if (free.length > 0) {
    throw new UserFunctionError(
      `${what}: the function captures ${free.map((n) => `\`${n}\``).join(', ')} from outside itself. User functions run in ` +
        `worker threads from their source text, so they must be pure: inline the value${free.length > 1 ? 's' : ''} as a ` +
        `literal or compute it inside the function.`,
    );
  }
  return source;
}
