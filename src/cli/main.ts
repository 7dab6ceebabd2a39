#!/usr/bin/env node
/**
 * The `tessera` command. `tessera demo` runs the demo pipeline on the embedded default (local session,
 * thread pool, in-memory store); `tessera serve` hosts sessions over HTTP; `tessera sessions …` is the
 * client of a server's session API; `tessera version`; `tessera help`.
 */
import { parseArgs } from 'node:util';
import { runDemo } from './demo.js';
import { serve } from './serve.js';
import { runSessions } from './sessions.js';
import { runWorker } from './worker.js';

const HELP = `Usage: tessera <command> [options]

Commands:
  demo [--workers N] [--size N]   run the demo pipeline lazily and eagerly, print results and timings
  serve --token T [options]       host sessions over HTTP (tessera serve --help for its options)
  sessions <command> ...          manage a server's sessions (tessera sessions help)
  worker --redis URL [options]    run chunk tasks of distributed sessions (tessera worker --help)
  version                         print the version
  help                            this text
`;

async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...rest] = argv;
  switch (command) {
    case 'demo': {
      const { values } = parseArgs({ args: rest, options: { workers: { type: 'string' }, size: { type: 'string' } }, strict: true });
      const workers = values.workers === undefined ? undefined : Number(values.workers);
      const size = values.size === undefined ? undefined : Number(values.size);
      for (const [name, v] of [['--workers', workers], ['--size', size]] as const) {
        if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
          process.stderr.write(`tessera: ${name} must be a positive integer.\n`);
          return 2;
        }
      }
      return (await runDemo({ ...(workers ? { workers } : {}), ...(size ? { size } : {}) })) ? 0 : 1;
    }
    case 'serve':
      return serve(rest);
    case 'sessions':
      return runSessions(rest);
    case 'worker':
      return runWorker(rest);
    case 'version': {
      const { readFileSync } = await import('node:fs');
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`tessera ${pkg.version}\n`);
      return 0;
    }
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return 0;
    default:
      process.stderr.write(`tessera: unknown command '${command}'.\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tessera: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
