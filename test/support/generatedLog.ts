// A realistic event log from the simulators' scenario (demo/scenario.ts), reproducible from a seed: each release
// is crawled as production would record it — the changelog where the scenario puts it (the archive, a link, the
// repository, release notes, or nowhere), parsed by the crawl's own parsing task, its raw and parsed bytes as blobs
// — with a share of failed runs later retried, cancelled runs, rejected and unpublished releases, undated
// releases and late results, so every rule of the projections is exercised. Used by `npm run seed:large` and the
// projection-equivalence test.
import { parseChosen } from '../../activities/sandbox/child/crawlArchive';
import { type ForgeRelease, releasesAsMarkdown } from '../../activities/registries/github';
import { scenarioReleases } from '../../demo/scenario';
import { Random } from '../../demo/random';
import type { StreamAppend } from '../../eventStore/appendBatch';
import { sha256 } from '../../eventStore/blobs';
import { releaseStreamId } from '../../eventStore/events';
import { loadLimits } from '../../infra/config';
import { type ChangelogRef, type CompletedOutcome, crawlWorkflowId, releaseRef, type ReleaseRef } from '../../workflows/types';

export interface GeneratedLogOptions {
  seed: number;
  /** Releases crawled (results recorded), about. */
  releases: number;
  /** Distinct packages, about (the scenario's share of new packages is packages / releases). */
  packages: number;
  /** Where changelog links point (the GitHub simulator's web base in the demo). */
  webUrl?: string;
}

export interface GeneratedBlob {
  sha256: string;
  content: Buffer;
  mediaType: string;
}

/** One crawl result (or failed run): its blobs first, then its events. */
export interface GeneratedCrawl {
  blobs: GeneratedBlob[];
  append: StreamAppend;
  /** Whether this was a release's final result (ReleaseCrawled); failed and cancelled runs are not. */
  final: boolean;
  /** Releases the scenario had published when this was recorded. */
  released: number;
}

const LIMITS = loadLimits({});

interface Pending {
  due: number;
  crawl: GeneratedCrawl;
}

