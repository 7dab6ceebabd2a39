/**
 * `tessera sessions …`: the command-line client of a Tessera server's session API (issue 10 §2), with
 * Skaha's client behaviours (reference/vineyard-skaha.md §B.4): the options are checked before any
 * request; replicas the server could not create (its 207 answer) are left out of the printed ids, and
 * each is said on stderr with the server's reason, exit 6; `info`,
 * `renew` and `delete` of several ids make one request each and report per id, `delete` as
 * `{id: true|false}`; empty events print `<none>`.
 */
import { parseArgs } from 'node:util';
import { parseSize } from '../base/size.js';
import { CliError, EXIT, SessionsApi, unreachable, type Fetch } from './sessionsClient.js';

export const SESSIONS_USAGE = `Usage: tessera sessions <command> [ID...] [options] --address URL --token T

Commands:
  create --name NAME [--kind interactive|headless] [--workers N] [--memory SIZE] [--replicas N]
         [--module PATH] [--arg A]... [--env K=V]...
                        create a session (replicas: NAME-1..NAME-N); prints the new ids
  list [--kind K] [--status S] [--all]
                        your sessions; --all: every user's, as userid, kind, status, startTime
  info ID...            each session's details
  events ID             its events (<none> when there are none)
  logs ID [--follow]    its logs; --follow streams them until the session ends
  delete ID... [--purge transient|all]
                        delete sessions; prints {id: true|false}; --purge all also drops
                        what they persisted and named (default transient: that stays)
  delete [--prefix P | --match REGEX] [--kind K] [--status S] [--purge transient|all]
                        delete the sessions that match (at least one filter: never all);
                        --match is a regex searched in the name (^ anchors it)
  renew ID...           extend each session's expiry time
  stats                 sessions by kind and status, workers, memory, store

Options:
  --address URL         the server (default: $TESSERA_ADDRESS, else http://127.0.0.1:7077)
  --token T             your bearer token (default: $TESSERA_TOKEN)
  --json                print the server's JSON instead of text
  --kind defaults to headless when --module is given, else interactive; --module, --arg and --env
  are for headless sessions only; an --arg that starts with a dash is written --arg=-x. --memory
  takes sizes such as 512Mi or 2Gi.

Exit codes: 0 done, 1 the server refused the request, 2 bad command line, 3 server unreachable,
  4 token refused (401), 5 no such session (404), 6 partly done (a replica or a delete failed).
`;

const KINDS = ['interactive', 'headless'];
const STATUSES = ['Pending', 'Running', 'Completed', 'Failed', 'Terminating'];
const PURGES = ['transient', 'all'];

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: CliOutput = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

