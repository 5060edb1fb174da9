// `changelogs crawl <registry> <name> [version]`: crawl one release and wait for its outcome.
import { resolveRelease } from '../activities/crawl/resolveRelease';
import { startCrawl } from '../infra/temporal/crawls';
import { loadConfig } from '../infra/config';
import { connectClient } from '../workers/connect';
import { canonicalName, REGISTRIES, type Registry } from '../workflows/types';

export async function run(args: string[]): Promise<number> {
  const [registry, givenName, givenVersion] = args;
  if (!registry || !givenName || !REGISTRIES.includes(registry as Registry)) {
    console.error(`usage: changelogs crawl <${REGISTRIES.join('|')}> <name> [version]`);
    return 2;
  }
  const name = canonicalName(registry as Registry, givenName);
  const config = loadConfig();
  const version = givenVersion ?? (await resolveRelease(config, { registry: registry as Registry, name })).version;
  const client = await connectClient(config);
  try {
    const { workflowId, started } = await startCrawl(client, config.temporal.taskQueue, { registry: registry as Registry, name, version }, 'requested');
    console.log(`${started ? 'started' : 'already crawled'}: ${workflowId}`);
    const outcome = await client.workflow.getHandle(workflowId).result();
    console.log(`outcome: ${outcome}`);
    return 0;
  } finally {
    await client.connection.close();
  }
}
