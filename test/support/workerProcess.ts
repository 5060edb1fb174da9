// A worker run as its own process (`changelogs worker <kind>`), as in production, so tests can SIGKILL it.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../infra/temporal/devServer';

const BIN = path.join(__dirname, '..', '..', 'bin', 'changelogs.js');

/** What each kind prints once it is ready: polling, and for orchestration, discovery created too. */
const READY = { crawl: 'crawl worker polling', orchestration: 'npm: follower' };

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
}

/** Starts a worker process; its metrics go to a free port unless `env` names one (workers of parallel tests must not share it). */
export async function startWorkerProcess(kind: 'crawl' | 'orchestration', env: Record<string, string>): Promise<WorkerProcess> {
  const metricsPort = env.METRICS_PORT ?? String(await freePort());
  const child = spawn(process.execPath, [BIN, 'worker', kind], { env: { ...process.env, ...env, METRICS_PORT: metricsPort }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(READY[kind])) resolve({ child, pid: child.pid! });
    });
    child.once('exit', (code) => reject(new Error(`${kind} worker exited with ${code}:\n${output}`)));
  });
}
