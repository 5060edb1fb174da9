import os from 'node:os';

/** Where integration tests create their own databases (one per test file). */
export function testAdminDatabaseUrl(): string {
  return process.env.TEST_DATABASE_URL || `postgres://${process.env.PGUSER || os.userInfo().username}@127.0.0.1:5432/postgres`;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run integration tests through jest (npm test), whose global setup sets it`);
  return value;
}
