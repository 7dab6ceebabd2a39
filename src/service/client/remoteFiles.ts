/**
 * Files a remote session names are its server's. Most travel as paths and are read when the server
 * rebuilds the node; an LDBC folder is described here and now, because a graph handle's meta (direction,
 * edge properties) comes from its description: one synchronous request to `POST /v1/data/ldbc`. The
 * description keeps the client's paths (the folder as named, its files inside it); the server
 * describes the folder again when it rebuilds the node, and reads it then.
 *
 * A server running in this very process (a test, a service that also uses its own sessions) cannot
 * answer a synchronous request: the thread that would answer is the one waiting. Such servers register
 * here, and are asked directly, with the same token check and the same errors.
 */
import { posix } from 'node:path';
import { type ErrorData, errorToData, TesseraError } from '../../base/errors.js';
import type { LdbcDescription, LdbcGraphSpec } from '../../kernels/graph/ldbcSpec.js';
import type { ServerFileNode } from '../../ops/graph/sources.js';
import { decodeFrame } from '../wire/frame.js';
import { rebuildError } from './errors.js';
import { postJsonSync } from './syncRequest.js';

/** A server of this process: the port it listens on (once it does) and its describer (which checks the token). */
interface LocalServer {
  readonly port: () => number | undefined;
  readonly describeLdbc: (token: string, path: string) => LdbcGraphSpec;
  readonly describeFrameFile: (token: string, op: string, path: string, options: unknown) => ServerFileNode;
}

const localServers = new Set<LocalServer>();
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0', '[::]']);

/** Registers a server of this process; returns its unregistration. */
export function registerLocalServer(server: LocalServer): () => void {
  localServers.add(server);
  return () => localServers.delete(server);
}

function localServerAt(address: string): LocalServer | undefined {
  const url = new URL(address);
  if (!LOOPBACK.has(url.hostname)) return undefined;
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  for (const s of localServers) if (s.port() === port) return s;
  return undefined;
}

function withStatus(error: Error, status: number): Error {
  Object.defineProperty(error, 'status', { value: status, enumerable: false });
  return error;
}

function errorOf(status: number, body: Uint8Array): Error {
  let e: Partial<ErrorData> | undefined;
  try {
    e = (JSON.parse(Buffer.from(body).toString('utf8')) as { error?: Partial<ErrorData> }).error;
  } catch {
    e = undefined;
  }
  return withStatus(
    rebuildError({ name: e?.name ?? 'Error', code: e?.code ?? `HTTP${status}`, message: e?.message ?? `The server answered ${status}.`, ...(e?.props ? { props: e.props } : {}) }),
    status,
  );
}

/** What the server's own describer threw, as the client would get it over HTTP (its class, code, status; not its stack). */
function asAnswered(e: unknown): Error {
  const status = (e as { status?: unknown }).status;
  const data = errorToData(e);
  if (!(e instanceof TesseraError)) return withStatus(rebuildError({ name: 'Error', code: 'InternalError', message: 'The server failed while describing the folder.' }), 500);
  return withStatus(rebuildError({ ...data, stack: `${data.name}: ${data.message}\n    at <remote session>` }), typeof status === 'number' ? status : 400);
}

function specOf(address: string, token: string, path: string, timeoutMs: number): LdbcGraphSpec {
  const local = localServerAt(address);
  if (local) {
    try {
      return local.describeLdbc(token, path);
    } catch (e) {
      throw asAnswered(e);
    }
  }
  const answer = postJsonSync(address, '/v1/data/ldbc', token, { path }, timeoutMs);
  if (answer.status !== 200) throw errorOf(answer.status, answer.body);
  return (decodeFrame(answer.body) as { spec: LdbcGraphSpec }).spec;
}

export function describeRemoteLdbc(address: string, token: string, path: string, timeoutMs: number): LdbcDescription {
  const spec = specOf(address, token, path, timeoutMs);
  const dir = path.endsWith('.properties') ? posix.dirname(path) : path;
  const inside = (name: string): string => (posix.isAbsolute(name) ? name : posix.join(dir, name));
  return { dir, spec, vertexPath: inside(spec.vertexFile), edgePath: inside(spec.edgeFile), named: path };
}

/**
 * A dataframe file source as the server builds it from its file (`POST /v1/data/frame`): the schema a
 * handle needs when it is built. A file the server does not have fails with the server's typed error.
 */
export function describeRemoteFrameFile(address: string, token: string, op: string, path: string, options: unknown, timeoutMs: number): ServerFileNode {
  const local = localServerAt(address);
  if (local) {
    try {
      return local.describeFrameFile(token, op, path, options);
    } catch (e) {
      throw asAnswered(e);
    }
  }
  const answer = postJsonSync(address, '/v1/data/frame', token, { op, path, options }, timeoutMs);
  if (answer.status !== 200) throw errorOf(answer.status, answer.body);
  return (decodeFrame(answer.body) as { node: ServerFileNode }).node;
}
