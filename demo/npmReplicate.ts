// The npm replication feed (`{NPM_REPLICATE}`): the database info and `GET /_changes`, with the 400s the real one
// answers since it stopped supporting long polling, continuous feeds and POST.
import type { ChangesFeed } from './npmChanges';
import { type Handler, json, type SimRequest, type SimResponse, startServer, type SimServer } from './http';

export const MAX_CHANGES_LIMIT = 10_000;
export const DEFAULT_CHANGES_LIMIT = 1_000;

function badRequest(reason: string): SimResponse {
  return json(400, { error: 'bad_request', reason });
}

/** Why the real feed would reject these parameters, or null when it answers them. */
export function rejectedChangesQuery(req: SimRequest): string | null {
  const query = req.url.searchParams;
  if (req.method === 'POST') return 'POST is not supported on _changes; use GET';
  const feed = query.get('feed');
  if (feed !== null && feed !== 'normal') return `feed=${feed} is not supported; poll with feed=normal`;
  if (query.has('timeout')) return 'timeout is not supported';
  if (query.get('include_docs') === 'true') return 'include_docs is not supported; fetch each document';
  const since = query.get('since');
  if (since === 'now') return 'since=now is not supported; read update_seq from the database info';
  if (since !== null && !/^\d+$/.test(since)) return `since must be a sequence number, got "${since}"`;
  const limit = query.get('limit');
  if (limit !== null && (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_CHANGES_LIMIT)) {
    return `limit must be an integer from 1 to ${MAX_CHANGES_LIMIT}`;
  }
  return null;
}

export function replicateHandler(feed: ChangesFeed, startedAt: number): Handler {
  return (req) => {
    // The feed answers at its root and, as CouchDB addresses a database, under /registry.
    const path = req.path.replace(/^\/registry(?=\/|$)/, '') || '/';
    if (path === '/') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method_not_allowed', reason: 'Only GET allowed' });
      return json(200, {
        db_name: 'registry',
        engine: 'npm-replicate',
        doc_count: feed.docCount,
        doc_del_count: feed.deletedCount,
        update_seq: feed.updateSeq,
        purge_seq: 0,
        compact_running: false,
        instance_start_time: String(startedAt * 1000),
      });
    }
    if (path !== '/_changes') return undefined;
    if (req.method !== 'GET' && req.method !== 'POST') return json(405, { error: 'method_not_allowed', reason: 'Only GET allowed' });
    const rejected = rejectedChangesQuery(req);
    if (rejected) return badRequest(rejected);
    const since = Number(req.url.searchParams.get('since') ?? 0);
    const limit = Number(req.url.searchParams.get('limit') ?? DEFAULT_CHANGES_LIMIT);
    return json(200, feed.since(since, limit));
  };
}

export function startNpmReplicate(feed: ChangesFeed): Promise<SimServer> {
  return startServer({ handlers: [replicateHandler(feed, Date.now())] });
}
