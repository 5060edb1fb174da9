// `npm start`: the whole stack on this machine — Temporal dev server, migrations, both workers, the API —
// each worker in its own process. Ctrl-C stops every part.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { type DevServer, startDevServer } from '../infra/temporal/devServer';

const BIN = path.join(__dirname, '..', 'bin', 'changelogs.js');

function say(line: string): void {
  console.log(`[start] ${line}`);
}

function prefixLines(stream: NodeJS.ReadableStream, label: string, out: NodeJS.WritableStream): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) out.write(`[${label}] ${line}\n`);
  });
  stream.on('end', () => pending && out.write(`[${label}] ${pending}\n`));
}

function launch(label: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  prefixLines(child.stdout!, label, process.stdout);
  prefixLines(child.stderr!, label, process.stderr);
  return child;
}

function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function run(): Promise<number> {
  const config = loadConfig();
  let devServer: DevServer | null = null;
  const children: { label: string; child: ChildProcess }[] = [];
  let stopping = false;
  let exitCode = 0;

  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await Promise.all(children.map(({ child }) => stopChild(child)));
    await devServer?.stop();
    say('stopped');
  };

  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const stopAndFinish = () => void stopAll().then(finish);
  process.once('SIGINT', stopAndFinish);
  process.once('SIGTERM', stopAndFinish);

  try {
    let address = config.temporal.address;
    if (address) {
      say(`using the Temporal server at ${address}`);
    } else {
      fs.mkdirSync(config.temporal.dataDir, { recursive: true });
      say('starting the Temporal dev server…');
      devServer = await startDevServer({
        port: config.temporal.port,
        uiPort: config.temporal.uiPort,
        dbFilename: path.join(config.temporal.dataDir, 'temporal.db'),
        namespace: config.temporal.namespace,
        progress: say,
      });
      address = devServer.address;
      say(`Temporal dev server on ${address} (${devServer.executable})`);
    }

    const pool = await openDatabase(config.databaseUrl, say);
    await pool.end();
    say(`Postgres ready (${config.databaseUrl.replace(/:[^:@/]*@/, ':***@')})`);

    // Mutations always need a token; one is made up for this run when none is configured.
    const token = config.api.token ?? randomBytes(24).toString('base64url');
    const env = { ...process.env, TEMPORAL_ADDRESS: address, API_TOKEN: token };
    for (const [label, args] of [
      ['orchestration', ['worker', 'orchestration']],
      ['crawl', ['worker', 'crawl']],
      ['api', ['api']],
    ] as const) {
      const child = launch(label, [...args], env);
      children.push({ label, child });
      child.once('exit', (code, signal) => {
        if (stopping) return;
        say(`${label} exited unexpectedly (${signal ?? `code ${code}`}); stopping the stack`);
        exitCode = 1;
        stopAndFinish();
      });
    }

    say(`GraphQL API:  http://localhost:${config.api.port}/graphql`);
    say(`Web page:     http://localhost:${config.api.port}/`);
    if (devServer) say(`Temporal UI:  http://localhost:${config.temporal.uiPort}`);
    say(`npm registry: ${config.upstreams.npmRegistryUrl}`);
    say(`mutations need  Authorization: Bearer ${token}${config.api.token ? '' : '  (generated for this run; set API_TOKEN to choose one)'}`);
    say('press Ctrl-C to stop');
  } catch (err) {
    console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    return 1;
  }
  await finished;
  return exitCode;
}
