/**
 * Loading a headless module inside its child process: the path must name a `.js`, `.mjs`, `.ts` or
 * `.mts` file whose default export is a function `(session, args, env) => result`.
 *
 * A module imports the engine as `'tessera'`, wherever it lives: a resolve hook maps that name to the
 * very engine module this child runs on (the source under tsx, the built JavaScript from `dist`), so
 * the module's tensors, handles and default session are the child's own, not a second copy of the
 * engine that would know nothing of the session it was handed.
 */
import { stat } from 'node:fs/promises';
import { register } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HeadlessError } from './errors.js';

export type ModuleMain = (session: unknown, args: readonly string[], env: Readonly<Record<string, string>>) => unknown;

const EXTENSIONS = ['.js', '.mjs', '.ts', '.mts'];
const TYPESCRIPT = ['.ts', '.mts'];

const fromSource = import.meta.url.endsWith('.ts');

/** The engine entry this child itself loaded (src/index.ts under tsx, dist/index.js when built). */
export const engineUrl = new URL(`../../index.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;

const ENGINE_HOOK = `
let target;
export function initialize(data) { target = data.target; }
export async function resolve(specifier, context, next) {
  return specifier === 'tessera' ? { url: target, shortCircuit: true } : next(specifier, context);
}`;

let hooked = false;

/** Maps `import ... from 'tessera'` in the module to this child's engine. */
export function resolveTesseraToEngine(): void {
  if (hooked) return;
  hooked = true;
  register(`data:text/javascript,${encodeURIComponent(ENGINE_HOOK)}`, { data: { target: engineUrl } });
}

let typescript: Promise<void> | undefined;

/** From source, tsx is already registered; from `dist`, a TypeScript module needs it loaded now. */
function enableTypeScript(): Promise<void> {
  if (fromSource) return Promise.resolve();
  typescript ??= import('tsx/esm/api').then(
    (tsx: { register(): unknown }) => void tsx.register(),
    (e: unknown) => {
      throw new HeadlessError(
        'BadModule',
        `Running a TypeScript module needs the 'tsx' package installed next to Tessera (npm install tsx), ` +
          `or compile the module to .js: ${(e as Error).message}`,
      );
    },
  );
  return typescript;
}

/** The module's default export; a typed `HeadlessError` (ModuleNotFound, BadModule) when there is none. */
export async function loadModule(path: string): Promise<ModuleMain> {
  const ext = extname(path).toLowerCase();
  if (!EXTENSIONS.includes(ext)) {
    throw new HeadlessError('BadModule', `The module ${path} must be a .js, .mjs, .ts or .mts file, not '${ext || 'no extension'}'.`);
  }
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new HeadlessError('ModuleNotFound', `The module ${path} does not exist${info ? ' as a file' : ''}: check the path.`);
  }
  if (TYPESCRIPT.includes(ext)) await enableTypeScript();
  resolveTesseraToEngine();
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    throw new HeadlessError('BadModule', `The module ${path} could not be loaded: ${err.name}: ${err.message}`, { cause: err });
  }
  const main = defaultExport(namespace);
  if (typeof main !== 'function') {
    throw new HeadlessError(
      'BadModule',
      `The module ${path} has no default export function (found ${main === undefined ? 'none' : typeof main}). ` +
        'Write `export default async (session, args, env) => result`.',
    );
  }
  return main as ModuleMain;
}

/** A TypeScript file compiled as CommonJS (no `"type": "module"` nearby) arrives as `{ default: { default: fn } }`. */
function defaultExport(namespace: Record<string, unknown>): unknown {
  const main = namespace.default;
  if (typeof main === 'object' && main !== null && typeof (main as { default?: unknown }).default === 'function') {
    return (main as { default: unknown }).default;
  }
  return main;
}
