// `changelogs temporal`: find or build the Temporal CLI and print its path (.ci/run uses this).
import { HOW_TO_PROVIDE_TEMPORAL, locateOrBuildTemporalCli } from '../infra/temporal/goTools';

export async function run(): Promise<number> {
  const cli = await locateOrBuildTemporalCli();
  if (!cli) {
    console.error(HOW_TO_PROVIDE_TEMPORAL);
    return 1;
  }
  console.log(cli.path);
  return 0;
}
