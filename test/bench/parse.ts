// Benchmark: the changelog parser against its peers on the eval corpus.
//   npx tsx test/bench/parse.ts [corpusDir]        (default ~/.cache/changelogs-corpus; peers in $PEERS_DIR or ~/.cache/peers)
// Accuracy comes from the shared scorer itself (one child process per parser), so the figures are the
// scorer's own; throughput ratios are measured here, in one process, over the same texts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { marked } from 'marked';
import { parseChangelog } from '../../changelog';

const root = resolve(__dirname, '../..');
const corpus = resolve(process.argv[2] ?? join(homedir(), '.cache/changelogs-corpus'));
const peersDir = process.env.PEERS_DIR ?? join(homedir(), '.cache/peers');
const evalDir = resolve(root, '../shared/eval');
const scorer = join(evalDir, 'score.mjs');
const WARM_UP = 3;
const PAIRS = 12;
const RUNS = 4;

interface Summary {
  versionRecall: string;
  versionPrecision: string;
  latestVersionRecall: string;
  mbPerSec: string;
  parserFailures: number;
}

function score(adapter: string, nodeArgs: string[] = []): Summary | string {
  const r = spawnSync('node', [...nodeArgs, scorer, corpus, adapter], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PEERS_DIR: peersDir, PROJECT_DIR: root },
    maxBuffer: 1 << 28,
  });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Summary;
  } catch {
    return `failed: ${(r.stderr ?? '').slice(0, 200)}`;
  }
}

/** The scorer's in-process twin of the CLI adapter, so process start-up does not count. */
function inProcessAdapter(dir: string): string {
  const file = join(dir, 'in-process.mjs');
  writeFileSync(
    file,
    `import fs from 'node:fs';
import path from 'node:path';
const { parseChangelog } = await import(${JSON.stringify(join(root, 'changelog/index.ts'))});
export async function parseMany(files) {
  const out = new Map();
  for (const f of files) {
    const parsed = parseChangelog(fs.readFileSync(f, 'utf8'), { fileName: path.basename(f), html: false });
    out.set(f, parsed.entries.map((e) => ({ version: e.version, date: e.date })));
  }
  return out;
}
`,
  );
  return file;
}

/** The files the scorer picks, read once. */
function corpusTexts(): { name: string; text: string }[] {
  const rank = (f: string) => {
    const b = f.toLowerCase();
    const i = ['changelog', 'changes', 'history', 'news', 'releases', 'release', 'whatsnew'].findIndex((o) => b.startsWith(o));
    return (i < 0 ? 99 : i) * 2 + (/\.(md|markdown)$/.test(b) ? 0 : 1);
  };
  const texts: { name: string; text: string }[] = [];
  for (const d of readdirSync(corpus)) {
    const dir = join(corpus, d, 'files');
    const files = existsSync(dir) ? readdirSync(dir) : [];
    const pick = files.sort((a, b) => rank(a) - rank(b))[0];
    if (pick) texts.push({ name: pick, text: readFileSync(join(corpus, d, 'files', pick), 'utf8') });
  }
  return texts;
}

/** A full garbage collection on request, so that no run pays for the garbage of the run before it. */
function garbageCollector(): () => void {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return () => undefined;
  }
}
const collectGarbage = garbageCollector();

interface Comparison {
  /** MB/s of each side's best run. */
  a: number;
  b: number;
  /** Throughput ratio A/B of each pair of runs. */
  ratios: number[];
}

/**
 * Throughput of two runs over the same bytes, in MB/s of this process's CPU time (wall time swings with
 * whatever else the machine runs). After a warm-up, the sides take turns in pairs of short blocks — a few
 * runs of one, then a few of the other, each pair starting with the other side — and each run starts from
 * a collected heap, so that neither a burst of load on the machine nor the other side's garbage lands on
 * one side only. Each pair gives the ratio of its blocks' best runs; the median of these is the figure,
 * their quartiles show how much the machine moved it, and the best run of each side overall is kept too.
 */
