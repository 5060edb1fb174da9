// `npx changelogs <command>`: one entry point; each command lives in its own module, loaded on demand so
// that `parse` does not pay for Temporal or Postgres.
interface CommandModule {
  run(args: string[]): Promise<number>;
}

/** The commands `changelogs` accepts (deployment files are checked against these names). */
export const commands: Record<string, { summary: string; load: () => CommandModule }> = {
  start: { summary: 'run the whole stack on this machine', load: () => require('./start') as CommandModule },
  parse: { summary: 'parse changelog files (or archives with --tarball) and print entries', load: () => require('./parse') as CommandModule },
  crawl: { summary: 'crawl one release: changelogs crawl npm <name> [version]', load: () => require('./crawl') as CommandModule },
  'upgrade-report': { summary: 'what changed in each dependency of a lockfile since its locked version: changelogs upgrade-report <lockfile> [--markdown] [--wait]', load: () => require('./upgradeReport') as CommandModule },
  replay: { summary: 'replay failed crawls: changelogs replay --failed [--since 1h] [--registry npm] [--dry-run]', load: () => require('./replay') as CommandModule },
  projections: { summary: 'rebuild the read models from the event log: changelogs projections rebuild', load: () => require('./projections') as CommandModule },
  migrate: { summary: 'apply database migrations', load: () => require('./migrate') as CommandModule },
  worker: { summary: 'run one worker process: changelogs worker orchestration|crawl', load: () => require('./worker') as CommandModule },
  api: { summary: 'run the GraphQL API server', load: () => require('./api') as CommandModule },
  temporal: { summary: 'find or build the Temporal CLI (--server: also the server, its SQL tool and the Web UI) and print their paths', load: () => require('./temporal') as CommandModule },
  'temporal-server': { summary: 'run the Temporal server on Postgres, with its Web UI, in the foreground', load: () => require('./temporalServer') as CommandModule },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    'usage: changelogs <command> [options]',
    '',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return command.load().run(rest);
}