const OPTIONS = {
  address: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  name: { type: 'string' },
  kind: { type: 'string' },
  status: { type: 'string' },
  prefix: { type: 'string' },
  match: { type: 'string' },
  purge: { type: 'string' },
  all: { type: 'boolean' },
  workers: { type: 'string' },
  memory: { type: 'string' },
  replicas: { type: 'string' },
  module: { type: 'string' },
  arg: { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  follow: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

interface Context {
  readonly api: SessionsApi;
  readonly ids: readonly string[];
  readonly values: Values;
  readonly io: CliOutput;
  readonly json: boolean;
}

interface Command {
  /** Options it takes besides --address, --token, --json and --help. */
  readonly options: readonly (keyof typeof OPTIONS)[];
  readonly ids: 'none' | 'one' | 'some' | 'any';
  run(ctx: Context): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  create: { options: ['name', 'kind', 'workers', 'memory', 'replicas', 'module', 'arg', 'env'], ids: 'none', run: create },
  list: { options: ['kind', 'status', 'all'], ids: 'none', run: list },
  info: { options: [], ids: 'some', run: info },
  events: { options: [], ids: 'one', run: events },
  logs: { options: ['follow'], ids: 'one', run: logs },
  delete: { options: ['prefix', 'match', 'kind', 'status', 'purge'], ids: 'any', run: remove },
  renew: { options: [], ids: 'some', run: renew },
  stats: { options: [], ids: 'none', run: stats },
};

/** Runs `tessera sessions <argv>`; resolves with the exit code (never rejects). */
export async function runSessions(argv: readonly string[], io: CliOutput = processOutput, fetchImpl: Fetch = fetch): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    const [name, ...ids] = positionals;
    if (name === undefined && !values.help) {
      io.err(SESSIONS_USAGE);
      return EXIT.usage;
    }
    if (values.help || name === undefined || name === 'help') {
      io.out(SESSIONS_USAGE);
      return EXIT.ok;
    }
    const command = COMMANDS[name];
    if (command === undefined) throw usage(`unknown command '${name}'; the commands are ${Object.keys(COMMANDS).join(', ')}.`);
    checkShape(name, command, ids, values);
    const token = values.token ?? process.env.TESSERA_TOKEN;
    if (token === undefined || token === '') throw usage('--token is required (or set TESSERA_TOKEN).');
    const api = new SessionsApi(values.address ?? process.env.TESSERA_ADDRESS ?? 'http://127.0.0.1:7077', token, fetchImpl);
    return await command.run({ api, ids, values, io, json: values.json ?? false });
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`tessera sessions: ${e.message}\n${e.exitCode === EXIT.usage ? "Run 'tessera sessions help' for the usage.\n" : ''}`);
      return e.exitCode;
    }
    if ((e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`tessera sessions: ${(e as Error).message}\nRun 'tessera sessions help' for the usage.\n`);
      return EXIT.usage;
    }
    io.err(`tessera sessions: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failed;
  }
}

function usage(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

function checkShape(name: string, command: Command, ids: readonly string[], values: Values): void {
  const common = ['address', 'token', 'json', 'help'];
  const stray = Object.keys(values).filter((k) => !common.includes(k) && !(command.options as readonly string[]).includes(k));
  if (stray.length > 0) throw usage(`${stray.map((k) => `--${k}`).join(', ')} ${stray.length > 1 ? 'do' : 'does'} not apply to '${name}'.`);
  if (command.ids === 'none' && ids.length > 0) throw usage(`'${name}' takes no session ids (got ${ids.join(' ')}).`);
  if (command.ids === 'one' && ids.length !== 1) throw usage(`'${name}' takes exactly one session id.`);
  if (command.ids === 'some' && ids.length === 0) throw usage(`'${name}' needs at least one session id.`);
}

function integer(values: Values, key: 'workers' | 'replicas', max: number): number | undefined {
  const text = values[key];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) throw usage(`--${key} must be an integer from 1 to ${max}, got ${JSON.stringify(text)}.`);
  return n;
}

function oneOf(values: Values, key: 'kind' | 'status', allowed: readonly string[]): string | undefined {
  const text = values[key];
  if (text === undefined) return undefined;
  const found = allowed.find((a) => a.toLowerCase() === text.toLowerCase());
  if (found === undefined) throw usage(`--${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(text)}.`);
  return found;
}

function envPairs(list: readonly string[] | undefined): Record<string, string> | undefined {
  if (list === undefined) return undefined;
  const env: Record<string, string> = {};
  for (const pair of list) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage(`--env takes KEY=VALUE, got ${JSON.stringify(pair)}.`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

async function create({ api, values, io, json }: Context): Promise<number> {
  if (values.name === undefined) throw usage("'create' needs --name NAME.");
  const kind = oneOf(values, 'kind', KINDS) ?? (values.module !== undefined ? 'headless' : 'interactive');
  const env = envPairs(values.env);
  if (kind !== 'headless' && (values.module !== undefined || values.arg !== undefined || env !== undefined)) {
    throw usage('--module, --arg and --env are only for headless sessions.');
  }
  if (kind === 'headless' && values.module === undefined) throw usage('a headless session needs --module PATH (a .js, .mjs, .ts or .mts file on the server).');
  if (values.memory !== undefined) {
    try {
      parseSize(values.memory, '--memory');
    } catch (e) {
      throw usage((e as Error).message);
    }
  }
  const replicas = integer(values, 'replicas', 512);
  const body = {
    name: values.name,
    kind,
    ...defined({ workers: integer(values, 'workers', 256), memory: values.memory, replicas, env, module: values.module, args: values.arg }),
  };
  const answer = await api.json<string[] | PartialCreate>('POST', '/v1/sessions', { body });
  const ids = Array.isArray(answer) ? answer : answer.ids;
  io.out(json ? `${JSON.stringify(ids)}\n` : ids.map((id) => `${id}\n`).join(''));
  const wanted = replicas ?? 1;
  if (ids.length === wanted) return EXIT.ok;
  io.err(`tessera sessions: ${ids.length} of ${wanted} replicas were created; the server left out the others.\n`);
  for (const e of Array.isArray(answer) ? [] : answer.errors) io.err(`tessera sessions: replica ${e.replica}: ${e.code}: ${e.message}\n`);
  return ids.length === 0 ? EXIT.failed : EXIT.partial;
}

/** The server's 207 answer: the replicas it created, and why each other one failed. */
interface PartialCreate {
  readonly ids: string[];
  readonly errors: readonly { readonly replica: number; readonly code: string; readonly message: string }[];
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

async function list({ api, values, io, json }: Context): Promise<number> {
  const query = { kind: oneOf(values, 'kind', KINDS), status: oneOf(values, 'status', STATUSES), ...(values.all ? { view: 'all' } : {}) };
  const sessions = await api.json<Record<string, unknown>[]>('GET', '/v1/sessions', { query });
  const columns = values.all ? ['userid', 'kind', 'status', 'startTime'] : ['id', 'name', 'kind', 'status', 'workers', 'memoryRequested', 'startTime', 'expiryTime'];
  if (json) io.out(`${JSON.stringify(sessions, null, 2)}\n`);
  else io.out(table(sessions, columns));
  return EXIT.ok;
}

/** Requests one id after another; an id that fails is reported and left out, as Skaha's client does. */
async function eachId<T>(ctx: Context, call: (id: string) => Promise<T>): Promise<{ results: [string, T][]; code: number }> {
  const results: [string, T][] = [];
  const codes: number[] = [];
  for (const id of ctx.ids) {
    try {
      results.push([id, await call(id)]);
    } catch (e) {
      if (!(e instanceof CliError) || e.exitCode === EXIT.unreachable || e.exitCode === EXIT.unauthorized) throw e;
      ctx.io.err(`tessera sessions: ${id}: ${e.message}\n`);
      codes.push(e.exitCode);
    }
  }
  const code = codes.length === 0 ? EXIT.ok : results.length === 0 ? codes[0]! : EXIT.partial;
  return { results, code };
}

const path = (id: string, tail = ''): string => `/v1/sessions/${encodeURIComponent(id)}${tail}`;

async function info(ctx: Context): Promise<number> {
  const { results, code } = await eachId(ctx, (id) => ctx.api.json<Record<string, unknown>>('GET', path(id)));
  const sessions = results.map(([, s]) => s);
  ctx.io.out(ctx.json ? `${JSON.stringify(sessions, null, 2)}\n` : sessions.map((s) => fields(s)).join('\n'));
  return code;
}

async function events({ api, ids, io, json }: Context): Promise<number> {
  const text = await (await api.request('GET', path(ids[0]!, '/events'))).text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    io.out(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    return EXIT.ok;
  }
  if (json) io.out(`${JSON.stringify(parsed, null, 2)}\n`);
  else if (Array.isArray(parsed) && parsed.length === 0) io.out('<none>\n');
  else if (Array.isArray(parsed)) {
    io.out(parsed.map((e: { time?: string; type?: string; message?: string }) => `${e.time ?? ''}  ${e.type ?? ''}  ${e.message ?? ''}\n`).join(''));
  } else io.out(`${JSON.stringify(parsed, null, 2)}\n`);
  return EXIT.ok;
}

async function logs({ api, ids, values, io }: Context): Promise<number> {
  const res = await api.request('GET', path(ids[0]!, '/logs'), { query: { follow: values.follow ? '1' : undefined } });
  if (res.body === null) return EXIT.ok;
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) io.out(decoder.decode(chunk, { stream: true }));
  } catch (e) {
    throw new CliError(`The connection broke while reading the logs: ${unreachable(new URL(res.url), e).message}`, EXIT.unreachable);
  }
  const rest = decoder.decode();
  if (rest) io.out(rest);
  return EXIT.ok;
}

async function remove(ctx: Context): Promise<number> {
  const { api, ids, values, io } = ctx;
  const filters = { prefix: values.prefix, match: values.match, kind: oneOf(values, 'kind', KINDS), status: oneOf(values, 'status', STATUSES) };
  const filtered = Object.values(filters).some((v) => v !== undefined);
  if (filtered && ids.length > 0) throw usage("'delete' takes session ids or filters (--prefix, --match, --kind, --status), not both.");
  if (!filtered && ids.length === 0) throw usage('Cannot kill all sessions: name session ids, or filter with --prefix, --match, --kind or --status.');
  if (values.prefix !== undefined && values.match !== undefined) throw usage('Give --prefix or --match, not both.');
  if (values.purge !== undefined && !PURGES.includes(values.purge)) throw usage(`--purge must be one of ${PURGES.join(', ')}, got ${JSON.stringify(values.purge)}.`);
  let report: Record<string, boolean>;
  if (filtered) {
    report = await api.json<Record<string, boolean>>('DELETE', '/v1/sessions', { query: { ...filters, purge: values.purge } });
  } else {
    report = {};
    for (const id of ids) {
      try {
        await api.request('DELETE', path(id), { query: { purge: values.purge } });
        report[id] = true;
      } catch (e) {
        if (!(e instanceof CliError) || e.exitCode === EXIT.unreachable || e.exitCode === EXIT.unauthorized) throw e;
        io.err(`tessera sessions: ${id}: ${e.message}\n`);
        report[id] = false;
      }
    }
  }
  io.out(`${JSON.stringify(report)}\n`);
  return Object.values(report).every(Boolean) ? EXIT.ok : EXIT.partial;
}

async function renew(ctx: Context): Promise<number> {
  const { results, code } = await eachId(ctx, (id) => ctx.api.json<Record<string, unknown> | undefined>('POST', path(id, '/renew')));
  if (ctx.json) ctx.io.out(`${JSON.stringify(Object.fromEntries(results), null, 2)}\n`);
  else ctx.io.out(results.map(([id, s]) => `${id}  ${String(s?.expiryTime ?? 'renewed')}\n`).join(''));
  return code;
}

async function stats({ api, io, json }: Context): Promise<number> {
  const body = await api.json<Record<string, unknown>>('GET', '/v1/stats');
  io.out(json ? `${JSON.stringify(body, null, 2)}\n` : fields(body));
  return EXIT.ok;
}

/** `key  value` lines, nested objects as dotted keys. */
function fields(o: Record<string, unknown>): string {
  const rows: [string, string][] = [];
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0) {
      for (const [k, item] of Object.entries(v)) walk(item, key ? `${key}.${k}` : k);
    } else rows.push([key, typeof v === 'string' ? v : JSON.stringify(v)]);
  };
  walk(o, '');
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return 'no sessions\n';
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : String(r[c]))));
  const heads = columns.map((c) => (c === 'memoryRequested' ? 'MEMORY' : c.replace(/[A-Z]/g, (m) => `_${m}`).toUpperCase()));
  const widths = columns.map((_, i) => Math.max(heads[i]!.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]): string => `${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`;
  return line(heads) + cells.map(line).join('');
}
