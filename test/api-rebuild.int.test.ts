// `changelogs projections rebuild`: the read models replayed from the log equal the live ones.
import { PROJECTION_TABLES, rebuildProjections, type RebuildProgress } from '../eventStore/rebuildProjections';
import { crawlPublished, crawlReleases, recordRelease } from './support/releases';
import { startStack, type TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const KEYS: Record<(typeof PROJECTION_TABLES)[number], string> = {
  packages: 'registry, name',
  releases: 'registry, name, version',
  changelog_entries: 'registry, name, ordinal',
  crawls: 'workflow_id, run_id',
};

/** Every row of every read model, search documents included, as JSON. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of PROJECTION_TABLES) {
    const { rows } = await stack.pool.query<{ row: unknown }>(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY ${KEYS[table]}`);
    tables[table] = rows.map((r) => r.row);
  }
  return tables;
}

const history = (versions: string[]) => ['# Changelog', ...versions.map((v, i) => `## [${v}] - 2024-0${i + 1}-15\n### Fixed\n- Fix number ${v}.`)].join('\n\n');

test('rebuilt projections equal the live ones', async () => {
  // Real crawls: two releases of one package (the newer one's changelog wins), one without a changelog,
  // one that fails; and PyPI results recorded straight into the log.
  await stack.npm.publish({ name: 'rebuilt', version: '1.0.0', description: 'Rebuilt from the log', files: { 'CHANGELOG.md': history(['1.0.0', '0.9.0']) } });
  await stack.npm.publish({ name: 'rebuilt', version: '1.1.0', description: 'Rebuilt from the log', files: { 'CHANGELOG.md': history(['1.1.0', '1.0.0', '0.9.0']) } });
  await stack.npm.publish({ name: 'broken', version: '1.0.0', files: { 'CHANGELOG.md': history(['1.0.0', '0.1.0']) } });
  stack.npm.failTarball('broken', '1.0.0', 503);
  const broken = crawlPublished(stack, 'broken', ['1.0.0']).catch(() => 'failed');
  expect(await crawlPublished(stack, 'rebuilt', ['1.0.0'])).toEqual(['found']);
  expect(await crawlPublished(stack, 'rebuilt', ['1.1.0'])).toEqual(['found']);
  await crawlReleases(stack, 'plain', ['2.0.0', '2.1.0']);
  await recordRelease(stack.pool, { registry: 'pypi', name: 'snake', version: '1.0', summary: 'A PyPI package', entries: [{ version: '1.0' }, { version: '0.9' }] });
  expect(await broken).toBe('failed');

  const live = await snapshot();
  expect(live.packages).toHaveLength(4);
  expect(live.changelog_entries!.length).toBeGreaterThan(4);
  expect(live.crawls).toHaveLength(6);

  // A storage parameter an operator set on a read model survives the rebuild (the fresh table gets it too).
  await stack.pool.query('ALTER TABLE crawls SET (fillfactor = 90)');

  // Damage the live read models: the rebuild must come from the log alone.
  await stack.pool.query(`UPDATE packages SET summary = 'tampered', latest_version = '9.9.9'`);
  await stack.pool.query(`DELETE FROM crawls WHERE name = 'plain'`);
  await stack.pool.query(`DELETE FROM changelog_entries WHERE name = 'rebuilt' AND ordinal = 0`);
  expect(await snapshot()).not.toEqual(live);

  const progress: RebuildProgress[] = [];
  const { rows } = await stack.pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
  const result = await rebuildProjections(stack.pool, { batchSize: 2, onProgress: (p) => progress.push(p) });
  expect(result.replayed).toBe(Number(rows[0]!.n));
  expect(progress.at(-1)).toMatchObject({ phase: 'done', replayed: result.replayed });
  expect(progress.filter((p) => p.phase === 'replay').length).toBeGreaterThan(1);

  expect(await snapshot()).toEqual(live);
  const { rows: options } = await stack.pool.query<{ reloptions: string[] }>(`SELECT reloptions FROM pg_class WHERE oid = 'public.crawls'::regclass`);
  expect(options[0]!.reloptions).toEqual(['fillfactor=90']);
  await stack.pool.query('ALTER TABLE crawls RESET (fillfactor)');
  // The scratch tables are gone and search still uses the rebuilt documents.
  const { rows: schemas } = await stack.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'projections_rebuild'`);
  expect(schemas).toHaveLength(0);
  const search = await stack.graphql<{ search: { edges: { node: { name: string } }[] } }>(`{ search(query: "number 1.1.0") { edges { node { name } } } }`);
  expect(search.data!.search.edges.map((e) => e.node.name)).toContain('rebuilt');
});
