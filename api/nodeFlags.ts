// The Node.js flags and environment the API process is started with, wherever it is started: `npm start`
// (cli/start.ts), the API's NODE_OPTIONS in docker-compose.yml and the Kubernetes manifest, NODE_ENV in the image
// (test/deploy.unit.test.ts checks they match), and the read-side benchmark's API processes.
//
// A larger young generation (64 MB semi-spaces, up from 16): delivering an event to thousands of live subscribers
// allocates a few short-lived objects per subscriber, and with the default size the scavenger ran often enough to
// take a fifth of the API's CPU. `npm run bench:read-side` (10,000 subscribers over two processes): 70 µs of CPU a
// delivery without the flag, 49 µs with it, in back-to-back runs. It costs up to about 100 MB more memory per
// process at peak.
//
// And a young generation of that size always (`--min-semi-space-size`, the same 64 MB): V8 shrank it after a major
// collection of the search index's heap, and scavenges then came about twenty a second. In a GC trace of the
// read-side benchmark's open loop (380 searches a second, 2026-12-03), one mark-compact (860 -> 364 MB, a 94 ms
// pause) was followed by scavenges freeing 1-15 MB each, 5-17 ms apiece, and another mark-compact 2.5 s later: the
// API fell behind, and for 4.5 s nearly every search (1,714) took over 50 ms, up to 1.8 s (the loop's p99: 1,209 ms).
// With the floor, scavenges after a mark-compact stay about 48 MB apart, fewer objects live long enough to be
// promoted (the old generation grew 6.7 MB a second in the loop, against 10-11 MB without the floor or with a 16 MB
// one), and that run's p99 was 19.5 ms; the next two, 14.3 and 12.8 ms. Without it, four runs on the same machine
// had p99 456-1,209 ms (one before the bound on search statements, api/searchWindows.ts; one with a 16 MB floor,
// where the API fell 0.4 s behind during a major collection's marking).
// What it costs: the young generation's 128 MB stays committed when idle, and the live stream's fan-out takes more
// CPU — 40-49 µs a delivery in three runs, against 33 µs without the floor and 35 µs with a 16 MB one (p99 458-621 ms
// against 371 and 432 ms; the fan-out floor itself moved between 215 and 432 ms from run to run).
export const API_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64', '--min-semi-space-size=64'];

/**
 * NODE_ENV=production (a NODE_ENV set by hand wins, for `npm start`). graphql-js reads it once, when loaded: outside
 * production, every type test in execution (is this field's type a list, a leaf, an abstract type?) that fails also
 * looks up both sides' `Symbol.toStringTag`, to warn of a second copy of graphql in node_modules. For a page of 20
 * search results that was 6% of the API's CPU in a profile; without the check, an API whose search costs nothing
 * serves 7–12% more searches a second (`npm run bench:read-side`, which measures both in the same run: medians of
 * three interleaved rounds, two runs on 2026-12-03).
 */
export const API_ENVIRONMENT: Readonly<Record<string, string>> = { NODE_ENV: 'production' };
