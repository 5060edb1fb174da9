import { createSchema, createYoga } from 'graphql-yoga';
import { useSearchResponseCache } from './responseCache';

/** A yoga with a `search` and a `package` field that count their executions, and the cache under test. */
function api(ttlMs: number) {
  const executed = { search: 0, package: 0 };
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { search(q: String!): [String!]! package(name: String!): String }',
      resolvers: {
        Query: {
          search: (_: unknown, { q }: { q: string }) => {
            executed.search++;
            if (q === 'fail') throw new Error('search failed');
            return [`${q}-${executed.search}`];
          },
          package: (_: unknown, { name }: { name: string }) => {
            executed.package++;
            return `${name}-${executed.package}`;
          },
        },
      },
    }),
    plugins: [useSearchResponseCache({ ttlMs })],
    logging: false,
    maskedErrors: false,
  });
  const post = async (query: string, variables?: Record<string, unknown>) => {
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };
  return { post, executed };
}

const SEARCH = 'query ($q: String!) { search(q: $q) }';

test('a repeated search is answered from the cache while it is fresh; other variables are their own entry', async () => {
  const { post, executed } = api(60_000);
  expect((await post(SEARCH, { q: 'a' })).data).toEqual({ search: ['a-1'] });
  expect((await post(SEARCH, { q: 'a' })).data).toEqual({ search: ['a-1'] });
  expect(executed.search).toBe(1);
  expect((await post(SEARCH, { q: 'b' })).data).toEqual({ search: ['b-2'] });
  expect((await post('{ __typename search(q: "a") }')).data).toEqual({ __typename: 'Query', search: ['a-3'] });
  expect((await post('{ __typename search(q: "a") }')).data).toEqual({ __typename: 'Query', search: ['a-3'] });
  expect(executed.search).toBe(3);
});

test('operations with any other root field, and results with errors, are never kept', async () => {
  const { post, executed } = api(60_000);
  const mixed = '{ search(q: "a") package(name: "p") }';
  expect((await post(mixed)).data).toEqual({ search: ['a-1'], package: 'p-1' });
  expect((await post(mixed)).data).toEqual({ search: ['a-2'], package: 'p-2' });
  expect((await post('{ package(name: "p") }')).data).toEqual({ package: 'p-3' });
  expect((await post('{ package(name: "p") }')).data).toEqual({ package: 'p-4' });
  expect((await post(SEARCH, { q: 'fail' })).errors).toHaveLength(1);
  expect((await post(SEARCH, { q: 'fail' })).errors).toHaveLength(1);
  expect(executed).toEqual({ search: 4, package: 4 });
});

test('a kept response expires after its TTL, and a TTL of 0 keeps nothing', async () => {
  const short = api(50);
  await short.post(SEARCH, { q: 'a' });
  await new Promise((resolve) => setTimeout(resolve, 80));
  expect((await short.post(SEARCH, { q: 'a' })).data).toEqual({ search: ['a-2'] });

  const off = api(0);
  await off.post(SEARCH, { q: 'a' });
  expect((await off.post(SEARCH, { q: 'a' })).data).toEqual({ search: ['a-2'] });
});
