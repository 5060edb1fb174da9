// Workers and the API run as their own processes (`changelogs worker <kind>`, `changelogs api`), as in
// production, so tests can SIGKILL them.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../infra/temporal/devServer';

const BIN = path.join(__dirname, '..', '..', 'bin', 'changelogs.js');

/** What each kind prints once it is ready: polling, and for orchestration, discovery created too. */
const READY = { crawl: /crawl worker polling/, orchestration: /npm: follower/, api: /GraphQL API listening on (\S+)/ };

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
}

export interface ApiProcess extends WorkerProcess {
  url: string;
}

function startProcess(kind: keyof typeof READY, args: string[], env: Record<string, string>): Promise<WorkerProcess & { ready: RegExpMatchArray }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = output.match(READY[kind]);
      if (ready) resolve({ child, pid: child.pid!, ready });
    });
    child.once('exit', (code, signal) => reject(new Error(`${kind} process exited with ${code ?? signal}:\n${output}`)));
  });
}

/** Starts a worker process; its metrics go to a free port unless `env` names one (workers of parallel tests must not share it). */
export async function startWorkerProcess(kind: 'crawl' | 'orchestration', env: Record<string, string>): Promise<WorkerProcess> {
  const metricsPort = env.METRICS_PORT ?? String(await freePort());
  const { child, pid } = await startProcess(kind, ['worker', kind], { ...env, METRICS_PORT: metricsPort });
  return { child, pid };
}

/** Starts an API process on a free port. */
export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const { child, pid, ready } = await startProcess('api', ['api'], { ...env, PORT: String(await freePort()) });
  return { child, pid, url: ready[1]! };
}

/** SIGKILL, and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
