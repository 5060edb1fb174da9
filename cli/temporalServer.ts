// `changelogs temporal-server`: the durable Temporal on this machine — the Temporal server persisting to the
// configured Postgres, and its Web UI — in the foreground, until Ctrl-C. Workers and the API elsewhere reach it
// with TEMPORAL_ADDRESS.
import { loadConfig } from '../infra/config';
import { startTemporalServer } from '../infra/temporal/server';

function say(line: string): void {
  console.log(`[temporal] ${line}`);
}

export async function run(): Promise<number> {
  const { temporal } = loadConfig();
  const server = await startTemporalServer({
    postgresUrl: temporal.postgresUrl,
    port: temporal.port,
    uiPort: temporal.uiPort,
    namespace: temporal.namespace,
    dataDir: temporal.dataDir,
    historyShards: temporal.historyShards,
    progress: say,
  });
  say(`serving on ${server.address} (namespace ${server.namespace}): ${server.executable}`);
  say(`Web UI: ${server.uiUrl}`);
  say(`workers and the API reach it with TEMPORAL_ADDRESS=${server.address}; press Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say('stopping…');
  await server.stop();
  return 0;
}
