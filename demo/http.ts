// What every simulator shares: a server on 127.0.0.1 with a random port, request counting, fault injection.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SimRequest {
  method: string;
  /** Path without the query string, still percent-encoded as sent. */
  path: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string | number>;
  body?: Buffer | string | object;
}

/** Answers a request; undefined falls through to the next handler (finally a 404). */
export type Handler = (req: SimRequest) => SimResponse | undefined | Promise<SimResponse | undefined>;

/** Which requests a fault applies to: an exact path, a pattern on the path, or any test on the request. */
export type RequestMatcher = string | RegExp | ((req: SimRequest) => boolean);

export interface FaultOptions {
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  body?: SimResponse['body'];
  headers?: Record<string, string | number>;
}

export interface RequestCounters {
  /** Requests for this path (no query string; `%2f` and `/` count alike), faults and rejections included. */
  hits(path: string): number;
  /** Every request received so far, oldest first. */
  requests(): readonly { method: string; path: string; query: string }[];
}

export interface FaultInjector {
  /** The next `times` requests matching `match` are answered with `status` instead. */
  failNext(match: RequestMatcher, status: number, options?: FaultOptions): void;
  /** Requests matching `match` are answered as usual, but only after `ms` (`times` of them; default all). */
  delay(match: RequestMatcher, ms: number, options?: { times?: number }): void;
}

export interface SimServer extends RequestCounters, FaultInjector {
  url: string;
  close(): Promise<void>;
}

interface Fault {
  match: RequestMatcher;
  status: number;
  remaining: number;
  options: FaultOptions;
}

export function json(status: number, body: unknown, headers: Record<string, string | number> = {}): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

export function text(status: number, body: string, headers: Record<string, string | number> = {}): SimResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body };
}

export function bytes(body: Buffer, type = 'application/octet-stream'): SimResponse {
  return { status: 200, headers: { 'content-type': type }, body };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function matches(match: RequestMatcher, req: SimRequest): boolean {
  if (typeof match === 'string') return match === req.path || match === safeDecode(req.path);
  if (match instanceof RegExp) return match.test(req.path);
  return match(req);
}

function encode(body: SimResponse['body']): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Starts a server running `handlers` in order. Injected faults are checked after the `before` handlers (which may
 * count or reject requests, such as rate limits) and before the others; `decorate` adds headers to every answer.
 */
export async function startServer(options: {
  before?: Handler[];
  handlers: Handler[];
  decorate?: (req: SimRequest, response: SimResponse) => Record<string, string | number>;
}): Promise<SimServer> {
  const faults: Fault[] = [];
  const delays: { match: RequestMatcher; ms: number; remaining: number }[] = [];
  const hitCounts = new Map<string, number>();
  const log: { method: string; path: string; query: string }[] = [];

  function injected(req: SimRequest): SimResponse | undefined {
    const fault = faults.find((f) => matches(f.match, req));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(faults.indexOf(fault), 1);
    const { retryAfter, body, headers } = fault.options;
    return json(fault.status, body ?? { error: 'simulated failure' }, {
      ...(retryAfter !== undefined && { 'retry-after': retryAfter }),
      ...headers,
    });
  }

  async function answer(req: SimRequest): Promise<SimResponse> {
    for (const handler of options.before ?? []) {
      const response = await handler(req);
      if (response) return response;
    }
    const fault = injected(req);
    if (fault) return fault;
    const delay = delays.find((d) => matches(d.match, req));
    if (delay) {
      delay.remaining -= 1;
      if (delay.remaining <= 0) delays.splice(delays.indexOf(delay), 1);
      // Unref'd: a delayed answer does not keep a process alive once its server is closed.
      await new Promise((resolve) => setTimeout(resolve, delay.ms).unref());
    }
    for (const handler of options.handlers) {
      const response = await handler(req);
      if (response) return response;
    }
    return json(404, { error: 'Not found' });
  }

  const server = http.createServer((incoming, res) => {
    void (async () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const req: SimRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        url,
        headers: incoming.headers,
        body: await readBody(incoming),
      };
      hitCounts.set(safeDecode(req.path), (hitCounts.get(safeDecode(req.path)) ?? 0) + 1);
      log.push({ method: req.method, path: req.path, query: url.search });
      let response: SimResponse;
      try {
        response = await answer(req);
      } catch (err) {
        response = json(500, { error: 'internal', reason: String(err) });
      }
      const data = encode(response.body);
      res.writeHead(response.status, {
        ...response.headers,
        ...options.decorate?.(req, response),
        ...(response.status !== 304 && { 'content-length': data.length }),
      });
      res.end(req.method === 'HEAD' || response.status === 304 ? undefined : data);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failNext(match, status, faultOptions = {}) {
      faults.push({ match, status, remaining: faultOptions.times ?? 1, options: faultOptions });
    },
    delay(match, ms, delayOptions = {}) {
      delays.push({ match, ms, remaining: delayOptions.times ?? Infinity });
    },
    hits: (path) => hitCounts.get(safeDecode(path)) ?? 0,
    requests: () => log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** At most `limit` requests in any `windowMs`; `take()` answers how long to wait (seconds) when over. */
export class SlidingWindowLimiter {
  private readonly times: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records one request; returns null when allowed, else the seconds until one would be. */
  take(now = Date.now()): number | null {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) return Math.max(1, Math.ceil((this.times[0]! + this.windowMs - now) / 1000));
    this.times.push(now);
    return null;
  }
}

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}
