// The web page's files, read once at start from web/ into memory. A request's path only ever selects one of
// these by exact name (`/` is index.html), so no path from a request reaches the file system: `..`, encoded
// slashes or links cannot lead out of web/. Other pages are served without their `.html` too. Files of a type not listed here are not served.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

interface StaticFile {
  body: Buffer;
  contentType: string;
  etag: string;
}

export interface StaticFiles {
  /** The file at this URL path, if there is one. */
  lookup(pathname: string): StaticFile | undefined;
  serve(file: StaticFile, req: http.IncomingMessage, res: http.ServerResponse): void;
}

export function loadStaticFiles(dir: string): StaticFiles {
  const files = new Map<string, StaticFile>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const contentType = CONTENT_TYPES[path.extname(entry.name)];
    if (!entry.isFile() || !contentType || entry.name.startsWith('.')) continue;
    const body = fs.readFileSync(path.join(dir, entry.name));
    files.set(`/${entry.name}`, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  // Pages other than the index are also at their name without `.html` (`/upgrade`).
  for (const [name, file] of [...files]) if (name.endsWith('.html') && name !== '/index.html') files.set(name.slice(0, -'.html'.length), file);
  return {
    lookup: (pathname) => files.get(pathname),
    serve(file, req, res) {
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('etag', file.etag);
      if (req.headers['if-none-match'] === file.etag) {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length });
      res.end(req.method === 'HEAD' ? undefined : file.body);
    },
  };
}
