// Benchmark: the changelog parser against its peers on the eval corpus.
//   npx tsx test/bench/parse.ts [corpusDir]        (default ~/.cache/changelogs-corpus; peers in $PEERS_DIR or ~/.cache/peers)
// Accuracy comes from the shared scorer itself (one child process per parser), so the figures are the
// scorer's own; throughput ratios are measured here, in one process, over the same texts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { marked } from 'marked';
import { parseChangelog } from '../../changelog';

const root = resolve(__dirname, '../..');
const corpus = resolve(process.argv[2] ?? join(homedir(), '.cache/changelogs-corpus'));
const peersDir = process.env.PEERS_DIR ?? join(homedir(), '.cache/peers');
const evalDir = resolve(root, '../shared/eval');
const scorer = join(evalDir, 'score.mjs');
const ROUNDS = 8;
const BLOCKS = 4;

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

/**
 * Throughput of two runs over the same bytes, in MB/s of this process's CPU time (wall time swings with
 * whatever else the machine runs). Each side runs in blocks of rounds (so one side's
 * garbage is not collected on the other's clock), the blocks alternate A B A B… so that a burst of load on
 * the machine does not favour either side, and the best round of each side counts.
 */
async function compare(bytes: number, a: () => unknown, b: () => unknown): Promise<[number, number]> {
  const best = [Infinity, Infinity];
  for (let block = 0; block < BLOCKS; block++) {
    for (const [k, run] of [a, b].entries()) {
      await run();
      for (let i = 0; i < ROUNDS; i++) {
        const t = process.cpuUsage();
        await run();
        const used = process.cpuUsage(t);
        best[k] = Math.min(best[k]!, (used.user + used.system) / 1e3);
      }
    }
  }
  return [bytes / 1e6 / (best[0]! / 1e3), bytes / 1e6 / (best[1]! / 1e3)];
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
  const [noHtml, peer] = await compare(
    bytes,
    () => texts.map((t) => parseChangelog(t.text, { fileName: basename(t.name), html: false })),
    async () => {
      for (const t of texts) await changelogParser({ text: t.text });
    },
  );
  const [withHtml, markedAlone] = await compare(
    bytes,
    () => texts.map((t) => parseChangelog(t.text, { fileName: basename(t.name) })),
    () => texts.map((t) => marked.parse(t.text, { async: false })),
  );
  console.log(`\n${texts.length} files, ${(bytes / 1e6).toFixed(2)} MB, in one process, CPU time (${BLOCKS} alternating blocks of ${ROUNDS} rounds, best round of each side):`);
  console.log(`  parse without HTML ${noHtml.toFixed(1)} MB/s vs changelog-parser ${peer.toFixed(1)} MB/s: ${(noHtml / peer).toFixed(2)}x`);
  console.log(`  parse with HTML ${withHtml.toFixed(1)} MB/s vs marked.parse alone ${markedAlone.toFixed(1)} MB/s: ${(withHtml / markedAlone).toFixed(2)}x`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
