// `changelogs api`: the GraphQL server. SIGTERM or SIGINT shuts it down gracefully: no new connections,
// live streams ended, requests in flight finished (for up to API_SHUTDOWN_GRACE_MS), then the log follower,
// the Temporal client and the Postgres pool are closed, and the process exits 0.
import { randomBytes } from 'node:crypto';
import { startApi } from '../api/server';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { connectClient } from '../workers/connect';

/** After the grace period, what is still running gets this long to let go of its connections. */
const CLOSE_TIMEOUT_MS = 5_000;

function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

export async function run(): Promise<number> {
  const loaded = loadConfig();
  // Mutations always need a token; one is made up for this run when none is configured.
  const token = loaded.api.token ?? randomBytes(24).toString('base64url');
  const config = { ...loaded, api: { ...loaded.api, token } };
  const pool = await openDatabase(config.databaseUrl, undefined, { keepIdleConnections: true });
  const temporal = await connectClient(config);
  const api = await startApi({ config, pool, temporal, taskQueue: config.temporal.taskQueue });
  console.log(`GraphQL API listening on ${api.url}`);
  if (!loaded.api.token) console.log(`mutations need  Authorization: Bearer ${token}  (generated; set API_TOKEN to choose one)`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log(`[api] ${signal}: shutting down (requests in flight get ${config.api.shutdownGraceMs} ms)`);
  await api.close();
  const closed = await within(CLOSE_TIMEOUT_MS, Promise.all([temporal.connection.close(), pool.end()]));
  if (!closed) {
    // A statement of a request cut off at the end of the grace period still holds its connection.
    console.warn(`[api] Postgres or Temporal connections still busy ${CLOSE_TIMEOUT_MS} ms after shutdown; exiting anyway`);
    process.exit(0);
  }
  console.log('[api] stopped');
  return 0;
}
