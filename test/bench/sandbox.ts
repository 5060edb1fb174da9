// Benchmark: what the sandbox costs a crawl. crawlArchive over the real-package corpus, in this process and
// through runSandboxed: a new child for every crawl; children serving many crawls, one and two at a time. Then
// the throughput a busy worker sees: a warm child against in-process in alternating blocks, plus a child's start
// and JIT warm-up spread over the tasks it serves. Then parseText over the corpus's changelog files, the same way.
//   npx tsx test/bench/sandbox.ts [corpusDir] [--limit N] [--rounds 3] [--semi-space MB] [--tasks-per-child N] [--parse-only]
// (default corpus ~/.cache/changelogs-corpus, built by ../shared/eval/build.sh; uses whatever is there.)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../infra/config';
import { crawlArchive, type CrawlArchiveParams, type CrawlArchiveResult, type ParsedText } from '../../activities/sandbox/child/crawlArchive';
import { parseText, type ParseTextParams } from '../../activities/sandbox/child/parseText';
import { sandbox, type SandboxOptions, WithBytes } from '../../activities/sandbox';
import { DEFAULT_TASKS_PER_CHILD } from '../../activities/sandbox/runSandboxed';
import { liveChildren, retireIdleChildren } from '../../activities/sandbox/pool';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'parse-only': { type: 'boolean', default: false }, limit: { type: 'string' }, rounds: { type: 'string', default: '3' }, 'semi-space': { type: 'string' }, 'tasks-per-child': { type: 'string' } },
});
const corpus = resolve(positionals[0] ?? join(homedir(), '.cache/changelogs-corpus'));
const MB = 1024 * 1024;
/** Passes over the corpus for in-process and reused-children crawling (a child per crawl makes one). */
const ROUNDS = Number(flags.rounds);
/** In-process and warm-child blocks, taken in turns. */
const BLOCKS = 7;
// Limits come from the one place configuration is read; the registry URL is not used here.
const { limits } = loadConfig({ ...process.env, NPM_REGISTRY_URL: process.env.NPM_REGISTRY_URL ?? 'http://127.0.0.1:9' });

interface Archive {
  name: string;
  bytes: Buffer;
  params: CrawlArchiveParams;
}

function loadCorpus(): Archive[] {
  const archives: Archive[] = [];
  for (const dir of readdirSync(corpus).sort()) {
    const tgz = join(corpus, dir, 'package.tgz');
    const metaFile = join(corpus, dir, 'meta.json');
    if (!existsSync(tgz) || !existsSync(metaFile)) continue;
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { name: string; versions?: string[] };
    archives.push({
      name: meta.name,
      bytes: readFileSync(tgz),
      params: {
        kind: 'npm',
        limits,
        knownVersions: meta.versions ?? [],
        sourceUrlBase: null,
      },
    });
  }
  const limit = flags.limit === undefined ? archives.length : Number(flags.limit);
  return archives.slice(0, limit);
}

interface Crawl {
  ms: number;
  result: CrawlArchiveResult | ParsedText | { outcome: string; message?: string };
  childRssBytes?: number;
  childCpuMs?: number;
  /** Whether the crawl started a child (a sandboxed crawl that is not a child's first has it false). */
  newChild?: boolean;
}

/** A pass with its results cut to their outcomes, to be kept while more passes run. */
function outcomesOnly(p: Pass): Pass {
  return { ...p, crawls: p.crawls.map((c) => ({ ...c, result: { outcome: outcomeOf(c.result) } })) };
}

function outcomeOf(result: Crawl['result']): string {
  return result instanceof WithBytes ? result.value.outcome : result.outcome;
}

interface Pass {
  label: string;
  crawls: Crawl[];
  totalMs: number;
  /** CPU time of this process during the pass; with children's own CPU, robust to a busy machine. */
  parentCpuMs: number;
  /** CPU time of this process and of every child that ended during the pass, starting included. */
  treeCpuMs: number;
  parentPeakRss: number;
}