/** The crawls of `options.releases` releases, in the order they are recorded. */
export function* generatedLog(options: GeneratedLogOptions): Generator<GeneratedCrawl> {
  const random = new Random(options.seed ^ 0x5eed);
  const webUrl = options.webUrl ?? 'http://127.0.0.1:9/forge';
  const versionsOf = new Map<string, string[]>();
  const notesOf = new Map<string, ForgeRelease[]>();
  const lastFileOf = new Map<string, { name: string; content: string; sourceUrl: string | null; foundIn: string }>();
  // Results recorded after later releases' (a retried crawl, a slow one): they arrive out of publication order.
  const later: Pending[] = [];
  let clock = Date.parse('2026-01-05T09:00:00Z');
  let released = 0;
  let run = 0;
  const newPackageShare = Math.min(1, Math.max(0, options.packages / Math.max(1, options.releases)));
  const scenario = scenarioReleases({ seed: options.seed, githubWebUrl: webUrl, newPackageShare });

  const crawlRef = (ref: ReleaseRef, at: number) => ({ workflowId: crawlWorkflowId(ref), runId: `run-${options.seed}-${++run}`, startedAt: new Date(at).toISOString() });

  while (released < options.releases || later.length > 0) {
    while (later.length > 0 && (later[0]!.due <= released || released >= options.releases)) yield later.shift()!.crawl;
    if (released >= options.releases) continue;
    const { release, source } = scenario.next().value as ReturnType<typeof scenarioReleases> extends Generator<infer T> ? T : never;
    released++;
    clock += random.int(5, 90) * 1000;
    const ref = releaseRef(release.registry, release.name, release.version);
    const streamId = releaseStreamId(ref);
    const key = `${ref.registry}:${ref.name}`;
    const versions = [release.version, ...(versionsOf.get(key) ?? [])];
    versionsOf.set(key, versions);
    const publishedAt = random.chance(0.02) ? null : new Date(clock).toISOString();

    // Where a crawl finds the changelog, as the simulators serve it.
    let file: { name: string; content: string; sourceUrl: string | null; foundIn: string } | null = null;
    const github = release.github;
    if (source === 'archive' || source === 'archive-and-link') {
      const files = release.files ?? {};
      const name = Object.keys(files).find((f) => /^(CHANGELOG|CHANGES|HISTORY|History|NEWS)/.test(f));
      if (name) file = { name, content: String(files[name]), sourceUrl: null, foundIn: `archive:${name}` };
    } else if ((source === 'link' || source === 'repo' || source === 'monorepo') && github) {
      const files = github.files ?? {};
      const name = Object.keys(files).find((f) => /(CHANGELOG|CHANGES|HISTORY|History|NEWS)[^/]*$/.test(f));
      if (name) file = { name: name.split('/').pop()!, content: String(files[name]), sourceUrl: `${webUrl}/${github.repo}/blob/${github.tag}/${name}`, foundIn: `repo:${name}` };
    } else if (source === 'releases' && github?.release) {
      const r = github.release;
      const note: ForgeRelease = { tag_name: r.tag_name, name: r.name ?? null, body: r.body ?? '', published_at: publishedAt, prerelease: r.prerelease ?? false, draft: false };
      const notes = [note, ...(notesOf.get(key) ?? [])];
      notesOf.set(key, notes);
      file = { name: 'RELEASES.md', content: releasesAsMarkdown(notes), sourceUrl: `${webUrl}/${github.repo}/releases`, foundIn: `releases:${github.repo}` };
    }

    // Many packages ship a release without touching their changelog: the file is the previous release's, byte
    // for byte (what storing blobs by hash saves).
    if (file && random.chance(0.15)) file = lastFileOf.get(key) ?? file;
    if (file) lastFileOf.set(key, file);

    let outcome: CompletedOutcome = 'not_found';
    let reason: string | null = null;
    let changelog: ChangelogRef | null = null;
    const blobs: GeneratedBlob[] = [];
    const roll = random.next();
    if (roll < 0.01) {
      outcome = 'rejected';
      reason = 'archive: 20001 entries, over the limit of 20000 (MAX_ARCHIVE_ENTRIES)';
    } else if (roll < 0.013) {
      outcome = 'not_published';
      reason = 'the registry does not have this release';
    } else if (file) {
      const raw = Buffer.from(file.content);
      const parsed = parseChosen(raw, file.name, file.sourceUrl, { knownVersions: versions, limits: LIMITS }, false);
      if (parsed.value.outcome === 'found') {
        const rawBlob = { sha256: sha256(raw), content: raw, mediaType: 'text/plain' };
        const parsedBlob = { sha256: sha256(parsed.bytes), content: Buffer.from(parsed.bytes), mediaType: 'application/json' };
        blobs.push(rawBlob, parsedBlob);
        outcome = 'found';
        changelog = {
          fileName: file.name,
          foundIn: file.foundIn,
          sourceUrl: parsed.value.sourceUrl,
          format: parsed.value.format,
          rawSha256: rawBlob.sha256,
          parsedSha256: parsedBlob.sha256,
          entryCount: parsed.value.entryCount,
        };
      } else {
        outcome = 'rejected';
        reason = parsed.value.message;
      }
    }

    const summary = release.registry === 'npm' ? release.description : release.registry === 'rubygems' ? release.info : release.summary;
    const finishedAt = (at: number) => new Date(at + random.int(40, 4_000)).toISOString();
    const crawled = (at: number): GeneratedCrawl => {
      const crawl = crawlRef(ref, at);
      return {
        blobs,
        final: true,
        released,
        append: {
          streamId,
          events: [
            {
              eventId: `${streamId}/crawled`,
              type: 'ReleaseCrawled',
              data: { ...ref, outcome, publishedAt, latestVersion: release.version, summary: summary ?? null, changelog, reason, crawl, finishedAt: finishedAt(at) },
            },
          ],
        },
      };
    };
    const unfinished = (at: number, type: 'CrawlFailed' | 'CrawlCancelled'): GeneratedCrawl => {
      const crawl = crawlRef(ref, at);
      const events: StreamAppend['events'] =
        type === 'CrawlFailed'
          ? [{ eventId: `${streamId}/failed/${crawl.runId}`, type, data: { ...ref, error: 'npm registry: 503 Service Unavailable after 4 attempts', crawl, finishedAt: finishedAt(at) } }]
          : [{ eventId: `${streamId}/cancelled/${crawl.runId}`, type, data: { ...ref, crawl, finishedAt: finishedAt(at) } }];
      return { blobs: [], final: false, released, append: { streamId, events } };
    };

    const fate = random.next();
    if (fate < 0.03) {
      // A failed run, replayed a while later (its result lands after later releases'), sometimes failing again.
      yield unfinished(clock, 'CrawlFailed');
      const due = released + random.int(1, 400);
      const retry = random.chance(0.8) ? crawled(clock + 3_600_000) : unfinished(clock + 3_600_000, 'CrawlFailed');
      later.push({ due, crawl: retry });
      later.sort((a, b) => a.due - b.due);
    } else if (fate < 0.035) {
      yield unfinished(clock, 'CrawlCancelled');
    } else if (fate < 0.04) {
      // A slow crawl: its result is recorded after later releases' results.
      later.push({ due: released + random.int(1, 50), crawl: crawled(clock) });
      later.sort((a, b) => a.due - b.due);
    } else {
      yield crawled(clock);
    }
  }
}
