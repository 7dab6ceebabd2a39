/**
 * The few S3 calls the chunk store needs (put, get, head, batch delete, list by prefix), on Node's own
 * `fetch`, signed with AWS Signature Version 4. Path-style addresses (`{endpoint}/{bucket}/{key}`), which
 * every S3-compatible server takes (MinIO, Ceph, SeaweedFS, R2; AWS itself for the bucket names it
 * allows). Bodies are not hashed into the signature (`UNSIGNED-PAYLOAD`, which S3 accepts): hashing a
 * 64 MiB chunk would cost more than sending it here. The AWS SDK would bring ~100 packages for these
 * five calls.
 */
import { createHash, createHmac } from 'node:crypto';
import { TesseraError } from '../../base/errors.js';

export interface S3Location {
  /** Where the server answers, e.g. `http://127.0.0.1:9000` or `https://s3.eu-west-1.amazonaws.com`. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Region the signature is scoped to (S3-compatible servers mostly take any; default 'us-east-1'). */
  readonly region?: string;
}

export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** An S3 request the server refused or could not serve: its HTTP status and S3 error code. */
export class S3RequestError extends TesseraError {
  constructor(
    readonly status: number,
    readonly s3Code: string,
    message: string,
  ) {
    super('S3Request', message);
  }
}

/** Credentials from the process's environment, the variables every S3 tool reads. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Credentials | undefined {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = env;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

const hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding as SigV4 wants it: everything but unreserved characters, `/` kept in paths. */
const encode = (s: string, keepSlash: boolean): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(keepSlash ? /%2F/g : /(?!)/g, '/');

export interface SignInput {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly payloadHash: string;
  readonly region: string;
  readonly service: string;
  readonly date: Date;
}

/** The headers that sign a request (SigV4): `x-amz-date`, `x-amz-content-sha256`, `authorization`. */
export function signV4(input: SignInput, credentials: S3Credentials): Record<string, string> {
  const amzDate = input.date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...input.headers, host: input.url.host, 'x-amz-date': amzDate };
  if (input.service === 's3') headers['x-amz-content-sha256'] = input.payloadHash;
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')]));
  const query = [...input.url.searchParams].map(([k, v]) => [encode(k, false), encode(v, false)] as const).sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const canonical = [
    input.method,
    encode(decodeURIComponent(input.url.pathname), true),
    query.map(([k, v]) => `${k}=${v}`).join('&'),
    names.map((h) => `${h}:${lower[h]}\n`).join(''),
    names.join(';'),
    input.payloadHash,
  ].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), input.region), input.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const { host: _host, ...sent } = headers;
  return { ...sent, authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}

export class S3Client {
  readonly #base: string;
  readonly #region: string;

  constructor(
    readonly location: S3Location,
    readonly credentials: S3Credentials,
  ) {
    this.#base = `${location.endpoint.replace(/\/+$/, '')}/${location.bucket}`;
    this.#region = location.region ?? 'us-east-1';
  }

  async #send(method: string, path: string, query: Record<string, string>, body?: Uint8Array, extra: Record<string, string> = {}): Promise<Response> {
    const url = new URL(`${this.#base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const headers = signV4({ method, url, headers: extra, payloadHash: 'UNSIGNED-PAYLOAD', region: this.#region, service: 's3', date: new Date() }, this.credentials);
    try {
      return await fetch(url, { method, headers, ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}) });
    } catch (e) {
      throw new S3RequestError(0, 'Unreachable', `S3 at ${this.location.endpoint} did not answer (${(e as Error).cause ?? (e as Error).message}): check the endpoint and that the server runs.`);
    }
  }

  async #fail(response: Response, what: string): Promise<never> {
    const text = await response.text();
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? `HTTP${response.status}`;
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? response.statusText;
    throw new S3RequestError(response.status, code, `S3 ${what} in bucket ${this.location.bucket} at ${this.location.endpoint} failed: ${code} (${response.status}) ${message}`);
  }

  readonly #path = (key: string): string => `/${encode(key, true)}`;

  async put(key: string, body: Uint8Array): Promise<void> {
    const r = await this.#send('PUT', this.#path(key), {}, body, { 'content-type': 'application/octet-stream' });
    if (!r.ok) await this.#fail(r, `PUT ${key}`);
    await r.arrayBuffer();
  }

  /** The object's bytes, or undefined when there is no such key. */
  async get(key: string): Promise<Buffer | undefined> {
    const r = await this.#send('GET', this.#path(key), {});
    if (r.status === 404) {
      await r.arrayBuffer();
      return undefined;
    }
    if (!r.ok) await this.#fail(r, `GET ${key}`);
    return Buffer.from(await r.arrayBuffer());
  }

  async exists(key: string): Promise<boolean> {
    const r = await this.#send('HEAD', this.#path(key), {});
    await r.arrayBuffer();
    if (r.status === 404) return false;
    if (!r.ok) throw new S3RequestError(r.status, `HTTP${r.status}`, `S3 HEAD ${key} in bucket ${this.location.bucket} failed with HTTP ${r.status}.`);
    return true;
  }

  /** Deletes keys (absent ones are no error), 1,000 to a request as S3 allows. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += 1000) {
      const xml = `<Delete><Quiet>true</Quiet>${keys.slice(at, at + 1000).map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('')}</Delete>`;
      const body = Buffer.from(xml);
      const md5 = createHash('md5').update(body).digest('base64');
      const r = await this.#send('POST', '/', { delete: '' }, body, { 'content-md5': md5, 'content-type': 'application/xml' });
      const text = await r.text();
      if (!r.ok || text.includes('<Error>')) throw new S3RequestError(r.status, /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'DeleteFailed', `S3 delete of ${keys.length} key(s) in bucket ${this.location.bucket} failed: ${text.slice(0, 200)}`);
    }
  }

  /** Every key under a prefix (ListObjectsV2, page by page). */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const r = await this.#send('GET', '/', { 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) });
      if (!r.ok) await this.#fail(r, `LIST ${prefix}`);
      const text = await r.text();
      for (const m of text.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(unescapeXml(m[1]!));
      token = /<IsTruncated>true<\/IsTruncated>/.test(text) ? unescapeXml(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(text)?.[1] ?? '') : undefined;
    } while (token);
    return keys;
  }
}

const XML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => XML[c]!);
const unescapeXml = (s: string): string => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
