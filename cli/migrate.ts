// `changelogs migrate`: create the database if needed and apply migrations.
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';

export async function run(): Promise<number> {
  const config = loadConfig();
  const pool = await openDatabase(config.databaseUrl, (line) => console.log(line));
  await pool.end();
  console.log('database is up to date');
  return 0;
}
