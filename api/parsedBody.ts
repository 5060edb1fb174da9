// Small JSON bodies are read and parsed here and handed to yoga already parsed (the node adapter's way in
// for frameworks that parse bodies themselves); anything else (chunked, large, not JSON, not an object)
// goes through yoga's own body parsing. Yoga's limits still apply: it checks the Content-Length header, and
// a body parsed here is at most PARSED_BODY_LIMIT bytes.
//
// Kept, rather than left to yoga, because yoga's path copies every body through web streams and a
// size-limiting transform, which costs as much CPU as the rest of a cheap request. `npm run bench:api`
// (variants `current` and `yoga-body` in one run), 2026-12-02, 100,000 packages, 200 concurrent requests,
// median of 3 rounds, load average 6-15: API CPU per request, yoga's body parsing → this,
// `{ __typename }` 0.64 → 0.32 ms (1,250 → 2,212 requests a second), a repeated search 0.48 → 0.33 ms,
// a varied search 1.93 → 1.68 ms.
import type http from 'node:http';

/** JSON bodies up to this size are read and parsed here; larger ones stream through yoga (and its limit). */
const PARSED_BODY_LIMIT = 64 * 1024;

export function withParsedBody(req: http.IncomingMessage, handle: () => void): void {
  const length = req.headers['content-length'];
  const size = length && /^\d+$/.test(length) ? Number(length) : 0;
  if (req.method !== 'POST' || size === 0 || size > PARSED_BODY_LIMIT || !/\bjson\b/i.test(req.headers['content-type'] ?? '')) {
    handle();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      const parsed: unknown = JSON.parse(text);
      // The adapter takes an object with keys as parsed; anything else it is given as text, to refuse it as usual.
      if (parsed !== null && typeof parsed === 'object' && Object.keys(parsed).length > 0) body = parsed;
    } catch {
      // yoga reports the malformed JSON
    }
    (req as http.IncomingMessage & { body?: unknown }).body = body;
    handle();
  });
  // An aborted upload has no one to answer; the socket is gone.
  req.once('error', () => undefined);
}
