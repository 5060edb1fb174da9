import type { DevServer } from '../../infra/temporal/devServer';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __temporalDevServer?: DevServer }).__temporalDevServer?.stop();
}
