// `changelogs api`: the GraphQL server.
import { startApi } from '../api/server';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { connectClient } from '../workers/connect';

export async function run(): Promise<number> {
  const config = loadConfig();
  const pool = await openDatabase(config.databaseUrl);
  const temporal = await connectClient(config);
  const api = await startApi({ config, pool, temporal, taskQueue: config.temporal.taskQueue });
  console.log(`GraphQL API listening on ${api.url}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await api.close();
  await temporal.connection.close();
  await pool.end();
  return 0;
}
