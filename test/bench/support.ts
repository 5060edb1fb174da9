// What the benchmark scripts share: latency figures, CPU time from /proc, the child processes that serve the
// system under test, a keep-alive JSON client, and the closed and open load loops.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { Pool } from 'pg';

// --- Latency figures -------------------------------------------------------------------------------------------

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when it is empty. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** The 99th percentile of unsorted `latencies`. */
export const p99 = (latencies: number[]): number => percentile([...latencies].sort((a, b) => a - b), 99);

/** The middle value of `values` (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1]!;
}

/** `p50 … ms, p99 … ms, max … ms` of latencies in ms: other percentiles on request, figures padded to `width` for tables. */
export function summary(latencies: number[], { percentiles = [50, 99], width = 0 }: { percentiles?: number[]; width?: number } = {}): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(width);
  return [...percentiles.map((p) => `p${p} ${f(percentile(sorted, p))} ms`), `max ${f(sorted.at(-1) ?? NaN)} ms`].join(', ');
}

// --- CPU time from /proc ---------------------------------------------------------------------------------------

/** CPU seconds (user + system) a process has used so far, from /proc; null where that cannot be read. */
export function cpuSeconds(pid: number): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** Starts counting the CPU seconds of `pool`'s database's backends (but the asking one); the result's call gives them, null where a backend's could not be read. */
export async function startBackendCpu(pool: Pool): Promise<() => Promise<number | null>> {
  const backends = async () =>
    (await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows.map((r) => r.pid);
  const before = new Map((await backends()).map((pid) => [pid, cpuSeconds(pid)]));
  return async () => {
    // A backend gone by now was an idle one the pool closed: it counts for nothing.
    let seconds: number | null = 0;
    for (const pid of new Set([...before.keys(), ...(await backends())])) {
      const [then, now] = [before.get(pid), cpuSeconds(pid)];
      if (then === null) seconds = null;
      else if (seconds !== null && now !== null) seconds += now - (then ?? 0);
    }
    return seconds;
  };
}

// --- Server processes ------------------------------------------------------------------------------------------

/** A child process serving over HTTP: its URL, its pid, and how to stop it. */
export interface ServerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Runs `node [nodeFlags] -r tsx/cjs <script> <args>` (this process's environment, plus `env`) and waits for its
 * `listening <url>` line; stop sends SIGTERM and waits for the exit.
 */
export async function startServerProcess(
  script: string,
  args: string[],
  { nodeFlags = [], env = {} }: { nodeFlags?: string[]; env?: Readonly<Record<string, string>> } = {},
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeFlags, '-r', 'tsx/cjs', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the server process (${args[0] ?? script}) exited (${code})`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

// --- HTTP load -------------------------------------------------------------------------------------------------

/** POSTs JSON bodies to `url` over up to `sockets` keep-alive connections and parses each response as JSON; close destroys them. */
export function jsonPoster(url: string, sockets: number): { post(body: string): Promise<{ errors?: unknown }>; close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  const target = new URL(url);
  return {
    post: (body) =>
      new Promise((resolve, reject) => {
        const request = http.request(
          { agent, host: '127.0.0.1', port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              try {
                resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { errors?: unknown });
              } catch (err) {
                reject(err as Error);
              }
            });
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** Runs `total` calls, `concurrency` at a time; each call's latency in ms, the wall time in s and the calls a second. */
export async function closedLoop(total: number, concurrency: number, call: (i: number) => Promise<void>): Promise<{ latencies: number[]; seconds: number; perSecond: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { latencies, seconds, perSecond: total / seconds };
}

/** Starts a call every 1/rate s for `seconds`, whatever is still running; latency from when each was due. */
export async function openLoop(rate: number, seconds: number, call: (i: number) => Promise<void>): Promise<{ latencies: number[]; errors: number }> {
  const total = Math.max(1, Math.round(rate * seconds));
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    running.push(
      call(i).then(
        () => void latencies.push(performance.now() - due),
        () => void errors++,
      ),
    );
  }
  await Promise.all(running);
  return { latencies, errors };
}
