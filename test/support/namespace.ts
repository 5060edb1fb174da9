// Each test file gets its own Temporal namespace, so workflow ids (npm-follow, crawl:npm:…) and schedule
// ids never collide between test files sharing one server.
import { ensureNamespace } from '../../infra/temporal/namespace';

export async function createNamespace(address: string, namespace: string): Promise<void> {
  await ensureNamespace(address, namespace, { retentionDays: 1 });
}