async function compare(bytes: number, a: () => unknown, b: () => unknown): Promise<Comparison> {
  const runs = [a, b];
  for (let i = 0; i < WARM_UP; i++) for (const run of runs) await run();
  const best = [Infinity, Infinity];
  const ratios: number[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const block = [Infinity, Infinity];
    for (const k of pair % 2 === 0 ? [0, 1] : [1, 0]) {
      collectGarbage();
      for (let i = 0; i < RUNS; i++) {
        const t = process.cpuUsage();
        await runs[k]!();
        const used = process.cpuUsage(t);
        block[k] = Math.min(block[k]!, (used.user + used.system) / 1e3);
      }
      best[k] = Math.min(best[k]!, block[k]!);
    }
    ratios.push(block[1]! / block[0]!);
  }
  return { a: bytes / 1e6 / (best[0]! / 1e3), b: bytes / 1e6 / (best[1]! / 1e3), ratios };
}

function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.round(q * (sorted.length - 1))]!;
}

/** `0.91x (pairs 0.86–0.95 IQR; best runs 0.93x)`. */
function ratioText(c: Comparison): string {
  const [low, median, high] = [0.25, 0.5, 0.75].map((q) => quantile(c.ratios, q).toFixed(2));
  return `${median}x (pairs ${low}–${high} IQR; best runs ${(c.a / c.b).toFixed(2)}x)`;
}

async function main(): Promise<void> {
  const command = `npx tsx test/bench/parse.ts ${process.argv[2] ?? ''}`.trim();
  console.log(`changelog parser benchmark — ${new Date().toISOString()}`);
  console.log(`command: ${command}   corpus: ${corpus}   peers: ${peersDir}\n`);

  const tmp = mkdtempSync(join(tmpdir(), 'bench-parse-'));
  const rows: [string, Summary | string][] = [];
  try {
    rows.push(['changelogs (in-process, no HTML)', score(inProcessAdapter(tmp), ['--import', 'tsx'])]);
    rows.push(['changelogs (CLI parse --json)', score(join(evalDir, 'adapters/project-cli.mjs'))]);
    rows.push(['changelog-parser', score(join(evalDir, 'adapters/changelog-parser.mjs'))]);
    rows.push(['@release-notes/changelog-parser', score(join(evalDir, 'adapters/release-notes.mjs'))]);
    rows.push(['keep-a-changelog', score(join(evalDir, 'adapters/keep-a-changelog.mjs'))]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const head = ['parser', 'recall %', 'precision %', 'latest recall %', 'failures', 'MB/s'];
  const table = rows.map(([name, s]) =>
    typeof s === 'string'
      ? [name, s, '', '', '', '']
      : [name, s.versionRecall, s.versionPrecision, s.latestVersionRecall, String(s.parserFailures), s.mbPerSec],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  for (const r of [head, widths.map((w) => '-'.repeat(w)), ...table]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));

  const texts = corpusTexts();
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t.text), 0);
  const changelogParser = createRequire(join(peersDir, '/'))('changelog-parser') as (o: { text: string }) => Promise<unknown>;
  const noHtml = await compare(
    bytes,
    () => texts.map((t) => parseChangelog(t.text, { fileName: basename(t.name), html: false })),
    async () => {
      for (const t of texts) await changelogParser({ text: t.text });
    },
  );
  const withHtml = await compare(
    bytes,
    () => texts.map((t) => parseChangelog(t.text, { fileName: basename(t.name) })),
    () => texts.map((t) => marked.parse(t.text, { async: false })),
  );
  console.log(`\n${texts.length} files, ${(bytes / 1e6).toFixed(2)} MB, in one process, CPU time (${PAIRS} pairs of ${RUNS}-run blocks after ${WARM_UP} warm-up rounds; median ratio of the pairs):`);
  console.log(`  parse without HTML ${noHtml.a.toFixed(1)} MB/s vs changelog-parser ${noHtml.b.toFixed(1)} MB/s (best runs): ${ratioText(noHtml)}`);
  console.log(`  parse with HTML ${withHtml.a.toFixed(1)} MB/s vs marked.parse alone ${withHtml.b.toFixed(1)} MB/s (best runs): ${ratioText(withHtml)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