/**
 * Runs `crawl` over every archive, `rounds` times over, with `concurrency` at a time, sampling this process's RSS
 * meanwhile. Several rounds are what a long-running worker sees: children started once, and warm. Only the first
 * round's results are kept whole (to compare modes), the rest only by outcome: thousands of results held at once
 * would load the garbage collector of this process as no worker's is.
 */
async function pass(
  label: string,
  corpusArchives: Archive[],
  concurrency: number,
  crawl: (a: Archive) => Promise<Crawl>,
  rounds = 1,
  keepChildren = false,
): Promise<Pass> {
  const archives = Array.from({ length: rounds }, () => corpusArchives).flat();
  let parentPeakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => (parentPeakRss = Math.max(parentPeakRss, process.memoryUsage.rss())), 20);
  const crawls: Crawl[] = new Array<Crawl>(archives.length);
  let next = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const treeBefore = treeCpuMs();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < archives.length) {
        const i = next++;
        const done = await crawl(archives[i] as Archive);
        crawls[i] = i < corpusArchives.length ? done : { ...done, result: { outcome: outcomeOf(done.result) } };
      }
    }),
  );
  const totalMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  if (!keepChildren) {
    retireIdleChildren();
    while (liveChildren().length > 0) await sleep(10);
    await sleep(50);
  }
  return { label, crawls, totalMs, parentCpuMs: (cpu.user + cpu.system) / 1000, treeCpuMs: treeCpuMs() - treeBefore, parentPeakRss };
}

/**
 * CPU of this process, of its children that have ended (and been reaped) and of its sandbox children still alive,
 * from /proc in 10 ms ticks. A difference of two readings is what the tree spent in between: a child alive at the
 * first and reaped by the second counts its whole life in the second and its past in the first.
 */
function treeCpuMs(): number {
  // After the command name: fields 14-17 of stat(5) (utime, stime, cutime, cstime) are at 11-14 here.
  const own = statFields('self');
  let ticks = (own[11] ?? 0) + (own[12] ?? 0) + (own[13] ?? 0) + (own[14] ?? 0);
  for (const { pid } of liveChildren()) {
    const child = pid === undefined ? [] : statFields(String(pid));
    ticks += (child[11] ?? 0) + (child[12] ?? 0);
  }
  return ticks * 10;
}

function statFields(pid: string): number[] {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ').map(Number);
  } catch {
    return [];
  }
}

async function inProcess(archive: Archive): Promise<Crawl> {
  const started = performance.now();
  try {
    const result = await crawlArchive(archive.params, Readable.from([archive.bytes]));
    return { ms: performance.now() - started, result };
  } catch (err) {
    return { ms: performance.now() - started, result: { outcome: 'error', message: (err as Error).message } };
  }
}

function sandboxed(options: SandboxOptions) {
  return async (archive: Archive): Promise<Crawl> => {
    const started = performance.now();
    try {
      const { value, stats } = await sandbox.run('crawlArchive', { params: archive.params, bytes: archive.bytes }, options);
      return { ms: performance.now() - started, result: value, childRssBytes: stats.maxRssBytes, childCpuMs: stats.cpuMs ?? 0, newChild: !stats.reusedChild };
    } catch (err) {
      return { ms: performance.now() - started, result: { outcome: 'error', message: (err as Error).message } };
    }
  };
}

/**
 * The throughput a busy worker sees, measured so that a machine whose speed drifts (a shared host) cannot tilt it:
 * one new child serves `rounds.early` rounds (its start and JIT warm-up), then in-process and that same, now warm,
 * child take turns, a block of `rounds.block` rounds each, `BLOCKS` times. The warm rate is the median block's; a
 * child's start and warm-up is what its early rounds cost beyond that rate, spread over the tasks a child serves.
 */
