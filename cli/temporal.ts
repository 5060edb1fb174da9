// `changelogs temporal [--server]`: find or build the Temporal CLI (and with --server, the Temporal server, its
// SQL tool and the Web UI) and print their paths. .ci/run uses it to build them once and cache them.
import { HOW_TO_PROVIDE_TEMPORAL, locateOrBuildTemporalCli, requireTool, TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_UI } from '../infra/temporal/goTools';

export async function run(args: string[] = []): Promise<number> {
  const cli = await locateOrBuildTemporalCli();
  if (!cli) {
    console.error(HOW_TO_PROVIDE_TEMPORAL);
    return 1;
  }
  console.log(cli.path);
  if (args.includes('--server')) {
    for (const tool of [TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_UI]) console.log(await requireTool(tool));
  }
  return 0;
}
