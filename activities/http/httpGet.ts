// One request to an upstream, with the failure taxonomy crawls need: missing (final), rate limited or
// unavailable (retry, honouring Retry-After), over a size limit (rejected).
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';

export type UpstreamFailureKind = 'not-found' | 'unavailable' | 'rate-limited' | 'bad-response' | 'too-large' | 'not-configured';

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    message: string,
    readonly kind: UpstreamFailureKind,
    readonly status: number | null = null,
    /** From Retry-After, when the upstream sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind === 'unavailable' || this.kind === 'rate-limited';
  }
}

export interface GetOptions {
  userAgent: string;
  accept?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RequestOptions extends GetOptions {
  method?: 'GET' | 'POST';
  body?: string;
  /** Statuses besides 2xx handed back to the caller, such as 304 for a conditional request. */
  pass?: readonly number[];
}

export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** `x-ratelimit-reset` is the epoch second at which the budget refills. */
function rateLimitReset(value: string | null, now = Date.now()): number | null {
  const epoch = Number(value);
  return value && Number.isFinite(epoch) ? Math.max(0, epoch * 1000 - now) : null;
}

export function httpGet(url: string, options: GetOptions): Promise<Response> {
  return httpRequest(url, options);
}

/** One request, its failures sorted into the taxonomy above. */
export async function httpRequest(url: string, options: RequestOptions): Promise<Response> {
  const method = options.method ?? 'GET';
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { ...options.headers, 'user-agent': options.userAgent, accept: options.accept ?? '*/*' },
      ...(options.body !== undefined && { body: options.body }),
      redirect: 'follow',
      signal,
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new UpstreamError(`${method} ${url} failed: ${detail}`, 'unavailable');
  }
  if (response.ok || options.pass?.includes(response.status)) return response;
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  const retryAfter = parseRetryAfter(response.headers.get('retry-after')) ?? rateLimitReset(response.headers.get('x-ratelimit-reset'));
  if (status === 404 || status === 410) throw new UpstreamError(`${method} ${url}: ${status} not found`, 'not-found', status);
  if (status === 429 || (status === 403 && response.headers.get('x-ratelimit-remaining') === '0')) {
    throw new UpstreamError(`${method} ${url}: ${status} rate limited`, 'rate-limited', status, retryAfter);
  }
  if (status >= 500 || status === 408) throw new UpstreamError(`${method} ${url}: ${status}`, 'unavailable', status, retryAfter);
  throw new UpstreamError(`${method} ${url}: unexpected status ${status}`, 'bad-response', status);
}

/** The body as a stream that errors once more than `maxBytes` have arrived. */
export function cappedBody(response: Response, url: string, maxBytes: number): Readable {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw new UpstreamError(`${url} is ${declared} bytes, over the limit of ${maxBytes}`, 'too-large', response.status);
  }
  if (!response.body) return Readable.from([]);
  const source = Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
  let seen = 0;
  const capped = new Readable({ read() { source.resume(); } });
  source.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBytes) {
      source.destroy();
      capped.destroy(new UpstreamError(`${url} is over the limit of ${maxBytes} bytes`, 'too-large', response.status));
      return;
    }
    if (!capped.push(chunk)) source.pause();
  });
  source.on('end', () => capped.push(null));
  source.on('error', (err) => capped.destroy(new UpstreamError(`reading ${url} failed: ${err.message}`, 'unavailable')));
  capped.on('close', () => source.destroy());
  return capped;
}

export async function readJson<T>(response: Response, url: string, maxBytes: number): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const chunk of cappedBody(response, url, maxBytes)) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  } catch {
    throw new UpstreamError(`${url} did not return valid JSON`, 'bad-response', response.status);
  }
}