async function steadyState(
  what: string,
  items: Archive[],
  inProcessTask: (a: Archive) => Promise<Crawl>,
  sandboxedTask: (a: Archive) => Promise<Crawl>,
  rounds: { early: number; block: number },
  options: SandboxOptions,
): Promise<void> {
  const tasksPerChild = options.maxTasksPerChild ?? DEFAULT_TASKS_PER_CHILD;
  retireIdleChildren();
  while (liveChildren().length > 0) await sleep(10);
  const early = outcomesOnly(await pass('a new child', items, 1, sandboxedTask, rounds.early, true));
  const pairs: { local: Pass; boxed: Pass }[] = [];
  for (let i = 0; i < BLOCKS; i++) {
    const local = await pass('in-process', items, 1, inProcessTask, rounds.block, true);
    const boxed = await pass('warm child', items, 1, sandboxedTask, rounds.block, i < BLOCKS - 1);
    pairs.push({ local: outcomesOnly(local), boxed: outcomesOnly(boxed) });
  }
  const restarted = pairs.reduce((n, { boxed }) => n + boxed.crawls.filter((c) => c.newChild).length, 0);
  const cpu = (p: Pass) => p.treeCpuMs / p.crawls.length;
  const wall = (p: Pass) => p.totalMs / p.crawls.length;
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN;
  const spread = (xs: number[]) => `${fixed(median(xs), 2)} (${fixed(Math.min(...xs), 2)}–${fixed(Math.max(...xs), 2)})`;
  const cpuRatios = pairs.map(({ local, boxed }) => cpu(local) / cpu(boxed));
  const wallRatios = pairs.map(({ local, boxed }) => wall(local) / wall(boxed));
  const [localCpu, boxedCpu] = [median(pairs.map(({ local }) => cpu(local))), median(pairs.map(({ boxed }) => cpu(boxed)))];
  const [localWall, boxedWall] = [median(pairs.map(({ local }) => wall(local))), median(pairs.map(({ boxed }) => wall(boxed)))];
  const startCpu = early.treeCpuMs - boxedCpu * early.crawls.length;
  const startWall = early.totalMs - boxedWall * early.crawls.length;
  console.log(`\n${what}, through reused sandboxes relative to in-process (target ≥ 0.80), ${BLOCKS} block pairs of ${rounds.block} rounds:`);
  console.log(`  a warm child: ${spread(cpuRatios)} by CPU, ${spread(wallRatios)} by wall time, median (range) over the pairs`);
  console.log(`    CPU a task, median block: ${fixed(boxedCpu, 2)} ms sandboxed (${fixed(median(pairs.map(({ boxed }) => boxed.parentCpuMs / boxed.crawls.length)), 2)} of it in this process), ${fixed(localCpu, 2)} ms in-process; children restarted meanwhile: ${restarted}`);
  console.log(`  a child's start and warm-up: ${fixed(startCpu / 1000, 2)} s of CPU over its first ${early.crawls.length} tasks, beyond the warm rate`);
  console.log(`  a new child every ${early.crawls.length} tasks (its first ones, measured): ${fixed(localCpu / cpu(early), 2)} by CPU, ${fixed(localWall / wall(early), 2)} by wall time`);
  // The warm ratio, with the start-up added to the sandboxed side: in-process L against L / ratio + start / tasks.
  const amortized = (ratio: number, local: number, start: number) => local / (local / ratio + start / tasksPerChild);
  console.log(
    `  a new child every ${tasksPerChild} tasks (the warm ratio, with start and warm-up spread over them): ` +
      `${fixed(amortized(median(cpuRatios), localCpu, startCpu), 2)} by CPU, ${fixed(amortized(median(wallRatios), localWall, startWall), 2)} by wall time`,
  );
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
const fixed = (n: number, digits = 1): string => n.toFixed(digits);

function report(passes: Pass[], archives: Archive[]): void {
  const archiveMb = archives.reduce((sum, a) => sum + a.bytes.length, 0) / MB;
  const baseline = passes[0] as Pass;
  const baselineMsPerCrawl = baseline.crawls.reduce((s, c) => s + c.ms, 0) / baseline.crawls.length;
  const cpuPerCrawl = (p: Pass) => p.treeCpuMs / p.crawls.length;
  const rows = passes.map((p) => {
    const ms = p.crawls.map((c) => c.ms).sort((a, b) => a - b);
    const meanLatency = ms.reduce((s, x) => s + x, 0) / ms.length;
    const wallPerCrawl = p.totalMs / p.crawls.length;
    const childRss = p.crawls.flatMap((c) => (c.childRssBytes ? [c.childRssBytes] : [])).sort((a, b) => a - b);
    const outcomes = new Map<string, number>();
    for (const c of p.crawls) {
      const outcome = outcomeOf(c.result);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    return {
      mode: p.label,
      crawls: p.crawls.length,
      'wall ms/crawl': fixed(wallPerCrawl),
      'latency mean': fixed(meanLatency),
      p50: fixed(quantile(ms, 0.5)),
      p95: fixed(quantile(ms, 0.95)),
      'overhead ms/crawl': p === baseline ? '-' : fixed(meanLatency - baselineMsPerCrawl),
      'CPU ms/crawl': fixed(cpuPerCrawl(p)),
      'CPU overhead': p === baseline ? '-' : fixed(cpuPerCrawl(p) - cpuPerCrawl(baseline)),
      'of which parent/tasks': p === baseline ? '-' : `${fixed(p.parentCpuMs / p.crawls.length)}/${fixed(p.crawls.reduce((sum, c) => sum + (c.childCpuMs ?? 0), 0) / p.crawls.length)}`,
      'archive MB/s': fixed((archiveMb * (p.crawls.length / archives.length)) / (p.totalMs / 1000), 2),
      'parent peak RSS MB': fixed(p.parentPeakRss / MB, 0),
      'children started': p === baseline ? '-' : p.crawls.filter((c) => c.newChild).length,
      'child RSS MB p50/max': childRss.length ? `${fixed(quantile(childRss, 0.5) / MB, 0)}/${fixed((childRss.at(-1) ?? 0) / MB, 0)}` : '-',
      outcomes: [...outcomes].map(([k, v]) => `${k}:${v}`).join(' '),
    };
  });
  console.table(rows);
  const mismatches = archives.filter((_, i) => passes.slice(1).some((p) => JSON.stringify(p.crawls[i]?.result) !== JSON.stringify(baseline.crawls[i]?.result)));
  console.log(`results identical to in-process: ${archives.length - mismatches.length}/${archives.length}${mismatches.length ? ` (differ: ${mismatches.slice(0, 5).map((a) => a.name).join(', ')})` : ''}`);
}

async function main(): Promise<void> {
  console.log(`date: ${new Date().toISOString()}`);
  console.log(`command: npx tsx test/bench/sandbox.ts ${process.argv.slice(2).join(' ')}`.trim());
  console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((l) => fixed(l)).join(' ')}`);
  const archives = loadCorpus();
  const archiveMb = archives.reduce((sum, a) => sum + a.bytes.length, 0) / MB;
  console.log(`corpus: ${corpus}: ${archives.length} npm tarballs, ${fixed(archiveMb)} MB`);

  const options: SandboxOptions = {
    ...(flags['semi-space'] !== undefined && { maxSemiSpaceMb: Number(flags['semi-space']) }),
    ...(flags['tasks-per-child'] !== undefined && { maxTasksPerChild: Number(flags['tasks-per-child']) }),
  };
  const buildStarted = performance.now();
  await sandbox.prepare();
  console.log(`child build (esbuild, once per process): ${fixed(performance.now() - buildStarted, 0)} ms; options ${JSON.stringify(options)}`);

  // One untimed pass each warms the JIT of this process and the page cache for the child.
  await pass('warm-up', archives, 1, inProcess);
  await pass('warm-up', archives.slice(0, 10), 1, sandboxed(options));
  if (flags['parse-only']) {
    await parsePath(options);
    return;
  }
  await crawlModes(archives, options);
  // The warm-child blocks must not be cut short by the tasks-per-child limit: it is applied in the arithmetic.
  await steadyState('crawl', archives, inProcess, sandboxed({ ...options, maxTasksPerChild: 1_000_000 }), { early: ROUNDS, block: 1 }, options);
  await parsePath(options);
  console.log(`load average at the end: ${loadavg().map((l) => fixed(l)).join(' ')}`);
  console.log(`parent peak RSS over the whole run: ${fixed((process.resourceUsage().maxRSS * 1024) / MB, 0)} MB`);
}

/** The table of crawl modes; nothing of it is kept once it is printed. */
async function crawlModes(archives: Archive[], options: SandboxOptions): Promise<void> {
  const perCrawl = { ...options, maxTasksPerChild: 1 };
  const passes = [
    await pass('in-process', archives, 1, inProcess, ROUNDS),
    await pass('sandbox, child per crawl', archives, 1, sandboxed(perCrawl)),
    await pass('sandbox, reused children', archives, 1, sandboxed(options), ROUNDS),
    await pass('sandbox, reused, concurrency 2', archives, 2, sandboxed(options), ROUNDS),
  ];
  report(passes, archives);
}

/**
 * The crawl path for a changelog that came as a file (link, repository, release notes): decode, parse and render
 * it with parseText, in this process and through reused sandboxes, over every changelog file of the corpus.
 */
async function parsePath(options: SandboxOptions): Promise<void> {
  const files: { name: string; bytes: Buffer; params: ParseTextParams }[] = [];
  for (const dir of readdirSync(corpus).sort()) {
    const filesDir = join(corpus, dir, 'files');
    if (!existsSync(filesDir)) continue;
    for (const fileName of readdirSync(filesDir)) {
      const bytes = readFileSync(join(filesDir, fileName));
      files.push({ name: `${dir}/${fileName}`, bytes, params: { fileName, sourceUrl: null, knownVersions: [], limits } });
    }
  }
  const mb = files.reduce((sum, f) => sum + f.bytes.length, 0) / MB;
  const archives = files.map((f) => ({ name: f.name, bytes: f.bytes, params: f.params }) as unknown as Archive);
  const inProcessParse = async (a: Archive): Promise<Crawl> => {
    const started = performance.now();
    const result = await parseText(a.params as unknown as ParseTextParams, Readable.from([a.bytes]));
    return { ms: performance.now() - started, result };
  };
  const oneChild = { ...options, maxTasksPerChild: 1_000_000 };
  const sandboxedParse = async (a: Archive): Promise<Crawl> => {
    const started = performance.now();
    const { value, stats } = await sandbox.run('parseText', { params: a.params as unknown as ParseTextParams, bytes: a.bytes }, oneChild);
    return { ms: performance.now() - started, result: value, childCpuMs: stats.cpuMs ?? 0, newChild: !stats.reusedChild };
  };
  await pass('warm-up', archives, 1, inProcessParse);
  const local = await pass('parseText in-process', archives, 1, inProcessParse, ROUNDS * 3);
  const boxed = await pass('parseText, reused children', archives, 1, sandboxedParse, ROUNDS * 3);
  const rate = (p: Pass, by: number) => (mb * (p.crawls.length / archives.length)) / (by / 1000);
  console.log(`\nparse path: ${files.length} changelog files of the corpus, ${fixed(mb)} MB, decoded, parsed and rendered (parseText), ${ROUNDS * 3} rounds`);
  for (const p of [local, boxed]) {
    console.log(`  ${p.label.padEnd(28)} ${fixed(rate(p, p.totalMs), 2)} MB/s by wall time, ${fixed(rate(p, p.treeCpuMs), 2)} MB/s by CPU time`);
  }
  await steadyState('parse path', archives, inProcessParse, sandboxedParse, { early: ROUNDS * 3, block: 3 }, options);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
