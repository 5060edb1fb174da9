// The HTTP server: GraphQL at /graphql, the web page at /.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createSchema, createYoga } from 'graphql-yoga';
import type { ApiContext, ApiDeps } from './context';
import { crawlMutation } from './resolvers/crawl';
import { changelogEntries, packageQuery } from './resolvers/package';

const typeDefs = fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8');

export function createApi(deps: ApiDeps) {
  const schema = createSchema<ApiContext>({
    typeDefs,
    resolvers: {
      Query: { package: packageQuery },
      Mutation: { crawl: crawlMutation },
      Changelog: { entries: changelogEntries },
    },
  });
  return createYoga<object, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    context: ({ request }) => ({ ...deps, request }),
    landingPage: false,
    logging: 'warn',
  });
}

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startApi(deps: ApiDeps, port = deps.config.api.port): Promise<RunningApi> {
  const yoga = createApi(deps);
  const webRoot = path.join(__dirname, '..', 'web');
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      fs.createReadStream(path.join(webRoot, 'index.html')).pipe(res);
      return;
    }
    void yoga(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://localhost:${actualPort}/graphql`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
