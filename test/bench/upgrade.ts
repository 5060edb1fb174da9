// Benchmark: the upgrade report of a lockfile whose packages are all crawled (target: under 1 s for 1,000).
//   npm run bench:upgrade -- [--dependencies 1000] [--entries 20] [--rounds 5]
// Seeds a scratch database through the real append path (each package's changelog parsed by the changelog
// engine, its blob stored, its crawl recorded by the crawl workflow's recording activity), writes a
// package-lock.json locking each package somewhere in its history, then times, round after round:
//   - `upgradeReport` over HTTP (the API in this process, on a pool of 10 connections), the whole report with
//     every entry's HTML, and its parts in-process (reading the lockfile, building the report, Markdown);
//   - beside it, the named alternative: what a client does with the API without upgradeReport, one
//     `package { latestVersion changes(from:) }` request per dependency, 8 at a time.
// Each report's CPU time (this process and Postgres's backends, from /proc) is printed beside its wall time: on a
// shared machine the wall time stretches with other work, the CPU time much less.
// The last line is one JSON object: {"dependencies", "entries", "reportP50Ms", "reportCpuP50Ms", "perPackageP50Ms", ...}.
// Needs Postgres (DATABASE_URL's server, or 127.0.0.1:5432); creates and drops its own database.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pMap from 'p-map';
import { Pool as PgPool, type Pool } from 'pg';
import { createRecordingActivities } from '../../activities/recording';
import { startApi } from '../../api/server';
import { parseChangelog } from '../../changelog';
import { storeBlob } from '../../eventStore/blobs';
import { loadConfig } from '../../infra/config';
import { dropDatabase, openDatabase } from '../../infra/db';
import { parseLockfile } from '../../upgrade/lockfiles';
import { renderMarkdown } from '../../upgrade/render';
import { buildUpgradeReport } from '../../upgrade/report';
import { median, startBackendCpu } from './support';

const { values: args } = parseArgs({
  options: {
    dependencies: { type: 'string', default: '1000' },
    entries: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' },
  },
});
const DEPENDENCIES = Number(args.dependencies);
const ENTRIES = Number(args.entries);
const ROUNDS = Number(args.rounds);

const WORDS = ['parser', 'stream', 'cache', 'router', 'client', 'schema', 'logger', 'queue', 'config', 'format', 'crypto', 'socket'];
const nameOf = (i: number) => `${WORDS[i % WORDS.length]}-${WORDS[(i * 7) % WORDS.length]}-${i}`;
/** Versions of package i, oldest first: minors of 1.x, a major every 8 entries. */
const versionsOf = (i: number) => Array.from({ length: ENTRIES }, (_, k) => `${1 + Math.floor(k / 8)}.${k % 8}.${i % 3}`);

function changelogText(i: number): string {
  const versions = versionsOf(i);
  const entries = versions
    .map((version, k) => {
      const major = k > 0 && k % 8 === 0;
      const lines = [`## [${version}] - 2026-${String(1 + (k % 12)).padStart(2, '0')}-${String(1 + (k % 28)).padStart(2, '0')}`];
      if (major) lines.push('### BREAKING CHANGES', `- \`${WORDS[k % WORDS.length]}()\` now returns a promise; see the [migration guide](https://docs.example/${nameOf(i)}/v${version}).`);
      if (k % 5 === 3) lines.push('### Security', `- Escape ${WORDS[(k + i) % WORDS.length]} names in error messages (CVE-2026-${1000 + k}).`);
      lines.push('### Added', `- A \`${WORDS[(k + 1) % WORDS.length]}\` option for **${nameOf(i)}**.`, '### Fixed', `- ${WORDS[(k * 3 + i) % WORDS.length]} handling of empty input (#${100 + k}).`);
      return lines.join('\n');
    })
    .reverse();
  return `# Changelog\n\n${entries.join('\n\n')}\n`;
}

