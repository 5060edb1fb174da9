// `changelogs api`: the GraphQL server.
import { randomBytes } from 'node:crypto';
import { startApi } from '../api/server';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { connectClient } from '../workers/connect';

export async function run(): Promise<number> {
  const loaded = loadConfig();
  // Mutations always need a token; one is made up for this run when none is configured.
  const token = loaded.api.token ?? randomBytes(24).toString('base64url');
  const config = { ...loaded, api: { ...loaded.api, token } };
  const pool = await openDatabase(config.databaseUrl);
  const temporal = await connectClient(config);
  const api = await startApi({ config, pool, temporal, taskQueue: config.temporal.taskQueue });
  console.log(`GraphQL API listening on ${api.url}`);
  if (!loaded.api.token) console.log(`mutations need  Authorization: Bearer ${token}  (generated; set API_TOKEN to choose one)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  await temporal.connection.close();
  await pool.end();
  return 0;
}
