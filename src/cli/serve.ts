/**
 * `tessera serve`: hosts sessions over HTTP (src/service/server). It refuses to start without a token
 * rather than inventing one: a generated token would change on every restart (clients configured with
 * the old one then fail after each restart) and would have to be printed, landing in whatever logs the
 * output. The first line on stdout is the URL it listens on (`--port 0` picks a free port), so scripts
 * can read it; SIGINT or SIGTERM closes every session and the server, and the process exits.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer, type ServerDeps } from '../service/server/app.js';
import type { ServerOptions } from '../service/server/context.js';
import { DEFAULT_SESSION_TTL } from '../service/server/hosting.js';
import { startHeadless } from '../service/headless/host.js';
import { dashboardRoutes } from '../service/server/routes/dashboard.js';
import { dataFileRoutes } from '../service/server/routes/dataFiles.js';
import { remoteRoutes } from '../service/server/routes/remote.js';

export const SERVE_HELP = `Usage: tessera serve [options]

  --host H               address to listen on (default 127.0.0.1)
  --port P               port (default 7077; 0 picks a free one, printed on the first line)
  --token T              a bearer token clients must send (repeatable)
  --tokens FILE          a file of tokens, one a line (blank lines and # comments skipped)
  --data-dir DIR         files clients name resolve inside this directory only (default: the current one)
  --max-sessions N       at most N active sessions at once (default 256)
  --dangling-timeout S   close an interactive session whose client is silent for S seconds, unless its
                         create request names its own danglingTimeout (default 60)
  --session-ttl S        seconds from a session's start or renewal to its expiry (default ${DEFAULT_SESSION_TTL})
  --no-user-code         refuse user functions and headless modules (a token can otherwise run code)
  --redis URL            interactive sessions run their tasks on \`tessera worker\` processes through this Redis
                         (executor 'distributed'); GET /v1/stats then lists the workers they see
  --queue NAME           the queue name of those workers (default tessera)
`;

class UsageError extends Error {}

function readTokens(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the tokens file ${file}: ${(e as Error).message}`);
  }
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function number(name: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'}, got '${value}'.`);
  }
  return n;
}

/** The server options of a command line, or a UsageError saying what is wrong. */
export function serveOptions(argv: readonly string[], cwd = process.cwd()): ServerOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        token: { type: 'string', multiple: true },
        tokens: { type: 'string' },
        'data-dir': { type: 'string' },
        'max-sessions': { type: 'string' },
        'dangling-timeout': { type: 'string' },
        'session-ttl': { type: 'string' },
        'no-user-code': { type: 'boolean' },
        redis: { type: 'string' },
        queue: { type: 'string' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const tokens = [...(values.token ?? []), ...(values.tokens === undefined ? [] : readTokens(values.tokens))];
  if (tokens.length === 0) {
    throw new UsageError(
      'tessera serve needs at least one token (--token T or --tokens FILE): every request must carry one, and a ' +
        'token can run code on this machine. For example: --token "$(openssl rand -hex 24)".',
    );
  }
  return {
    host: values.host ?? '127.0.0.1',
    port: number('port', values.port, 7077, true),
    tokens,
    dataDir: resolve(cwd, values['data-dir'] ?? '.'),
    maxSessions: number('max-sessions', values['max-sessions'], 256, true),
    danglingTimeout: number('dangling-timeout', values['dangling-timeout'], 60, false),
    sessionTtl: number('session-ttl', values['session-ttl'], DEFAULT_SESSION_TTL, false),
    allowUserCode: !values['no-user-code'],
    ...(values.redis !== undefined ? { redis: values.redis } : {}),
    ...(values.queue !== undefined ? { queue: values.queue } : {}),
  };
}

/** What `tessera serve` hosts with: headless modules in child processes, remote sessions, data-file descriptions, the dashboard. */
export const SERVE_DEPS: ServerDeps = { startHeadless, plugins: [remoteRoutes, dataFileRoutes, dashboardRoutes] };

/** Runs the server until SIGINT or SIGTERM; resolves with the exit code. */
export async function serve(argv: readonly string[], deps: ServerDeps = SERVE_DEPS): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  let options: ServerOptions;
  let server;
  try {
    options = serveOptions(argv);
    server = await buildServer(options, deps);
  } catch (e) {
    process.stderr.write(`tessera serve: ${(e as Error).message}\n`);
    if (e instanceof UsageError) process.stderr.write(`\n${SERVE_HELP}`);
    return e instanceof UsageError || (e as { code?: string }).code === 'InvalidOption' ? 2 : 1;
  }
  process.stdout.write(`tessera serve listening on ${server.url}\n`);
  process.stderr.write(
    `tessera serve: ${options.tokens.length} token${options.tokens.length === 1 ? '' : 's'}, data directory ${options.dataDir}, ` +
      `user code ${options.allowUserCode ? 'allowed' : 'refused (--no-user-code)'}\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
  process.stderr.write(`tessera serve: ${signal}, closing every session\n`);
  // A second signal while closing means "now": leave without waiting.
  const force = (): void => process.exit(1);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await server.close();
  process.off('SIGINT', force);
  process.off('SIGTERM', force);
  return 0;
}