/** Every package crawled at its latest release, with its changelog, through the recording activity. */
async function seed(pool: Pool): Promise<number> {
  const { recordCrawlResult } = createRecordingActivities(pool);
  let entries = 0;
  await pMap(
    Array.from({ length: DEPENDENCIES }, (_, i) => i),
    async (i) => {
      const name = nameOf(i);
      const versions = versionsOf(i);
      const latest = versions.at(-1)!;
      const text = changelogText(i);
      const parsed = parseChangelog(text, { fileName: 'CHANGELOG.md', knownVersions: versions });
      entries += parsed.entries.length;
      const rawSha256 = await storeBlob(pool, Buffer.from(text), 'text/markdown');
      const parsedSha256 = await storeBlob(pool, Buffer.from(JSON.stringify(parsed)), 'application/json');
      const now = new Date().toISOString();
      await recordCrawlResult({
        release: { registry: 'npm', name, version: latest, publishedAt: now, latestVersion: latest, summary: `The ${name} package` },
        crawl: { workflowId: `crawl:npm:${name}@${latest}`, runId: `bench-${i}`, startedAt: now },
        outcome: 'found',
        changelog: { fileName: 'CHANGELOG.md', foundIn: 'archive:CHANGELOG.md', sourceUrl: null, format: parsed.format, rawSha256, parsedSha256, entryCount: parsed.entries.length },
        reason: null,
      });
    },
    { concurrency: 8 },
  );
  await pool.query('ANALYZE');
  return entries;
}

/** A package-lock.json v3 locking package i at one of its versions (a tenth of them at the latest). */
function lockfile(): string {
  const packages: Record<string, unknown> = { '': { name: 'bench-app', version: '1.0.0' } };
  for (let i = 0; i < DEPENDENCIES; i++) {
    const versions = versionsOf(i);
    const version = i % 10 === 0 ? versions.at(-1)! : versions[(i * 7) % (versions.length - 1)]!;
    const name = nameOf(i);
    packages[`node_modules/${name}`] = { version, resolved: `http://registry.invalid/${name}/-/${name}-${version}.tgz`, integrity: 'sha512-bench', dev: i % 4 === 0 };
  }
  return JSON.stringify({ name: 'bench-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }, null, 2);
}

const REPORT = `query ($lockfile: String!) {
  upgradeReport(lockfile: $lockfile) {
    complete summary { dependencies withChanges breaking entries }
    dependencies { name lockedVersion latestVersion status breakingCount securityCount entries { version date title html breaking security } }
  }
}`;
const CHANGES = `query ($name: String!, $from: String) {
  package(registry: NPM, name: $name) { latestVersion changes(from: $from) { version date title html sections { kind } } }
}`;

async function post(url: string, query: string, variables: Record<string, unknown>): Promise<{ data: Record<string, unknown>; bytes: number }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const text = await response.text();
  const body = JSON.parse(text) as { data: Record<string, unknown>; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join('; '));
  return { data: body.data, bytes: text.length };
}

/**
 * CPU time spent by this process (the API and the client) and by Postgres's backends on the scratch database
 * while `run` runs: on a machine shared with other work, wall time stretches with the load but CPU time does not.
 */
async function withCpu<T>(monitor: Pool, run: () => Promise<T>): Promise<{ result: T; nodeMs: number; postgresMs: number | null }> {
  const backendCpu = await startBackendCpu(monitor);
  const self = process.cpuUsage();
  const result = await run();
  const used = process.cpuUsage(self);
  const postgres = await backendCpu();
  return { result, nodeMs: (used.user + used.system) / 1000, postgresMs: postgres === null ? null : postgres * 1000 };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

async function main(): Promise<void> {
  const base = new URL(process.env.DATABASE_URL || `postgres://${process.env.PGUSER || os.userInfo().username}@127.0.0.1:5432/postgres`);
  base.pathname = `/changelogs_bench_upgrade_${randomBytes(3).toString('hex')}`;
  // No token: this API may crawl, and has nothing to crawl (every package is known at its latest release).
  const config = loadConfig({ DATABASE_URL: base.toString(), NPM_REGISTRY_URL: 'http://127.0.0.1:9' });
  const pool = await openDatabase(config.databaseUrl);
  const api = await startApi({ config, pool, temporal: {} as never, taskQueue: 'bench' }, 0);
  // Its own connection, so that the one measuring is never one of those measured.
  const monitor = new PgPool({ connectionString: config.databaseUrl, max: 1 });
  try {
    const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
    console.log(`# upgrade report benchmark — ${new Date().toISOString()}`);
    console.log(`command: npm run bench:upgrade -- ${process.argv.slice(2).join(' ')}`.trimEnd());
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}, Postgres ${rows[0]!.server_version}; API in this process`);
    const t0 = performance.now();
    const entries = await seed(pool);
    console.log(`seeded ${DEPENDENCIES} crawled packages, ${entries} changelog entries, through the recording activity in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const text = lockfile();
    console.log(`lockfile: package-lock.json v3, ${DEPENDENCIES} dependencies, ${(text.length / 1024).toFixed(0)} KiB`);

    const report: number[] = [];
    const reportCpu: number[] = [];
    const parse: number[] = [];
    const build: number[] = [];
    const markdown: number[] = [];
    const perPackage: number[] = [];
    let listed = 0;
    let bytes = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      // Round 0 warms up (JIT, the pool's connections, Postgres's caches) and is not counted.
      const r0 = performance.now();
      const { result: response, nodeMs, postgresMs } = await withCpu(monitor, () => post(api.url, REPORT, { lockfile: text }));
      const reportMs = performance.now() - r0;
      const reportCpuMs = nodeMs + (postgresMs ?? NaN);
      const got = response.data.upgradeReport as { complete: boolean; summary: { dependencies: number; entries: number } };
      if (!got.complete || got.summary.dependencies !== DEPENDENCIES) throw new Error(`unexpected report: ${JSON.stringify(got.summary)}`);
      listed = got.summary.entries;
      bytes = response.bytes;

      const p0 = performance.now();
      const parsed = parseLockfile(text, { fileName: 'package-lock.json' });
      const p1 = performance.now();
      const built = await buildUpgradeReport({ pool, config, taskQueue: 'bench' }, parsed, { crawl: false, fileName: 'package-lock.json' });
      const p2 = performance.now();
      renderMarkdown(built);
      const p3 = performance.now();

      const a0 = performance.now();
      await pMap(parsed.dependencies, (d) => post(api.url, CHANGES, { name: d.name, from: d.version }), { concurrency: 8 });
      const perPackageMs = performance.now() - a0;
      if (round === 0) continue;
      report.push(reportMs);
      reportCpu.push(reportCpuMs);
      parse.push(p1 - p0);
      build.push(p2 - p1);
      markdown.push(p3 - p2);
      perPackage.push(perPackageMs);
      console.log(`round ${round}: upgradeReport ${ms(reportMs)}, CPU ${ms(nodeMs)} node + ${postgresMs === null ? 'n/a' : ms(postgresMs)} Postgres (read lockfile ${ms(p1 - p0)}, build ${ms(p2 - p1)}, Markdown ${ms(p3 - p2)}); ${DEPENDENCIES} package requests ${ms(perPackageMs)}`);
    }
    console.log(`upgradeReport over HTTP, ${DEPENDENCIES} dependencies, ${listed} entries listed (${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON): median ${ms(median(report))}, best ${ms(Math.min(...report))} of ${ROUNDS} (target < 1000 ms)`);
    console.log(`  CPU of one report (the API and this client in one process, plus Postgres's backends; what other load on the machine stretches least): median ${ms(median(reportCpu))}`);
    console.log(`  in-process: read the lockfile ${ms(median(parse))}, build the report ${ms(median(build))}, render Markdown ${ms(median(markdown))}`);
    console.log(`alternative, one package { changes(from:) } request per dependency (8 at a time): median ${ms(median(perPackage))} (${(median(perPackage) / median(report)).toFixed(1)}× the report)`);
    console.log(
      JSON.stringify({
        dependencies: DEPENDENCIES,
        entries: listed,
        reportP50Ms: Math.round(median(report)),
        reportCpuP50Ms: Math.round(median(reportCpu)),
        buildP50Ms: Math.round(median(build)),
        perPackageP50Ms: Math.round(median(perPackage)),
      }),
    );
  } finally {
    await api.close(1_000);
    await monitor.end();
    await pool.end();
    await dropDatabase(config.databaseUrl);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
